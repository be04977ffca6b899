// The node agent: registers its Node, keeps its Lease, and runs the pods bound to it through a
// container runtime. It reaches the API only through src/client: a pod informer filtered on
// spec.nodeName feeds a work queue keyed by pod uid; pod workers (pod-worker.ts) sync one pod at
// a time; runtime events, probe results and timers only put the uid back on the queue.

import type { ClusterDnsSettings } from './pod-dns.js';
import type { JsonObject, KObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { ResourceClient, R } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import { WorkQueue, runWorkers } from '../client/work-queue.js';
import { realClock, type Clock } from '../util/clock.js';
import { CrashBackoff } from './backoff.js';
import { NodeAgent } from './node-agent.js';
import { defaultNodeIP, nodeFacts } from './node-object.js';
import { PodEvents, type EventPacing } from './pod-events.js';
import { containersOf } from './pod-spec-helpers.js';
import { PodWorkers } from './pod-worker.js';
import { ProbeManager } from './probes/probe-manager.js';
import { runProbe } from './probes/probe-runner.js';
import { IpAllocator } from './runtime/ip-allocator.js';
import type { ContainerRuntime, ExecResult, LogEntry, LogOptions, RuntimeConfig } from './runtime/runtime.js';
import { StatusWriter } from './status-writer.js';
import { ContainerSetup } from './container-setup.js';
import { ContainerStreams } from './container-streams.js';
import { takeInventory, type AdoptedPod } from './runtime-adoption.js';
import { KubeletServer } from './server/kubelet-server.js';
import { KUBELET_CERT_ANNOTATION, servingCert } from './server/serving-cert.js';
import { startTrace, startTraceOn } from '../util/start-trace.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubeletOptions {
  client: RestClient;
  nodeName: string;
  /** The node's default runtime. */
  runtime: ContainerRuntime;
  /** More runtimes by RuntimeClass handler name (spec.runtimeClassName -> RuntimeClass.handler). */
  runtimes?: Record<string, ContainerRuntime>;
  /**
   * Creates the runtime of a handler neither `runtime` nor `runtimes` has, when the first pod
   * asks for it. The Kubelet configures it (pod CIDR, the node's IP pool), subscribes to it,
   * adopts what it has from before, and closes it on stop. A throw fails the pod's sandbox
   * creation with the message (FailedCreatePodSandBox), retried at the pod's next sync.
   */
  createRuntime?: (handler: string) => ContainerRuntime | Promise<ContainerRuntime>;
  clock?: Clock;
  labels?: Record<string, string>;
  /** Adds the node-role.kubernetes.io/control-plane label. */
  controlPlane?: boolean;
  /** e.g. 10.244.1.0/24; without it the Node's spec.podCIDR, else 10.88.0.0/16. */
  podCIDR?: string;
  /** Cluster DNS (kubelet --cluster-dns, --cluster-domain) for pods' resolv.conf; absent: the node's. */
  dns?: ClusterDnsSettings;
  capacity?: { cpu?: string; memory?: string; pods?: number; ephemeralStorage?: string };
  nodeIP?: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  /** Node status report interval when nothing changed (default 5 min). */
  statusUpdateIntervalMs?: number;
  /** Record pod events (default true); benchmarks turn them off to count status writes only. */
  events?: boolean;
  /** Event rate (default 50/s, burst 100, at most 1000 waiting). */
  eventPacing?: Partial<EventPacing>;
  /** Pods synced in parallel (default 16). */
  podWorkers?: number;
  /** Status writes in flight (default 4: over HTTP/1.1 each is a connection to the API server). */
  statusWorkers?: number;
  log?: (message: string) => void;
  /** The agent's own directory (pod volumes, serving certificate); a temporary one if absent. */
  rootDir?: string;
  /**
   * Serve the kubelet API (logs, exec, attach) for the API server; its port is published in
   * the Node's daemonEndpoints. `tls: false` serves plain HTTP (tests only).
   */
  server?: { host: string; port?: number; token?: string; tls?: boolean };
}

const DEFAULT_POD_CIDR = '10.88.0.0/16';

export class Kubelet {
  readonly nodeName: string;
  private readonly clock: Clock;
  private readonly log: (m: string) => void;
  private readonly podsApi: ResourceClient;
  private readonly runtimeClasses: ResourceClient;
  private readonly queue: WorkQueue;
  private readonly podsByUid = new Map<string, KObject>();
  private readonly handlers = new Map<string, string>();
  /** Runtimes by RuntimeClass handler besides the default: given ones, then lazily created ones. */
  private readonly runtimeByHandler = new Map<string, ContainerRuntime>();
  private readonly created = new Set<ContainerRuntime>();
  private readonly creating = new Map<string, Promise<ContainerRuntime>>();
  /** What every runtime of the node is configured with (set once the pod CIDR is known). */
  private runtimeConfig?: RuntimeConfig;
  private readonly recorder?: EventRecorder;
  private readonly events: PodEvents;
  private readonly status: StatusWriter;
  private readonly probes: ProbeManager;
  private readonly workers: PodWorkers;
  private readonly nodeIP: string;
  private readonly rootDir: string;
  private agent?: NodeAgent;
  private informer?: Informer;
  private running?: Promise<void>;
  private unsubscribe: (() => void)[] = [];
  private stopped = false;
  private adoptions = new Map<string, AdoptedPod>();
  private kubeletServer?: KubeletServer;
  /** Resolves log, exec and attach requests of the kubelet API to containers. */
  readonly streams: ContainerStreams;

  constructor(private readonly opts: KubeletOptions) {
    this.nodeName = opts.nodeName;
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? ((m) => console.error(`kubelet ${opts.nodeName}: ${m}`));
    this.nodeIP = opts.nodeIP ?? defaultNodeIP();
    for (const [handler, rt] of Object.entries(opts.runtimes ?? {})) this.runtimeByHandler.set(handler, rt);
    this.podsApi = new ResourceClient(opts.client, R.pods);
    this.runtimeClasses = new ResourceClient(opts.client, R.runtimeclasses);
    this.queue = new WorkQueue(this.clock, { baseDelayMs: 200, maxDelayMs: 30_000, qps: 1e9, burst: 1e9 });
    if (opts.events !== false) this.recorder = new EventRecorder(opts.client, 'kubelet', opts.nodeName, this.clock);
    const events = new PodEvents(this.recorder, this.clock, opts.eventPacing);
    this.events = events;
    this.status = new StatusWriter(this.podsApi, this.clock, { concurrency: opts.statusWorkers ?? 4, onError: (p, e) => this.log(`status of pod ${p}: ${errText(e)}`) });
    this.probes = new ProbeManager(
      this.clock,
      (target, spec, pod) => {
        const rec = this.workers.records.get(target.podUid);
        if (!rec) return Promise.resolve({ result: 'failure', output: 'pod is gone', errored: true });
        const container = [...containersOf(pod), ...((pod.spec?.initContainers as JsonObject[] | undefined) ?? [])].find((c) => c.name === target.containerName);
        return runProbe(target, spec, pod, { runtime: rec.runtime, podIP: rec.podIP, container });
      },
      (uid) => this.podsByUid.get(uid),
      events,
      (uid) => this.queue.add(uid),
    );
    const rootDir = opts.rootDir ?? join(tmpdir(), `k8ts-kubelet-${opts.nodeName}`);
    this.rootDir = rootDir;
    this.workers = new PodWorkers({
      clock: this.clock,
      nodeIP: this.nodeIP,
      pods: this.podsApi,
      events,
      status: this.status,
      probes: this.probes,
      backoff: new CrashBackoff(),
      getPod: (uid) => this.podsByUid.get(uid),
      runtimeFor: (pod) => this.runtimeFor(pod),
      defaultRuntime: opts.runtime,
      dns: opts.dns,
      wake: (uid) => this.queue.add(uid),
      log: this.log,
      setup: new ContainerSetup(opts.client, rootDir),
      adopted: (uid) => {
        const a = this.adoptions.get(uid);
        this.adoptions.delete(uid);
        return a;
      },
    });
    this.streams = new ContainerStreams({
      records: () => this.workers.records.values(),
      pod: (uid) => this.podsByUid.get(uid),
      status: (uid) => this.status.latest(uid),
    });
  }

  /** Registers the node (retrying until the API answers), then starts the lease and the pods. */
  async start(): Promise<void> {
    const o = this.opts;
    const annotations: Record<string, string> = {};
    if (o.server) {
      const cert = o.server.tls === false ? undefined : await servingCert(o.nodeName, o.rootDir && join(o.rootDir, 'pki'));
      if (cert) annotations[KUBELET_CERT_ANNOTATION] = cert.fingerprint256;
      this.kubeletServer = new KubeletServer(this.streams, { host: o.server.host, port: o.server.port ?? 0, token: o.server.token, cert });
      await this.kubeletServer.listen();
    }
    const facts = nodeFacts({
      kubeletPort: this.kubeletServer?.port,
      annotations,
      name: o.nodeName,
      labels: o.labels,
      controlPlane: o.controlPlane,
      podCIDR: o.podCIDR,
      nodeIP: this.nodeIP,
      capacity: o.capacity,
      // Simulated workloads get the configured (fake) capacity; real ones the machine's.
      machine: o.runtime.capabilities.simulatedProbes ? undefined : { dataDir: this.rootDir },
      containerRuntimeVersion: `${o.runtime.type}://${o.runtime.version}`,
    });
    this.agent = new NodeAgent({
      client: o.client,
      clock: this.clock,
      facts,
      leaseDurationSeconds: o.leaseDurationSeconds ?? 40,
      renewIntervalMs: o.renewIntervalMs ?? 10_000,
      statusUpdateIntervalMs: o.statusUpdateIntervalMs ?? 300_000,
      log: this.log,
    });
    const node = await this.registerWithRetry(this.agent);
    if (this.stopped) return;
    const podCIDR = o.podCIDR ?? (node.spec?.podCIDR as string | undefined) ?? DEFAULT_POD_CIDR;
    // One IP pool for all the node's runtimes: no two sandboxes of the node share a pod IP.
    this.runtimeConfig = { podCIDR, nodeIP: this.nodeIP, ips: new IpAllocator(podCIDR) };
    for (const rt of this.allRuntimes()) this.wire(rt);
    await this.agent.start();
    this.status.start();
    this.informer = new Informer(this.podsApi, { fieldSelector: `spec.nodeName=${o.nodeName}`, clock: this.clock });
    this.informer.addHandler({
      add: (pod) => this.podAdded(pod),
      update: (old, pod) => this.podUpdated(old, pod),
      delete: (pod) => this.podDeleted(pod),
    });
    await this.informer.start();
    // Containers a kept runtime still runs from before a restart: adopt them, or end them when
    // their pod is gone.
    this.adoptions = await takeInventory(this.allRuntimes(), (uid) => this.podsByUid.has(uid), this.log);
    this.running = runWorkers(this.queue, o.podWorkers ?? 16, (uid) => this.workers.sync(uid), (uid, err) => this.log(`sync pod ${this.describe(uid)}: ${errText(err)}`));
  }

  /** Stops watching and syncing; with killPods the pods' containers and sandboxes go too. */
  async stop(opts: { killPods?: boolean } = {}): Promise<void> {
    this.stopped = true;
    this.agent?.stop();
    this.informer?.stop();
    this.queue.shutDown();
    this.probes.stopAll();
    this.events.stop();
    // Status writes end first, so a sync waiting for one finishes; a sync still waiting on the
    // runtime (a hook, a slow stop) is not waited for long.
    await this.status.stop();
    await settle(this.running, 5000);
    for (const u of this.unsubscribe.splice(0)) u();
    if (opts.killPods) {
      for (const rec of this.workers.records.values()) {
        if (rec.sandboxId) await rec.runtime.removePodSandbox(rec.sandboxId).catch(() => undefined);
      }
    }
    for (const rt of this.created) await rt.close().catch(() => undefined);
    if (this.recorder) await settle(this.recorder.flush(), 2000);
    await this.kubeletServer?.close();
  }

  /** The kubelet API's port (0 when it does not serve one). */
  get serverPort(): number {
    return this.kubeletServer?.port ?? 0;
  }

  /** Pods this agent currently tracks (tests, benchmarks). */
  get podCount(): number {
    return this.workers.records.size;
  }

  /** Status writes sent so far (benchmarks count API writes per pod). */
  get statusWrites(): number {
    return this.status.writeCount;
  }

  /** Log lines of a container of a pod on this node (`previous`: the instance before). */
  logs(namespace: string, name: string, container: string, opts: LogOptions & { previous?: boolean } = {}): AsyncIterable<LogEntry> {
    const { rec, cr } = this.locate(namespace, name, container);
    const id = opts.previous ? cr.previousId : cr.currentId;
    if (!id) throw new ApiError(400, 'BadRequest', `previous terminated container "${container}" in pod "${name}" not found`);
    return rec.runtime.readLogs(id, opts);
  }

  /** Runs a command in a container of a pod on this node and waits for it. */
  exec(namespace: string, name: string, container: string, cmd: string[], timeoutSeconds = 0): Promise<ExecResult> {
    const { rec, cr } = this.locate(namespace, name, container);
    if (!cr.currentId) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
    return rec.runtime.execSync(cr.currentId, cmd, timeoutSeconds);
  }

  private locate(namespace: string, name: string, container: string) {
    for (const rec of this.workers.records.values()) {
      if (rec.namespace !== namespace || rec.name !== name || rec.deleteSent) continue;
      const cr = rec.containers.get(container);
      if (!cr) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
      return { rec, cr };
    }
    throw new ApiError(404, 'NotFound', `pods "${name}" not found`);
  }

  private async registerWithRetry(agent: NodeAgent): Promise<KObject> {
    let delay = 500;
    for (;;) {
      try {
        return await agent.register();
      } catch (err) {
        if (this.stopped) throw err;
        this.log(`registering node: ${errText(err)} (retrying in ${delay} ms)`);
        await new Promise<void>((r) => this.clock.setTimer(delay, r));
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private allRuntimes(): ContainerRuntime[] {
    const set = new Set<ContainerRuntime>([this.opts.runtime, ...this.runtimeByHandler.values()]);
    return [...set];
  }

  /** Gives a runtime the node's config and puts its pods on the queue when it reports events. */
  private wire(rt: ContainerRuntime): void {
    if (this.runtimeConfig) rt.updateRuntimeConfig(this.runtimeConfig);
    this.unsubscribe.push(rt.subscribe((ev) => this.queue.add(ev.podUid)));
  }

  /** The runtime of `handler`, created on first use (once, however many pods ask at a time). */
  private lazyRuntime(handler: string): Promise<ContainerRuntime> {
    const known = this.runtimeByHandler.get(handler);
    if (known) return Promise.resolve(known);
    const create = this.opts.createRuntime;
    if (!create) return Promise.reject(new Error(`failed to get sandbox runtime: no runtime for "${handler}" is configured`));
    let pending = this.creating.get(handler);
    if (!pending) {
      pending = (async () => {
        let rt: ContainerRuntime;
        try {
          rt = await create(handler);
        } catch (err) {
          throw new Error(`failed to get sandbox runtime: the runtime for "${handler}" cannot start on this node: ${errText(err)}`);
        }
        if (this.stopped) {
          await rt.close().catch(() => undefined);
          throw new Error('the node agent is stopping');
        }
        this.created.add(rt);
        this.wire(rt);
        // Containers it still runs from before (its state outlived a failed start): adopt them.
        const found = await takeInventory([rt], (uid) => this.podsByUid.has(uid), this.log);
        for (const [uid, a] of found) if (!this.adoptions.has(uid)) this.adoptions.set(uid, a);
        this.runtimeByHandler.set(handler, rt);
        this.log(`started the ${rt.type} runtime (${rt.version}) for RuntimeClass handler "${handler}"`);
        return rt;
      })();
      this.creating.set(handler, pending);
      const done = () => this.creating.delete(handler);
      pending.then(done, done);
    }
    return pending;
  }

  /** spec.runtimeClassName -> RuntimeClass.handler -> runtime; without a class, the default. */
  private async runtimeFor(pod: KObject): Promise<ContainerRuntime> {
    const cls = pod.spec?.runtimeClassName;
    if (typeof cls !== 'string' || cls === '') return this.opts.runtime;
    let handler = this.handlers.get(cls);
    if (handler === undefined) {
      try {
        const rc = await this.runtimeClasses.get(undefined, cls);
        handler = String(rc.handler ?? '');
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) throw new Error(`RuntimeClass "${cls}" not found`);
        throw err;
      }
      this.handlers.set(cls, handler);
    }
    if (handler === this.opts.runtime.type && !this.runtimeByHandler.has(handler)) return this.opts.runtime;
    return this.lazyRuntime(handler);
  }

  private describe(uid: string): string {
    const p = this.podsByUid.get(uid);
    return p ? `${p.metadata.namespace}/${p.metadata.name}` : uid;
  }

  private podAdded(pod: KObject): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    if (startTraceOn && !this.podsByUid.has(uid)) startTrace(`${pod.metadata.namespace}/${pod.metadata.name}`, 'seen');
    this.podsByUid.set(uid, pod);
    this.queue.add(uid);
  }

  private podUpdated(old: KObject, pod: KObject): void {
    if (old.metadata.uid !== pod.metadata.uid) {
      this.podDeleted(old);
      this.podAdded(pod);
      return;
    }
    const uid = pod.metadata.uid!;
    this.podsByUid.set(uid, pod);
    const annotationsChanged = JSON.stringify(old.metadata.annotations ?? {}) !== JSON.stringify(pod.metadata.annotations ?? {});
    if (annotationsChanged) this.probes.trigger(uid);
    if (annotationsChanged || relevantChange(old, pod)) this.queue.add(uid);
  }

  private podDeleted(pod: KObject): void {
    const uid = pod.metadata.uid;
    if (!uid) return;
    this.podsByUid.delete(uid);
    this.queue.add(uid);
  }
}

/** Changes that can alter what the agent does (its own status writes mostly do not). */
function relevantChange(old: KObject, pod: KObject): boolean {
  const a = old.metadata;
  const b = pod.metadata;
  if (a.deletionTimestamp !== b.deletionTimestamp || a.deletionGracePeriodSeconds !== b.deletionGracePeriodSeconds) return true;
  if (old.status?.phase !== pod.status?.phase) return true;
  const imgs = (p: KObject) => [...((p.spec?.initContainers as JsonObject[] | undefined) ?? []), ...containersOf(p)].map((c) => c.image).join('\u0000');
  if (imgs(old) !== imgs(pod)) return true;
  if (old.spec?.activeDeadlineSeconds !== pod.spec?.activeDeadlineSeconds) return true;
  if (Array.isArray(pod.spec?.readinessGates) && pod.spec.readinessGates.length > 0) {
    return JSON.stringify(old.status?.conditions ?? []) !== JSON.stringify(pod.status?.conditions ?? []);
  }
  return false;
}

/** Waits for `p`, but no longer than `ms` of real time (shutdown must not hang). */
function settle(p: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!p) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
    p.then(
      () => {
        clearTimeout(t);
        resolve();
      },
      () => {
        clearTimeout(t);
        resolve();
      },
    );
  });
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
