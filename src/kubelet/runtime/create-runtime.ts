// The one place that maps a runtime name (`--runtime`, a RuntimeClass handler) to an
// implementation. Runtimes that do not exist yet fail with a message a user can act on.

import { basename, dirname, join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { ContainerRuntime } from './runtime.js';
import { ProcessRuntime } from './process/process-runtime.js';
import { SimRuntime } from './sim/sim-runtime.js';
import { ImageStore } from '../../images/image-store.js';
import { runcPreflight } from './runc/preflight.js';
import { DEFAULT_RUNC, RuncRuntime } from './runc/runc-runtime.js';

export const RUNTIME_NAMES = ['sim', 'process', 'runc'] as const;
export type RuntimeName = (typeof RUNTIME_NAMES)[number];
export const IMPLEMENTED_RUNTIMES: readonly RuntimeName[] = ['sim', 'process', 'runc'];

export interface CreateRuntimeOptions {
  clock?: Clock;
  /** Random source for the sim runtime's random-exit images. */
  random?: () => number;
  /** sim: how long a process that honours SIGTERM takes to exit (see SimRuntimeOptions). */
  sigtermExitMs?: number;
  /** Where runtimes that keep files (logs, bundles) put them. */
  dataDir?: string;
  /** runc: the image store's directory (default `<dataDir>/images`); nodes of one machine may share one. */
  imagesDir?: string;
  /** runc: registries (host:port) that may be used over plain HTTP. */
  insecureRegistries?: string[];
  /** runc: the runc binary (or crun); default /usr/sbin/runc. */
  runcPath?: string;
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
      return new SimRuntime({ clock: opts.clock, random: opts.random, sigtermExitMs: opts.sigtermExitMs });
    case 'process':
      if (!opts.dataDir) throw new Error('the process runtime keeps its containers, logs and helper under a data dir: pass --data-dir');
      return new ProcessRuntime({ dataDir: join(opts.dataDir, 'process-runtime'), clock: opts.clock });
    case 'runc': {
      const runcPath = opts.runcPath ?? DEFAULT_RUNC;
      const version = runcPreflight(runcPath);
      if (!opts.dataDir) throw new Error('the runc runtime keeps images, bundles and logs under a data dir: pass --data-dir');
      // `k8ts up` keeps each node's state in <data-dir>/nodes/<name>: its nodes share the store in
      // <data-dir>/images, the one `k8ts image --data-dir <data-dir>` manages.
      const shared = basename(dirname(opts.dataDir)) === 'nodes' ? join(opts.dataDir, '..', '..', 'images') : join(opts.dataDir, 'images');
      const images = new ImageStore({ root: opts.imagesDir ?? shared, insecureRegistries: opts.insecureRegistries });
      return new RuncRuntime({ dataDir: join(opts.dataDir, 'runc-runtime'), images, runcPath, runcVersion: version, clock: opts.clock });
    }
    default:
      throw new UnknownRuntimeError(name);
  }
}
