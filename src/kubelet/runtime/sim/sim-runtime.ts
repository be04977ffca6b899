// The `sim` runtime: containers are records whose life is computed from their command line
// (sim-program.ts) and driven by the injected clock. No process runs. A container that runs
// until stopped holds no timer at all, so a node can hold 10,000 pods; pending transitions
// (a delayed start, an exit, a SIGKILL deadline) are one clock timer each.

import { randomBytes } from 'node:crypto';
import { realClock, type Clock } from '../../../util/clock.js';
import type { IpAllocator } from '../ip-allocator.js';
import { allocatePodIp, configuredAllocator, releasePodIp, requireContainer, RuntimeListeners } from '../runtime-common.js';
import {
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerState,
  type ContainerStatus,
  type ExecResult,
  type ImageInfo,
  type LogEntry,
  type LogOptions,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type ProbeOutcome,
  type ProbeRequest,
  type RuntimeCapabilities,
  type RuntimeConfig,
  type RuntimeEvent,
  type SimulatedReadiness,
} from '../runtime.js';
import { SIM_LIVE, SIM_READY, SIM_READY_DELAY, SIM_START_DELAY, delayMs, isFalse } from './sim-annotations.js';
import { SimImages } from './sim-images.js';
import { containerProgram, execProgram, type SimProgram } from './sim-program.js';

export const SIM_RUNTIME_VERSION = '0.1.0';

export interface SimRuntimeOptions {
  clock?: Clock;
  /** Random source in [0, 1) for random-exit images (tests pass a fixed one). */
  random?: () => number;
  /**
   * How long a simulated process that honours SIGTERM takes to exit (default 0: at once). `k8ts up`
   * uses a little time, as real processes take: otherwise a controller may recreate a pod under the
   * same name before `kubectl delete` starts watching, and kubectl waits forever
   * (kubernetes/kubernetes#135562).
   */
  sigtermExitMs?: number;
}

interface SimSandbox {
  id: string;
  config: PodSandboxConfig;
  annotations: Record<string, string>;
  state: 'ready' | 'notready';
  createdAt: Date;
  ip?: string;
  /** The IP came from the allocator (not hostNetwork) and is still held. */
  holdsIp: boolean;
  containers: Set<string>;
}

interface SimContainer {
  id: string;
  sandbox: SimSandbox;
  config: ContainerConfig;
  image: ImageInfo;
  state: ContainerState;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  reason?: string;
  program?: SimProgram;
  /** Cancels the pending transition (delayed start, natural exit). */
  cancelTimer?: () => void;
  /** SIGKILL deadline and its timer while a stop is in progress. */
  killAt?: number;
  cancelKill?: () => void;
  waiters: (() => void)[];
  /** File changes made through exec, at absolute times. */
  execFiles: { at: number; path: string; exists: boolean }[];
}

export class SimRuntime implements ContainerRuntime {
  readonly type = 'sim';
  readonly version = SIM_RUNTIME_VERSION;
  readonly capabilities: RuntimeCapabilities = { exec: true, logs: true, podNetwork: false, hostNetwork: true, simulatedProbes: true };
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly sigtermExitMs: number;
  private readonly images = new SimImages();
  private readonly sandboxes = new Map<string, SimSandbox>();
  private readonly containers = new Map<string, SimContainer>();
  private readonly listeners = new RuntimeListeners();
  private ips?: IpAllocator;
  private nodeIP = '127.0.0.1';
  private closed = false;
  private readonly ids = new IdSource();

  constructor(opts: SimRuntimeOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.sigtermExitMs = opts.sigtermExitMs ?? 0;
  }

  updateRuntimeConfig(config: RuntimeConfig): void {
    if (config.nodeIP) this.nodeIP = config.nodeIP;
    // Keeps the IPs of live sandboxes reserved when the range is (re)configured.
    this.ips = configuredAllocator(this.ips, config, this.sandboxes.values());
  }

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    return this.images.resolve(image);
  }

  async pullImage(image: string): Promise<ImageInfo> {
    return this.images.resolve(image);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.assertOpen();
    const { ip, holdsIp } = allocatePodIp(!!config.hostNetwork, this.nodeIP, this.ips);
    const id = this.ids.next();
    this.sandboxes.set(id, { id, config, annotations: { ...config.annotations }, state: 'ready', createdAt: this.clock.now(), ip, holdsIp, containers: new Set() });
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return; // CRI: stopping a missing sandbox is not an error
    for (const cid of sb.containers) {
      const c = this.containers.get(cid);
      if (c && c.state !== 'exited') this.finish(c, 137, false);
    }
    sb.state = 'notready';
    releasePodIp(sb, this.ips);
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    for (const cid of sb.containers) this.drop(cid);
    this.sandboxes.delete(id);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb && sandboxStatus(sb);
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map(sandboxStatus);
  }

  updatePodSandbox(id: string, update: { annotations?: Record<string, string>; labels?: Record<string, string> }): void {
    const sb = this.sandboxes.get(id);
    if (sb && update.annotations) sb.annotations = { ...update.annotations };
  }

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.assertOpen();
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeNotFoundError('sandbox', sandboxId);
    if (sb.state !== 'ready') throw new Error(`failed to create containerd container: sandbox ${sandboxId} is not ready`);
    const id = this.ids.next();
    const c: SimContainer = { id, sandbox: sb, config, image: this.images.resolve(config.image), state: 'created', createdAt: this.clock.now(), waiters: [], execFiles: [] };
    this.containers.set(id, c);
    sb.containers.add(id);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    if (c.state !== 'created') throw new Error(`failed to start container "${id}": container is in ${c.state} state, not created`);
    if (c.cancelTimer) throw new Error(`failed to start container "${id}": already starting`);
    const delay = delayMs(c.sandbox.annotations, SIM_START_DELAY);
    if (delay > 0) {
      c.cancelTimer = this.clock.setTimer(delay, () => {
        c.cancelTimer = undefined;
        if (c.state !== 'created' || this.closed) return;
        this.begin(c);
        this.emit({ type: 'ContainerStarted', containerId: c.id, sandboxId: c.sandbox.id, podUid: c.sandbox.config.uid });
      });
      return;
    }
    this.begin(c);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.get(id);
    if (c.state === 'exited') return;
    const done = new Promise<void>((resolve) => c.waiters.push(resolve));
    if (c.state === 'created') {
      // Never started (a start delay was pending): it ends without having run.
      this.finish(c, 137, true);
    } else if (c.program?.exitsOnSigterm) {
      const ms = Math.min(this.sigtermExitMs, Math.max(0, timeoutSeconds) * 1000);
      if (ms === 0) this.finish(c, 0, true);
      else if (c.cancelKill === undefined) {
        c.cancelKill = this.clock.setTimer(ms, () => {
          c.cancelKill = undefined;
          if (c.state === 'running') this.finish(c, 0, true);
        });
      }
    } else {
      const at = this.clock.now().getTime() + Math.max(0, timeoutSeconds) * 1000;
      if (c.killAt === undefined || at < c.killAt) {
        c.cancelKill?.();
        c.killAt = at;
        c.cancelKill = this.clock.setTimer(at - this.clock.now().getTime(), () => {
          c.cancelKill = undefined;
          if (c.state === 'running') this.finish(c, 137, true);
        });
      }
    }
    return done;
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    if (c.state !== 'exited') this.finish(c, 137, false);
    this.drop(id);
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c && this.status(c);
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    if (filter.sandboxId !== undefined) {
      const sb = this.sandboxes.get(filter.sandboxId);
      if (!sb) return [];
      const out: ContainerStatus[] = [];
      for (const id of sb.containers) {
        const c = this.containers.get(id);
        if (c) out.push(this.status(c));
      }
      return out;
    }
    return [...this.containers.values()].map((c) => this.status(c));
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const c = this.get(id);
    if (c.state !== 'running') throw new Error(`cannot exec in a stopped container: container ${id} is ${c.state}`);
    const now = this.clock.now().getTime();
    const o = execProgram(cmd, (p) => this.fileExists(c, p, now));
    for (const f of o.files) c.execFiles.push({ at: now, path: f.path, exists: f.exists });
    // The command takes its simulated time (its sleeps), cut short by the timeout.
    const limit = timeoutSeconds > 0 ? timeoutSeconds * 1000 : Infinity;
    const wait = Math.min(o.durationMs, limit);
    if (wait > 0) await new Promise<void>((r) => this.clock.setTimer(wait, r));
    if (o.durationMs > limit) return { exitCode: -1, stdout: o.stdout, stderr: o.stderr, timedOut: true };
    return { exitCode: o.exitCode, stdout: o.stdout, stderr: o.stderr };
  }

  async *readLogs(id: string, opts: LogOptions = {}): AsyncIterable<LogEntry> {
    const c = this.get(id);
    let next = 0;
    const since = opts.sinceTime?.getTime() ?? -Infinity;
    const due = () => this.outputUntil(c, this.clock.now().getTime()).filter((e) => e.time.getTime() >= since);
    let first = due();
    if (opts.tailLines !== undefined) first = opts.tailLines > 0 ? first.slice(-opts.tailLines) : [];
    for (const e of first) yield e;
    next = due().length;
    if (!opts.follow) return;
    while (!opts.signal?.aborted) {
      if (c.state === 'exited' || !this.containers.has(id)) {
        for (const e of due().slice(next)) yield e;
        return;
      }
      await this.nextChange(c, opts.signal);
      const all = due();
      for (const e of all.slice(next)) yield e;
      next = all.length;
    }
  }

  async probe(containerId: string, req: ProbeRequest): Promise<ProbeOutcome> {
    const c = this.get(containerId);
    const a = req.annotations;
    const fail = (): ProbeOutcome => ({ result: 'failure', output: failureOutput(req.probe, c.sandbox.ip ?? '') });
    if (req.kind === 'readiness') {
      if (isFalse(a, SIM_READY)) return fail();
      const delay = delayMs(a, SIM_READY_DELAY);
      if (delay > 0 && (!c.startedAt || this.clock.now().getTime() < c.startedAt.getTime() + delay)) return fail();
    }
    if (req.kind === 'liveness' && isFalse(a, SIM_LIVE)) return fail();
    const exec = (req.probe.exec as { command?: string[] } | undefined)?.command;
    if (exec && c.state === 'running') {
      const timeout = Number(req.probe.timeoutSeconds ?? 1);
      const r = await this.execSync(containerId, exec, timeout);
      if (r.timedOut) return { result: 'failure', output: `command ${JSON.stringify(exec.join(' '))} timed out` };
      return { result: r.exitCode === 0 ? 'success' : 'failure', output: r.stdout + r.stderr };
    }
    return { result: 'success', output: '' };
  }

  simulatedReadiness(containerId: string, annotations: Record<string, string>): SimulatedReadiness {
    const c = this.containers.get(containerId);
    if (!c || c.state !== 'running' || !c.startedAt) return { ready: false };
    if (isFalse(annotations, SIM_READY)) return { ready: false };
    const delay = delayMs(annotations, SIM_READY_DELAY);
    const at = c.startedAt.getTime() + delay;
    if (delay > 0 && this.clock.now().getTime() < at) return { ready: false, recheckAt: at };
    return { ready: true };
  }

  subscribe(listener: (ev: RuntimeEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.containers.values()) {
      c.cancelTimer?.();
      c.cancelKill?.();
      for (const w of c.waiters.splice(0)) w();
    }
    this.containers.clear();
    this.sandboxes.clear();
    this.listeners.clear();
  }

  /** Number of live sandboxes (benchmarks and tests). */
  get sandboxCount(): number {
    return this.sandboxes.size;
  }

  private begin(c: SimContainer): void {
    c.state = 'running';
    c.startedAt = this.clock.now();
    c.program = containerProgram(c.config.command, c.config.args, c.config.image, this.random);
    const exit = c.program.exit;
    if (exit) {
      if (exit.atMs <= 0) this.finish(c, exit.code, false);
      else
        c.cancelTimer = this.clock.setTimer(exit.atMs, () => {
          c.cancelTimer = undefined;
          if (c.state === 'running') this.finish(c, exit.code, true);
        });
    }
  }

  /** Moves a container to exited; `announce` sends ContainerExited (asynchronous changes only). */
  private finish(c: SimContainer, code: number, announce: boolean): void {
    if (c.state === 'exited') return;
    c.cancelTimer?.();
    c.cancelTimer = undefined;
    c.cancelKill?.();
    c.cancelKill = undefined;
    c.state = 'exited';
    c.finishedAt = this.clock.now();
    c.exitCode = code;
    c.reason = code === 0 ? 'Completed' : 'Error';
    for (const w of c.waiters.splice(0)) w();
    if (announce && !this.closed) this.emit({ type: 'ContainerExited', containerId: c.id, sandboxId: c.sandbox.id, podUid: c.sandbox.config.uid });
  }

  private drop(id: string): void {
    const c = this.containers.get(id);
    if (!c) return;
    c.cancelTimer?.();
    c.cancelKill?.();
    for (const w of c.waiters.splice(0)) w();
    c.sandbox.containers.delete(id);
    this.containers.delete(id);
  }

  private status(c: SimContainer): ContainerStatus {
    return {
      id: c.id,
      sandboxId: c.sandbox.id,
      name: c.config.name,
      attempt: c.config.attempt,
      image: c.config.image,
      imageRef: c.image.ref,
      state: c.state,
      createdAt: c.createdAt,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      exitCode: c.exitCode,
      reason: c.reason,
    };
  }

  /** Whether `path` exists in the container at `now`: its own script and execs decide; other paths exist. */
  private fileExists(c: SimContainer, path: string, now: number): boolean {
    let at = -Infinity;
    let exists = true;
    const start = c.startedAt?.getTime() ?? now;
    for (const s of c.program?.steps ?? []) {
      if (s.kind !== 'file' || s.path !== path) continue;
      const t = start + s.atMs;
      if (t <= now && t >= at) {
        at = t;
        exists = s.exists;
      }
    }
    for (const f of c.execFiles) {
      if (f.path === path && f.at <= now && f.at >= at) {
        at = f.at;
        exists = f.exists;
      }
    }
    return exists;
  }

  private outputUntil(c: SimContainer, now: number): LogEntry[] {
    if (!c.startedAt || !c.program) return [];
    const start = c.startedAt.getTime();
    const end = Math.min(now, c.finishedAt?.getTime() ?? Infinity);
    const out: LogEntry[] = [];
    for (const s of c.program.steps) {
      if (s.kind === 'output' && start + s.atMs <= end) out.push({ time: new Date(start + s.atMs), stream: s.stream, line: s.line });
    }
    return out;
  }

  /** Resolves at the container's next printed line or exit (or when aborted). */
  private nextChange(c: SimContainer, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const now = this.clock.now().getTime();
      const start = c.startedAt?.getTime() ?? now;
      let nextAt = Infinity;
      for (const s of c.program?.steps ?? []) if (s.kind === 'output' && start + s.atMs > now) nextAt = Math.min(nextAt, start + s.atMs);
      let cancel: (() => void) | undefined;
      const done = () => {
        cancel?.();
        const i = c.waiters.indexOf(done);
        if (i >= 0) c.waiters.splice(i, 1);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      c.waiters.push(done);
      if (nextAt !== Infinity) cancel = this.clock.setTimer(nextAt - now, done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  private get(id: string): SimContainer {
    return requireContainer(this.containers, id);
  }

  private emit(ev: RuntimeEvent): void {
    this.listeners.emit(ev);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the sim runtime is closed');
  }
}

function sandboxStatus(sb: SimSandbox): PodSandboxStatus {
  return { id: sb.id, uid: sb.config.uid, name: sb.config.name, namespace: sb.config.namespace, state: sb.state, createdAt: sb.createdAt, ip: sb.ip };
}

/** 64-hex ids like containerd's, cut from a pool of random bytes (one syscall per 128 ids). */
class IdSource {
  private pool = Buffer.alloc(0);
  private off = 0;

  next(): string {
    if (this.off + 32 > this.pool.length) {
      this.pool = randomBytes(32 * 128);
      this.off = 0;
    }
    const id = this.pool.toString('hex', this.off, this.off + 32);
    this.off += 32;
    return id;
  }
}

/** The words a real prober would report for a failing probe of this shape. */
function failureOutput(probe: Record<string, unknown>, ip: string): string {
  const http = probe.httpGet as { port?: unknown; host?: string } | undefined;
  if (http) return 'HTTP probe failed with statuscode: 503';
  const tcp = probe.tcpSocket as { port?: unknown; host?: string } | undefined;
  if (tcp) return `dial tcp ${tcp.host || ip}:${String(tcp.port)}: connect: connection refused`;
  const grpc = probe.grpc as { port?: unknown } | undefined;
  if (grpc) return `timeout: failed to connect service "${ip}:${String(grpc.port)}" within 1s: context deadline exceeded`;
  return '';
}
