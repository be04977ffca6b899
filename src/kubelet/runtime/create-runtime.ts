// The one place that maps a runtime name (`--runtime`, a RuntimeClass handler) to an
// implementation. Runtimes that do not exist yet fail with a message a user can act on.

import { join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { ContainerRuntime } from './runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';
import { SimRuntime } from './sim/sim-runtime.js';

export const RUNTIME_NAMES = ['sim', 'process', 'runc'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
export const IMPLEMENTED_RUNTIMES: readonly RuntimeName[] = ['sim', 'process'];

export interface CreateRuntimeOptions {
  clock?: Clock;
  /** Random source for the sim runtime's random-exit images. */
  random?: () => number;
  /** Where runtimes that keep files (logs, bundles) put them. */
  dataDir?: string;
}

export class UnknownRuntimeError extends Error {
  constructor(readonly runtime: string) {
    const known = (RUNTIME_NAMES as readonly string[]).includes(runtime);
    super(
      known
        ? `the "${runtime}" runtime is not available in this version of k8ts yet; available runtimes: ${IMPLEMENTED_RUNTIMES.join(', ')}`
        : `unknown runtime "${runtime}"; expected one of: ${RUNTIME_NAMES.join(', ')}`,
    );
    this.name = 'UnknownRuntimeError';
  }
}

export function createRuntime(name: RuntimeName | string, opts: CreateRuntimeOptions = {}): ContainerRuntime {
  switch (name) {
    case 'sim':
      return new SimRuntime({ clock: opts.clock, random: opts.random });
    case 'process':
      if (!opts.dataDir) throw new Error('the process runtime keeps its containers, logs and helper under a data dir: pass --data-dir');
      return new ProcessRuntime({ dataDir: join(opts.dataDir, 'process-runtime'), clock: opts.clock });
    default:
      throw new UnknownRuntimeError(name);
  }
}
