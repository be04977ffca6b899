// The one table of served kinds. Routing, discovery, OpenAPI and tables all come from it:
// adding a kind means adding its file and one line here (through its group's index).

import { appsKinds } from './apps/index.js';
import { batchKinds } from './batch/index.js';
import { coreKinds } from './core/index.js';
import { miscKinds } from './misc/index.js';
import { policyKinds } from './policy/index.js';
import type { KindDef } from './types.js';

export function allKinds(): KindDef[] {
  return [...coreKinds, ...appsKinds, ...batchKinds, ...policyKinds, ...miscKinds];
}
