// The one place that maps a runtime name (`--runtime`, a RuntimeClass handler) to an
// implementation. Runtimes that do not exist yet fail with a message a user can act on.

import { readdirSync } from 'node:fs';
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

/** Where a runtime keeps its state under a node's data dir (none for the in-memory sim). */
export function runtimeStateDir(name: string, dataDir: string): string | undefined {
  if (name === 'process') return join(dataDir, 'process-runtime');
  if (name === 'runc') return join(dataDir, 'runc-runtime');
  return undefined;
}

/** The runtime left sandboxes under `dataDir` (a previous agent ran pods with it). */
export function hasRuntimeState(name: string, dataDir: string | undefined): boolean {
  const dir = dataDir && runtimeStateDir(name, dataDir);
  if (!dir) return false;
  try {
    return readdirSync(join(dir, 'sandboxes')).length > 0;
  } catch {
    return false;
  }
}

/** A node's runtimes as `k8ts up` and `k8ts agent` give them to the Kubelet. */
export interface NodeRuntimes {
  /** The node's default runtime (`--runtime`). */
  runtime: ContainerRuntime;
  /** Other runtimes that have sandboxes on disk from before: created now, so they are adopted. */
  runtimes: Record<string, ContainerRuntime>;
  /** Creates any other runtime when a pod first asks for it (spec.runtimeClassName). */
  createRuntime(handler: string): ContainerRuntime;
}

/**
 * The default runtime (whose failure to start fails the node), the others with state on disk
 * (whose failure is only logged: pods asking for them get the error when they are synced), and
 * the factory for the rest, all with the same options (data dir, images, runc binary).
 */
export function nodeRuntimes(defaultName: string, opts: CreateRuntimeOptions, log: (m: string) => void = () => undefined): NodeRuntimes {
  const runtime = createRuntime(defaultName, opts);
  const runtimes: Record<string, ContainerRuntime> = {};
  for (const name of RUNTIME_NAMES) {
    if (name === defaultName || !hasRuntimeState(name, opts.dataDir)) continue;
    try {
      runtimes[name] = createRuntime(name, opts);
    } catch (err) {
      log(`the ${name} runtime has containers from before under ${opts.dataDir} but cannot start: ${(err as Error).message}`);
    }
  }
  return { runtime, runtimes, createRuntime: (handler) => createRuntime(handler, opts) };
}
