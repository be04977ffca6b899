// The `process` runtime: each container is a host process supervised by a k8ts-shim (see
// shim-source.ts). As root, the main process is PID 1 of new PID, mount, UTS and IPC namespaces,
// with the host's root file system as the lower layer of a per-container overlay (writes stay
// private), the pod's volumes bind-mounted at their paths and the pod's hostname. Without root
// there are no namespaces: the process runs in its own process group and volumes are only
// reachable through symlinks at their mount paths (see volume-links.ts). Pods share the node's
// network namespace: the sandbox IP from the pod CIDR is nominal (capabilities.podNetwork is
// false, so the agent probes 127.0.0.1).
//
// Everything needed to find containers again lives under the data dir (process-state.ts); a
// restarted agent creates a new ProcessRuntime over the same directory and gets the same
// sandboxes and containers back: running ones are re-adopted (their exits noticed by polling,
// since the new agent is not their parent), and ones whose shim died are reaped.

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { realClock, type Clock } from '../../../util/clock.js';
import type { IpAllocator } from '../ip-allocator.js';
import {
  allocatePodIp,
  newRuntimeId,
  configuredAllocator,
  podLogDir,
  releasePodIp,
  requireContainer,
  RuntimeListeners,
  scheduleKill,
  settleExited,
  storedSandboxStatus,
  unwatch,
  waitExit,
  type SupervisedContainer,
} from '../runtime-common.js';
import {
  RuntimeNotFoundError,
  type ContainerConfig,
  type ContainerRuntime,
  type ContainerStatus,
  type ExecResult,
  type ImageInfo,
  type LogEntry,
  type LogOptions,
  type PodSandboxConfig,
  type PodSandboxStatus,
  type RuntimeCapabilities,
  type RuntimeConfig,
  type RuntimeEvent,
  type StreamOptions,
  type StreamSession,
} from '../runtime.js';
import { attachContainer, containerLogs } from '../container-io.js';
import { logFiles } from './cri-log.js';
import { execCapture, execSession, type ExecTarget } from './exec-session.js';
import { processStartTicks, readExitFile, readJson, signalProcess, writeExitFile, writeJsonAtomic, type ContainerRecordOnDisk, type ExitRecord, type SandboxRecord } from './process-state.js';
import { ensureShim, shimStartFailure, spawnShim } from './shim-binary.js';
import { encodeShimSpec } from './shim-spec.js';
import { linkVolumes } from './volume-links.js';

export const PROCESS_RUNTIME_VERSION = '0.1.0';
export const NO_COMMAND_MESSAGE = 'the process runtime needs a command; image entrypoints need the runc runtime';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ProcessRuntimeOptions {
  /** Root of the runtime's state, logs and helper binary. */
  dataDir: string;
  clock?: Clock;
  /** Namespaces and mounts (default: when running as root). */
  namespaces?: boolean;
  /** Log rotation: size of one file and files kept per container (kubelet defaults 10 MiB, 5). */
  logMaxBytes?: number;
  logMaxFiles?: number;
  /** How often re-adopted containers (not children of this agent) are checked for exit. */
  adoptedPollMs?: number;
}

interface Sandbox extends SandboxRecord {
  containers: Set<string>;
}

interface Container extends SupervisedContainer {
  rec: ContainerRecordOnDisk;
  dir: string;
  exit?: ExitRecord;
}

export class ProcessRuntime implements ContainerRuntime {
  readonly type = 'process';
  readonly version = PROCESS_RUNTIME_VERSION;
  readonly capabilities: RuntimeCapabilities = { exec: true, logs: true, podNetwork: false, hostNetwork: true, simulatedProbes: false, mounts: true };
  private readonly clock: Clock;
  private readonly namespaces: boolean;
  private readonly shim: string;
  private readonly sandboxDir: string;
  private readonly containerDir: string;
  private readonly logDir: string;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, Container>();
  private readonly listeners = new RuntimeListeners();
  private ips?: IpAllocator;
  private nodeIP = '127.0.0.1';
  private closed = false;

  constructor(private readonly opts: ProcessRuntimeOptions) {
    this.clock = opts.clock ?? realClock;
    this.namespaces = opts.namespaces ?? process.getuid?.() === 0;
    this.sandboxDir = join(opts.dataDir, 'sandboxes');
    this.containerDir = join(opts.dataDir, 'containers');
    this.logDir = join(opts.dataDir, 'pods');
    for (const d of [this.sandboxDir, this.containerDir, this.logDir]) mkdirSync(d, { recursive: true });
    this.shim = ensureShim(join(opts.dataDir, 'bin'));
    this.load();
  }

  // ---- state from disk -------------------------------------------------------------------

  private load(): void {
    for (const f of readdirSync(this.sandboxDir)) {
      if (!f.endsWith('.json')) continue;
      const r = readJson<SandboxRecord>(join(this.sandboxDir, f));
      if (r) this.sandboxes.set(r.id, { ...r, containers: new Set() });
    }
    for (const id of readdirSync(this.containerDir)) {
      const dir = join(this.containerDir, id);
      const rec = readJson<ContainerRecordOnDisk>(join(dir, 'container.json'));
      const sb = rec && this.sandboxes.get(rec.sandboxId);
      if (!rec || !sb) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const c: Container = { rec, dir, state: 'created', waiters: [] };
      this.containers.set(id, c);
      sb.containers.add(id);
      const exit = readExitFile(join(dir, 'exit'));
      if (exit) this.markExited(c, exit, false);
      else if (rec.pid !== undefined) {
        c.state = 'running';
        if (this.shimAlive(c)) this.watchAdopted(c);
        else this.shimLost(c);
      }
    }
  }

  private shimAlive(c: Container): boolean {
    const r = c.rec;
    return r.shimPid !== undefined && processStartTicks(r.shimPid) === r.shimStart;
  }

  /** Polls a container this agent did not start (it is not our child: no exit event). */
  private watchAdopted(c: Container): void {
    c.poll = setInterval(() => {
      try {
        const exit = readExitFile(join(c.dir, 'exit'));
        if (exit) this.markExited(c, exit, true);
        else if (!this.shimAlive(c)) this.shimLost(c);
      } catch (err) {
        // The container was removed meanwhile (its directory is gone): nothing left to watch.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        clearInterval(c.poll);
      }
    }, this.opts.adoptedPollMs ?? 250);
    c.poll.unref?.();
  }

  /** The shim died without recording an exit (killed): kill what it supervised and record one. */
  private shimLost(c: Container): void {
    const exit = readExitFile(join(c.dir, 'exit'));
    if (exit) return this.markExited(c, exit, true);
    this.killAll(c);
    const e: ExitRecord = { exitCode: 137, signal: 9, finishedAt: this.clock.now(), reason: 'Error', message: 'the container supervisor (k8ts-shim) exited without recording the exit of the container' };
    writeExitFile(join(c.dir, 'exit'), e);
    this.markExited(c, e, true);
  }

  // ---- images (the process runtime runs host programs: an image is only a name) --------

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    return imageInfo(image);
  }

  async pullImage(image: string): Promise<ImageInfo> {
    return imageInfo(image);
  }

  // ---- sandboxes ----------------------------------------------------------------------

  updateRuntimeConfig(config: RuntimeConfig): void {
    if (config.nodeIP) this.nodeIP = config.nodeIP;
    this.ips = configuredAllocator(this.ips, config, this.sandboxes.values());
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.assertOpen();
    const { ip, holdsIp } = allocatePodIp(!!config.hostNetwork, this.nodeIP, this.ips);
    const id = newRuntimeId();
    const sb: Sandbox = { id, config, annotations: { ...config.annotations }, state: 'ready', createdAt: this.clock.now().toISOString(), ip, holdsIp, containers: new Set() };
    this.sandboxes.set(id, sb);
    this.saveSandbox(sb);
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all([...sb.containers].map((cid) => this.kill(cid)));
    sb.state = 'notready';
    releasePodIp(sb, this.ips);
    this.saveSandbox(sb);
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    await Promise.all([...sb.containers].map((cid) => this.removeContainer(cid)));
    this.sandboxes.delete(id);
    rmSync(join(this.sandboxDir, `${id}.json`), { force: true });
    await rm(this.podLogDir(sb), { recursive: true, force: true });
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined> {
    const sb = this.sandboxes.get(id);
    return sb && storedSandboxStatus(sb);
  }

  async listPodSandboxes(): Promise<PodSandboxStatus[]> {
    return [...this.sandboxes.values()].map(storedSandboxStatus);
  }

  updatePodSandbox(id: string, update: { annotations?: Record<string, string> }): void {
    const sb = this.sandboxes.get(id);
    if (sb && update.annotations) sb.annotations = { ...update.annotations };
  }

  private saveSandbox(sb: Sandbox): void {
    const { containers: _c, ...rec } = sb;
    writeJsonAtomic(join(this.sandboxDir, `${sb.id}.json`), rec);
  }

  private podLogDir(sb: Sandbox): string {
    return podLogDir(this.logDir, sb.config);
  }

  // ---- containers ---------------------------------------------------------------------

  async createContainer(sandboxId: string, config: ContainerConfig): Promise<string> {
    this.assertOpen();
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeNotFoundError('sandbox', sandboxId);
    if (sb.state !== 'ready') throw new Error(`failed to create container: sandbox ${sandboxId} is not ready`);
    if (config.command.length === 0) throw new Error(NO_COMMAND_MESSAGE);
    const id = newRuntimeId();
    const dir = join(this.containerDir, id);
    mkdirSync(dir, { recursive: true });
    const logPath = join(this.podLogDir(sb), config.logPath ?? `${config.name}/${config.attempt}.log`);
    mkdirSync(join(logPath, '..'), { recursive: true });
    const rec: ContainerRecordOnDisk = { id, sandboxId, config, createdAt: this.clock.now().toISOString(), logPath };
    writeJsonAtomic(join(dir, 'container.json'), rec);
    const c: Container = { rec, dir, state: 'created', waiters: [] };
    this.containers.set(id, c);
    sb.containers.add(id);
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    if (c.state !== 'created' || c.rec.pid !== undefined) throw new Error(`failed to start container "${id}": container is in ${c.state} state, not created`);
    const sb = this.sandboxes.get(c.rec.sandboxId)!;
    const cfg = c.rec.config;
    const mounts = (cfg.mounts ?? []).map((m) => ({ source: m.hostPath, target: m.containerPath, readOnly: !!m.readOnly }));
    if (!this.namespaces && mounts.length) linkVolumes(mounts);
    const root = this.namespaces ? { dir: join(c.dir, 'root'), upper: join(c.dir, 'upper'), work: join(c.dir, 'work') } : undefined;
    if (root) for (const d of [root.dir, root.upper, root.work]) mkdirSync(d, { recursive: true });
    const spec = encodeShimSpec({
      logPath: c.rec.logPath,
      logMaxBytes: this.opts.logMaxBytes ?? 10 * 1024 * 1024,
      logMaxFiles: this.opts.logMaxFiles ?? 5,
      exitPath: join(c.dir, 'exit'),
      stdinPath: cfg.stdin ? join(c.dir, 'stdin') : undefined,
      namespaces: this.namespaces,
      hostname: sb.config.hostNetwork ? os.hostname() : (sb.config.hostname ?? sb.config.name),
      root,
      mounts: this.namespaces ? mounts : [],
      cwd: cfg.workingDir || (this.namespaces ? '/' : undefined),
      env: this.environment(c, sb),
      argv: [...cfg.command, ...cfg.args],
    });
    const specPath = join(c.dir, 'spec');
    writeFileSync(specPath, spec);
    const { line, child } = await spawnShim(this.shim, specPath);
    if (line.startsWith('ok ')) {
      c.rec.pid = Number(line.slice(3));
      c.rec.shimPid = child.pid;
      c.rec.shimStart = child.pid !== undefined ? processStartTicks(child.pid) : undefined;
      c.rec.startedAt = this.clock.now().toISOString();
      writeJsonAtomic(join(c.dir, 'container.json'), c.rec);
      if (c.state === 'created') c.state = 'running';
      c.child = child;
      child.once('exit', () => {
        if (c.state === 'exited') return;
        const exit = readExitFile(join(c.dir, 'exit'));
        if (exit) this.markExited(c, exit, true);
        else this.shimLost(c);
      });
      return;
    }
    throw new Error(`failed to start container "${id}": ${shimStartFailure(line)}`);
  }

  private environment(c: Container, sb: Sandbox): string[] {
    const env = new Map<string, string>();
    env.set('PATH', DEFAULT_PATH);
    env.set('HOSTNAME', sb.config.hostNetwork ? os.hostname() : (sb.config.hostname ?? sb.config.name));
    env.set('HOME', process.getuid?.() === 0 ? '/root' : os.homedir());
    if (c.rec.config.tty) env.set('TERM', 'xterm');
    for (const kv of c.rec.config.env) env.set(kv.name, kv.value);
    return [...env].map(([k, v]) => `${k}=${v}`);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.get(id);
    if (c.state === 'exited') return;
    const done = waitExit(c);
    if (c.state === 'created') {
      this.markExited(c, { exitCode: 137, finishedAt: this.clock.now(), reason: 'Error' }, false);
      return done;
    }
    if (!c.termSent) {
      c.termSent = true;
      // With a PID namespace, SIGTERM goes to PID 1 only, as container runtimes do (PID 1 gets it
      // only if it handles it); without one, to the container's process group.
      signalProcess(this.namespaces ? c.rec.pid! : -c.rec.pid!, 'SIGTERM');
    }
    scheduleKill(c, this.clock, timeoutSeconds, () => this.killAll(c));
    return done;
  }

  /** SIGKILL to the container's process group and main process (in a PID namespace that ends all of it). */
  private killAll(c: Container): void {
    const pid = c.rec.pid;
    if (pid === undefined) return;
    signalProcess(-pid, 'SIGKILL');
    signalProcess(pid, 'SIGKILL');
  }

  /** Kills a container now and waits for its exit to be recorded. */
  private async kill(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state === 'exited') return;
    if (c.state === 'created' && c.rec.pid === undefined) {
      this.markExited(c, { exitCode: 137, finishedAt: this.clock.now(), reason: 'Error' }, false);
      return;
    }
    const done = waitExit(c);
    this.killAll(c);
    await done;
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    await this.kill(id);
    this.containers.delete(id);
    this.sandboxes.get(c.rec.sandboxId)?.containers.delete(id);
    if (c.poll) clearInterval(c.poll);
    for (const f of await logFiles(c.rec.logPath)) await rm(f, { force: true });
    await rm(c.dir, { recursive: true, force: true });
  }

  private markExited(c: Container, exit: ExitRecord, announce: boolean): void {
    if (c.state === 'exited') return;
    settleExited(c, exit);
    c.child = undefined;
    for (const w of c.waiters.splice(0)) w();
    const sb = this.sandboxes.get(c.rec.sandboxId);
    if (announce && !this.closed && sb) this.emit({ type: 'ContainerExited', containerId: c.rec.id, sandboxId: sb.id, podUid: sb.config.uid });
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c && status(c);
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    if (filter.sandboxId === undefined) return [...this.containers.values()].map(status);
    const sb = this.sandboxes.get(filter.sandboxId);
    return sb ? [...sb.containers].map((id) => status(this.containers.get(id)!)) : [];
  }

  // ---- exec, attach, logs -------------------------------------------------------------

  private execTarget(id: string): ExecTarget {
    const c = this.get(id);
    if (c.state !== 'running' || c.rec.pid === undefined) throw new Error(`cannot exec in a stopped container: container ${id} is ${c.state}`);
    const sb = this.sandboxes.get(c.rec.sandboxId)!;
    return { shim: this.shim, pid: c.rec.pid, namespaces: this.namespaces, cwd: c.rec.config.workingDir ?? '', env: this.environment(c, sb) };
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    return execCapture(this.execTarget(id), cmd, timeoutSeconds);
  }

  async execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    return execSession(this.execTarget(id), cmd, opts);
  }

  async attach(id: string, opts: StreamOptions): Promise<StreamSession> {
    return attachContainer(this.get(id), id, opts, (o) => this.readLogs(id, o), this.clock);
  }

  readLogs(id: string, opts: LogOptions = {}): AsyncIterable<LogEntry> {
    return containerLogs(this.get(id), () => this.containers.has(id), opts);
  }

  subscribe(listener: (ev: RuntimeEvent) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /** Stops watching; the containers keep running (a restarted agent adopts them). */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.containers.values()) unwatch(c);
    this.listeners.clear();
  }

  private get(id: string): Container {
    return requireContainer(this.containers, id);
  }

  private emit(ev: RuntimeEvent): void {
    this.listeners.emit(ev);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the process runtime is closed');
  }
}

function imageInfo(image: string): ImageInfo {
  // Nothing is pulled: the digest only names the image string, so imageID stays stable.
  return { ref: `${image.split('@')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`, size: 0 };
}

function status(c: Container): ContainerStatus {
  const r = c.rec;
  const e = c.exit;
  const exitCode = e?.exitCode;
  return {
    id: r.id,
    sandboxId: r.sandboxId,
    name: r.config.name,
    attempt: r.config.attempt,
    image: r.config.image,
    imageRef: imageInfo(r.config.image).ref,
    state: c.state,
    createdAt: new Date(r.createdAt),
    startedAt: r.startedAt ? new Date(r.startedAt) : e?.startedAt,
    finishedAt: e?.finishedAt,
    exitCode,
    signal: e?.signal,
    reason: e ? (e.reason === 'StartError' ? 'StartError' : exitCode === 0 ? 'Completed' : 'Error') : undefined,
    message: e?.message,
    logPath: r.logPath,
  };
}
