// The policy/v1 kinds (pods/eviction is a pods subresource, served in src/apiserver/subresources.ts).

import type { KindDef } from '../types.js';
import { podDisruptionBudgetKind } from './pod-disruption-budget.js';

export const policyKinds: KindDef[] = [podDisruptionBudgetKind];
