// The `runc` runtime: OCI containers from registry images (src/images), one bundle per container
// run by runc, pods with their own network, IPC and UTS namespaces (pod-network.ts).
//
// Each container's `runc run` is supervised by k8ts-shim (the process runtime's helper, see
// ../process/shim-source.ts), started in its own session so it outlives the agent: it writes the
// container's stdout and stderr to the CRI log file line by line, and runc's exit status (the
// container's exit code, 128+N for a signal) to an exit file once the container ended. So exit
// codes and logs survive an agent restart; the restarted agent re-adopts running containers
// from the state on disk (runc-state.ts) and polls them, since they are no longer its children.
//
// A container is started when runc has written its pid file (runc created it and is starting
// its process); an exit file without a pid file is a start failure (runc's message in runc.log).
// Limits are on a per-container cgroup (cgroups.ts), whose OOM counter tells OOMKilled apart.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { realClock, type Clock } from '../../../util/clock.js';
import { startTrace, startTraceOn } from '../../../util/start-trace.js';
import { ImageStore } from '../../../images/image-store.js';
import { credentialsFromDockerConfigs } from '../../../images/registry-auth.js';
import { parseReference } from '../../../images/reference.js';
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
  type PullAuth,
  type PodSandboxStatus,
  type RuntimeCapabilities,
  type RuntimeConfig,
  type RuntimeEvent,
  type StreamOptions,
  type StreamSession,
} from '../runtime.js';
import { attachContainer, containerLogs } from '../container-io.js';
import { logFiles } from '../process/cri-log.js';
import { processStartTicks, readExitFile, readJson, writeExitFile, writeJsonAtomic, type ExitRecord } from '../process/process-state.js';
import { ensureShim, shimStartFailure } from '../process/shim-binary.js';
import { Spawner } from './spawner.js';
import { Cgroups, type ContainerResources } from './cgroups.js';
import { writeBundle } from './container-bundle.js';
import { overlayOptions, rootfsDirs, unmountRootfs } from './container-rootfs.js';
import { podFileContents } from './pod-files.js';
import { DEFAULT_TOOLS, isMounted, PodNetwork, type NetworkTools } from './pod-network.js';
import { RuncCli, runtimeFlavour } from './runc-cli.js';
import { runcExecCapture, runcExecStream } from './runc-exec.js';
import { runcError, waitFor, writeRunSpec } from './supervisor.js';
import { containerStatusOf, type RuncContainerRecord, type RuncSandboxRecord } from './runc-state.js';

export const DEFAULT_RUNC = '/usr/sbin/runc';

export interface RuncRuntimeOptions {
  /** The runtime's state directory. */
  dataDir: string;
  /** The image store (default: one under `<dataDir>/images`). Share one between nodes of a machine. */
  images?: ImageStore;
  insecureRegistries?: string[];
  /** runc, or a drop-in such as crun. */
  runcPath?: string;
  clock?: Clock;
  logMaxBytes?: number;
  logMaxFiles?: number;
  /** How often re-adopted containers are checked for their exit. */
  adoptedPollMs?: number;
  /** Top cgroup directory name (tests use their own). */
  cgroupPrefix?: string;
  tools?: NetworkTools;
  /** The runc version string, when already known (skips asking runc). */
  runcVersion?: string;
}

/** Extra container settings the runtime honours when the agent passes them. */
export interface RuncContainerExtras {
  resources?: ContainerResources;
}

interface Sandbox extends RuncSandboxRecord {
  containers: Set<string>;
}

interface Container extends SupervisedContainer {
  rec: RuncContainerRecord;
  dir: string;
  exit?: ExitRecord;
}

const short = (id: string) => id.slice(0, 16);

export class RuncRuntime implements ContainerRuntime {
  readonly type = 'runc';
  readonly version: string;
  readonly capabilities: RuntimeCapabilities = { exec: true, logs: true, podNetwork: true, hostNetwork: true, simulatedProbes: false, mounts: true };
  readonly images: ImageStore;
  private readonly clock: Clock;
  private readonly runc: RuncCli;
  private readonly shim: string;
  /** Starts every host program of this runtime (spawner.ts). */
  private readonly spawner: Spawner;
  private readonly cgroups: Cgroups;
  private readonly network: PodNetwork;
  private readonly sandboxDir: string;
  private readonly containerDir: string;
  private readonly logDir: string;
  private readonly sandboxes = new Map<string, Sandbox>();
  private readonly containers = new Map<string, Container>();
  private readonly listeners = new RuntimeListeners();
  private ips?: IpAllocator;
  private nodeIP = '127.0.0.1';
  private closed = false;
  /** Image lease holders of this runtime's containers: `ctr-<state dir hash>-<id>` (the store may be shared). */
  private readonly holderPrefix: string;

  constructor(private readonly opts: RuncRuntimeOptions) {
    this.clock = opts.clock ?? realClock;
    this.sandboxDir = join(opts.dataDir, 'sandboxes');
    this.containerDir = join(opts.dataDir, 'containers');
    this.logDir = join(opts.dataDir, 'pods');
    for (const d of [this.sandboxDir, this.containerDir, this.logDir, join(opts.dataDir, 'runc')]) mkdirSync(d, { recursive: true, mode: 0o711 });
    this.images = opts.images ?? new ImageStore({ root: join(opts.dataDir, 'images'), insecureRegistries: opts.insecureRegistries });
    const binary = opts.runcPath ?? DEFAULT_RUNC;
    this.shim = ensureShim(join(opts.dataDir, 'bin'));
    this.spawner = new Spawner(this.shim);
    this.runc = new RuncCli(binary, join(opts.dataDir, 'runc'), runtimeFlavour(binary), this.spawner.run);
    this.version = opts.runcVersion ?? 'unknown';
    this.cgroups = new Cgroups('/sys/fs/cgroup', opts.cgroupPrefix ?? 'k8ts');
    this.network = new PodNetwork(opts.tools ?? DEFAULT_TOOLS, this.shim, this.spawner.run);
    this.holderPrefix = `ctr-${createHash('sha256').update(opts.dataDir).digest('hex').slice(0, 8)}-`;
    this.load();
  }

  private traceKey(c: Container): string {
    const sb = this.sandboxes.get(c.rec.sandboxId);
    return sb ? `${sb.config.namespace}/${sb.config.name}` : c.rec.id;
  }

  private holder(id: string): string {
    return `${this.holderPrefix}${id}`;
  }

  // ---- state from disk -------------------------------------------------------------------

  private load(): void {
    for (const id of readdirSync(this.sandboxDir)) {
      const r = readJson<RuncSandboxRecord>(join(this.sandboxDir, id, 'sandbox.json'));
      if (r) this.sandboxes.set(r.id, { ...r, containers: new Set() });
      else {
        // Half-created (the agent died while setting it up): its namespaces and veth may exist.
        const dir = join(this.sandboxDir, id);
        void this.network.tearDown(join(dir, 'ns'), id).then(() => rm(dir, { recursive: true, force: true }), () => undefined);
      }
    }
    for (const id of readdirSync(this.containerDir)) {
      const dir = join(this.containerDir, id);
      const rec = readJson<RuncContainerRecord>(join(dir, 'container.json'));
      const sb = rec && this.sandboxes.get(rec.sandboxId);
      if (!rec || !sb) {
        // Half-created, or its sandbox record is gone: nothing can use it any more.
        void this.discard(id, dir);
        continue;
      }
      const c: Container = { rec, dir, state: 'created', waiters: [] };
      this.containers.set(id, c);
      sb.containers.add(id);
      const exit = readExitFile(join(dir, 'exit'));
      if (exit) {
        c.state = 'exited';
        c.exit = exit;
      } else if (rec.startedAt) {
        c.state = 'running';
        if (this.shimAlive(c)) this.watchAdopted(c);
        else void this.shimLost(c);
      }
    }
    // Leases of containers that never got a record (the agent died in createContainer).
    void this.images.leases.prune((h) => h.startsWith(this.holderPrefix) && !this.containers.has(h.slice(this.holderPrefix.length))).catch(() => undefined);
  }

  private async discard(id: string, dir: string): Promise<void> {
    await this.runc.kill(id, 'KILL').catch(() => false);
    await this.runc.delete(id).catch(() => undefined);
    await unmountRootfs(join(dir, 'bundle', 'rootfs'), this.spawner.run);
    await rm(dir, { recursive: true, force: true });
  }

  private shimAlive(c: Container): boolean {
    return c.rec.shimPid !== undefined && processStartTicks(c.rec.shimPid) === c.rec.shimStart;
  }

  private watchAdopted(c: Container): void {
    c.poll = setInterval(() => {
      const exit = readExitFile(join(c.dir, 'exit'));
      if (exit) void this.onExit(c, exit);
      else if (!this.shimAlive(c)) void this.shimLost(c);
    }, this.opts.adoptedPollMs ?? 250);
    c.poll.unref?.();
  }

  /** The supervisor died without an exit record (killed): end the container and record one. */
  private async shimLost(c: Container): Promise<void> {
    const exit = readExitFile(join(c.dir, 'exit'));
    if (exit) return this.onExit(c, exit);
    await this.runc.kill(c.rec.id, 'KILL').catch(() => false);
    const e: ExitRecord = { exitCode: 137, signal: 9, finishedAt: this.clock.now(), reason: 'Error', message: 'the container supervisor (k8ts-shim) exited without recording the exit of the container' };
    writeExitFile(join(c.dir, 'exit'), e);
    await this.onExit(c, e);
  }

  // ---- images -------------------------------------------------------------------------

  async imageStatus(image: string): Promise<ImageInfo | undefined> {
    const img = await this.images.status(image);
    return img && { ref: img.repoDigest, size: img.size };
  }

  /** Pulls `image`; credentials from `auth` (imagePullSecrets' docker configs) when given. */
  async pullImage(image: string, auth?: PullAuth): Promise<ImageInfo> {
    let credentials = auth?.credentials;
    if (!credentials && auth?.dockerConfigs?.length) credentials = credentialsFromDockerConfigs(parseReference(image).registry, auth.dockerConfigs);
    const img = await this.images.pull(image, { credentials });
    return { ref: img.repoDigest, size: img.size };
  }

  // ---- sandboxes ----------------------------------------------------------------------

  updateRuntimeConfig(config: RuntimeConfig): void {
    if (config.nodeIP) this.nodeIP = config.nodeIP;
    this.ips = configuredAllocator(this.ips, config, this.sandboxes.values());
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    this.assertOpen();
    const hostNetwork = config.hostNetwork === true;
    const { ip } = allocatePodIp(hostNetwork, this.nodeIP, this.ips);
    const cidr = hostNetwork ? undefined : this.ips?.cidr;
    const id = newRuntimeId();
    const dir = join(this.sandboxDir, id);
    const hostname = (config.hostname ?? config.name).slice(0, 63);
    const key = `${config.namespace}/${config.name}`;
    startTrace(key, 'sandbox');
    try {
      mkdirSync(dir, { recursive: true });
      const { files, contents } = podFileContents(dir, { ip, hostname, hostNetwork, dns: config.dnsConfig });
      startTrace(key, 'sandbox-files');
      const namespaces = await this.network.setUp(join(dir, 'ns'), { sandboxId: id, hostname, hostNetwork, ip, cidr, files: contents, trace: startTraceOn ? (stage) => startTrace(key, stage) : undefined });
      const sb: Sandbox = { id, config, annotations: { ...config.annotations }, state: 'ready', createdAt: this.clock.now().toISOString(), ip, holdsIp: !hostNetwork, cidr, hostname, namespaces, files, containers: new Set() };
      this.sandboxes.set(id, sb);
      this.saveSandbox(sb);
      startTrace(key, 'sandbox-done');
      return id;
    } catch (err) {
      if (!hostNetwork && ip) this.ips?.release(ip);
      await this.network.tearDown(join(dir, 'ns'), id).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await Promise.all([...sb.containers].map((cid) => this.kill(cid)));
    if (sb.state === 'ready') {
      await this.network.detach(id);
      releasePodIp(sb, this.ips);
      sb.state = 'notready';
      this.saveSandbox(sb);
    }
  }

  async removePodSandbox(id: string): Promise<void> {
    const sb = this.sandboxes.get(id);
    if (!sb) return;
    await this.stopPodSandbox(id);
    await Promise.all([...sb.containers].map((cid) => this.removeContainer(cid)));
    await this.network.tearDown(join(this.sandboxDir, id, 'ns'), id);
    await this.cgroups.removePod(short(id));
    this.sandboxes.delete(id);
    await rm(join(this.sandboxDir, id), { recursive: true, force: true });
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
    writeJsonAtomic(join(this.sandboxDir, sb.id, 'sandbox.json'), rec);
  }

  private podLogDir(sb: RuncSandboxRecord): string {
    return podLogDir(this.logDir, sb.config);
  }

  // ---- containers ---------------------------------------------------------------------

  async createContainer(sandboxId: string, config: ContainerConfig & RuncContainerExtras): Promise<string> {
    this.assertOpen();
    const sb = this.sandboxes.get(sandboxId);
    if (!sb) throw new RuntimeNotFoundError('sandbox', sandboxId);
    if (sb.state !== 'ready') throw new Error(`failed to create container: sandbox ${sandboxId} is not ready`);
    const img = await this.images.status(config.image);
    if (!img) throw new Error(`failed to create container: image "${config.image}" is not present on this node`);
    const key = `${sb.config.namespace}/${sb.config.name}`;
    startTrace(key, 'create');
    const id = newRuntimeId();
    const dir = join(this.containerDir, id);
    mkdirSync(join(dir, 'bundle'), { recursive: true });
    const holder = this.holder(id);
    await this.images.leases.acquire(img.id, holder);
    const dirs = rootfsDirs(dir, await this.images.rootfs(img.id));
    try {
      await writeBundle({
        id,
        dir,
        rootfs: dirs,
        config,
        image: img.config,
        sandbox: sb,
        cgroupsPath: this.cgroups.runcPath(short(sandboxId), short(id)),
        resources: this.cgroups.ociResources(config.resources ?? {}),
      });
      const logPath = join(this.podLogDir(sb), config.logPath ?? `${config.name}/${config.attempt}.log`);
      mkdirSync(join(logPath, '..'), { recursive: true });
      const rec: RuncContainerRecord = { id, sandboxId, config, createdAt: this.clock.now().toISOString(), logPath, imageId: img.id, imageRef: img.repoDigest, rootfsLower: dirs.lower };
      writeJsonAtomic(join(dir, 'container.json'), rec);
      const c: Container = { rec, dir, state: 'created', waiters: [] };
      this.containers.set(id, c);
      sb.containers.add(id);
      startTrace(key, 'created');
      return id;
    } catch (err) {
      await unmountRootfs(dirs.merged, this.spawner.run);
      await this.images.leases.release(img.id, holder).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async startContainer(id: string): Promise<void> {
    const c = this.get(id);
    if (c.state !== 'created' || c.rec.startedAt) throw new Error(`failed to start container "${id}": container is in ${c.state} state, not created`);
    const key = startTraceOn ? this.traceKey(c) : '';
    startTrace(key, 'start');
    const pidFile = join(c.dir, 'pid');
    const exitFile = join(c.dir, 'exit');
    const merged = join(c.dir, 'bundle', 'rootfs');
    const dirs = rootfsDirs(c.dir, c.rec.rootfsLower ?? (await this.images.rootfs(c.rec.imageId)));
    const overlay = isMounted(merged) ? undefined : { dir: merged, options: overlayOptions(dirs), mkdirs: [dirs.upper, dirs.work, merged] };
    const specPath = writeRunSpec(this.runc, {
      overlay,
      id,
      dir: c.dir,
      logPath: c.rec.logPath,
      logMaxBytes: this.opts.logMaxBytes ?? 10 * 1024 * 1024,
      logMaxFiles: this.opts.logMaxFiles ?? 5,
      stdin: !!c.rec.config.stdin,
    });
    const { line, pid, exited } = await this.spawner.start(this.shim, ['run', specPath]);
    if (!line.startsWith('ok ')) throw new Error(`failed to start container "${id}": ${shimStartFailure(line)}`);
    startTrace(key, 'shim-ok');
    c.rec.shimPid = pid;
    c.rec.shimStart = processStartTicks(pid);
    c.child = this.spawner.keepAlive();
    let shimGone = false;
    void exited.then((known) => {
      const held = c.child;
      c.child = undefined;
      held?.unref();
      if (this.closed || this.containers.get(id) !== c) return;
      if (!known) {
        // The spawner went away: watch the supervisor as an adopted one.
        if (c.state !== 'exited' && !c.poll) this.watchAdopted(c);
        return;
      }
      shimGone = true;
      if (c.state === 'exited' || !c.rec.startedAt) return;
      const exit = readExitFile(exitFile);
      if (exit) void this.onExit(c, exit);
      else void this.shimLost(c);
    });
    // runc writes its pid file once the container exists and its process is about to run.
    const started = await waitFor(() => {
      if (existsSync(pidFile)) return true;
      // Ended without a pid file: runc failed before the container ran (re-check the pid file,
      // which may have appeared in between).
      if (existsSync(exitFile) || shimGone) return existsSync(pidFile);
      return undefined;
    }, 120_000);
    if (!started) {
      const message = runcError(join(c.dir, 'runc.log')) ?? readExitFile(exitFile)?.message ?? 'runc exited before starting the container';
      // runc's complaint went to the container's stderr too: that log is not the container's output.
      for (const f of await logFiles(c.rec.logPath)) await rm(f, { force: true });
      c.rec.startError = message;
      const e: ExitRecord = { exitCode: 128, finishedAt: this.clock.now(), reason: 'StartError', message };
      writeExitFile(exitFile, e);
      await this.onExit(c, e, false);
      throw new Error(`failed to create containerd task: failed to create shim task: OCI runtime create failed: ${message}`);
    }
    startTrace(key, 'pid-file');
    c.rec.initPid = Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
    c.rec.startedAt = this.clock.now().toISOString();
    writeJsonAtomic(join(c.dir, 'container.json'), c.rec);
    if (c.state === 'created') c.state = 'running';
    // It may have ended already (a container that only echoes).
    if (shimGone || existsSync(exitFile)) {
      const exit = readExitFile(exitFile);
      if (exit) await this.onExit(c, exit);
      else if (shimGone) await this.shimLost(c);
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.get(id);
    if (c.state === 'exited') return;
    const done = waitExit(c);
    if (c.state === 'created') {
      await this.onExit(c, { exitCode: 137, finishedAt: this.clock.now(), reason: 'Error' }, false);
      return done;
    }
    if (!c.termSent) {
      c.termSent = true;
      // PID 1 of the container gets SIGTERM; it dies of it only if it handles it, as in Kubernetes.
      void this.runc.kill(id, 'TERM').catch(() => false);
    }
    scheduleKill(c, this.clock, timeoutSeconds, () => void this.sendKill(c));
    return done;
  }

  /** Kills a container now and waits until its exit is recorded. */
  private async kill(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c || c.state === 'exited') return;
    if (c.state === 'created' && !c.rec.startedAt) {
      await this.onExit(c, { exitCode: 137, finishedAt: this.clock.now(), reason: 'Error' }, false);
      return;
    }
    const done = waitExit(c);
    const alive = await this.sendKill(c);
    if (!alive && !this.shimAlive(c)) await this.shimLost(c);
    await done;
  }

  private sendKill(c: Container): Promise<boolean> {
    return this.runc.kill(c.rec.id, 'KILL').catch(() => false);
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (!c) return;
    await this.kill(id);
    this.containers.delete(id);
    this.sandboxes.get(c.rec.sandboxId)?.containers.delete(id);
    if (c.poll) clearInterval(c.poll);
    await this.runc.delete(id).catch(() => undefined);
    await unmountRootfs(join(c.dir, 'bundle', 'rootfs'), this.spawner.run);
    await this.cgroups.removeContainer(short(c.rec.sandboxId), short(id));
    await this.images.leases.release(c.rec.imageId, this.holder(id)).catch(() => undefined);
    for (const f of await logFiles(c.rec.logPath)) await rm(f, { force: true });
    await rm(c.dir, { recursive: true, force: true });
  }

  /**
   * The cgroup's OOM kill counter. The kernel counts the kill just after sending SIGKILL, so a
   * SIGKILLed container reaped at once may be seen before the count: look again briefly.
   */
  private async oomKilled(pod: string, container: string, killed: boolean): Promise<boolean> {
    for (let i = 0; ; i++) {
      if (await this.cgroups.oomKilled(pod, container)) return true;
      if (!killed || i === 3) return false;
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Records an exit: OOM decided from the cgroup, then runc's container, root filesystem and cgroup released. */
  private async onExit(c: Container, exit: ExitRecord, announce = true): Promise<void> {
    if (c.state === 'exited') return;
    settleExited(c, exit);
    const sbShort = short(c.rec.sandboxId);
    if (exit.reason !== 'StartError' && c.rec.oomKilled === undefined) {
      // As containerd reports it: the container failed and the OOM killer acted in its cgroup.
      c.rec.oomKilled = exit.exitCode !== 0 && (await this.oomKilled(sbShort, short(c.rec.id), exit.exitCode === 137));
      writeJsonAtomic(join(c.dir, 'container.json'), c.rec);
    }
    await this.runc.delete(c.rec.id).catch(() => undefined);
    await unmountRootfs(join(c.dir, 'bundle', 'rootfs'), this.spawner.run);
    await this.cgroups.removeContainer(sbShort, short(c.rec.id));
    for (const w of c.waiters.splice(0)) w();
    const sb = this.sandboxes.get(c.rec.sandboxId);
    if (announce && !this.closed && sb) this.emit({ type: 'ContainerExited', containerId: c.rec.id, sandboxId: sb.id, podUid: sb.config.uid });
  }

  async containerStatus(id: string): Promise<ContainerStatus | undefined> {
    const c = this.containers.get(id);
    return c && containerStatusOf(c.rec, c.state, c.exit);
  }

  async listContainers(filter: { sandboxId?: string } = {}): Promise<ContainerStatus[]> {
    if (filter.sandboxId === undefined) return [...this.containers.values()].map((c) => containerStatusOf(c.rec, c.state, c.exit));
    const sb = this.sandboxes.get(filter.sandboxId);
    return sb ? [...sb.containers].map((id) => this.containers.get(id)!).map((c) => containerStatusOf(c.rec, c.state, c.exit)) : [];
  }

  // ---- exec and logs ------------------------------------------------------------------

  private running(id: string): Container {
    const c = this.get(id);
    if (c.state !== 'running') throw new Error(`cannot exec in a stopped container: container ${id} is ${c.state}`);
    return c;
  }

  async execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const c = this.running(id);
    return runcExecCapture(this.runc, id, c.dir, cmd, timeoutSeconds);
  }

  async execStream(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    this.running(id);
    return runcExecStream(this.shim, this.runc, id, cmd, opts);
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

  /**
   * Stops watching; running containers keep running (a restarted agent adopts them). With no
   * sandbox left, the node's bridge goes too.
   */
  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.containers.values()) unwatch(c);
    this.listeners.clear();
    if (this.sandboxes.size === 0 && this.ips) await this.network.deleteBridge(this.ips.cidr).catch(() => undefined);
    // What runs now belongs to whoever opens the state directory next.
    this.sandboxes.clear();
    this.containers.clear();
    this.spawner.close();
  }

  private get(id: string): Container {
    return requireContainer(this.containers, id);
  }

  private emit(ev: RuntimeEvent): void {
    this.listeners.emit(ev);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the runc runtime is closed');
  }
}
