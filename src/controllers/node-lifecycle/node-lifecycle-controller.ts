// The node lifecycle controller (pkg/controller/nodelifecycle, v1.32). It watches Nodes and
// their Leases in kube-node-lease and:
//  - marks a node whose agent fell silent for the grace period (no Lease renewal, no Ready
//    heartbeat) Unknown: Ready, MemoryPressure, DiskPressure and PIDPressure become
//    Unknown/NodeStatusUnknown, "Kubelet stopped posting node status.";
//  - keeps the condition taints: NoSchedule for Ready False/Unknown, pressure conditions and
//    cordon; NoExecute not-ready (Ready False) or unreachable (Ready Unknown), added at a
//    per-zone rate and held back during zone or cluster-wide disruption (zone-disruption.ts);
//  - marks the pods of a silent node Ready=False, with a NodeNotReady event on each;
//  - removes the taints when the node is Ready again (its agent posts Ready=True).
// It also runs the taint eviction and pod GC controllers on the same caches.
//
// Reconciling is per node name, level-triggered: a node is looked at when it, its Lease or a pod
// newly bound to it changes, every monitor period, and at the moment its grace period runs out.

import type { KObject } from '../../api/types.js';
import { EventRecorder } from '../../client/event-recorder.js';
import { R, ResourceClient } from '../../client/resources.js';
import type { RestClient } from '../../client/rest-client.js';
import { runWorkers, WorkQueue } from '../../client/work-queue.js';
import { realClock, rfc3339, type Clock } from '../../util/clock.js';
import { createNodeCaches, isConflict, isNotFound, nodeRef, podsOnNode, podRef, podKey, type NodeCaches } from './caches.js';
import { DEFAULTS, NODE_CONTROLLER_COMPONENT, NODE_LEASE_NAMESPACE, TAINT_EVICTION_COMPONENT } from './constants.js';
import { nodeCondition, planNodeTaints, silentNodeConditions, type NodeCondition } from './node-health.js';
import { NodeHealthTracker } from './node-health-tracker.js';
import { podConditions, updatePodCondition } from './pod-conditions.js';
import { PodGcController } from './pod-gc-controller.js';
import { TaintEvictionController } from './taint-eviction-controller.js';
import { DisruptionGuard, zoneKeyOf, type DisruptionChange } from './zone-disruption.js';

export interface NodeLifecycleOptions {
  client: RestClient;
  clock?: Clock;
  /** How long a node may stay silent before it is marked Unknown (default 40 s). */
  nodeMonitorGracePeriodMs?: number;
  /** How often every node is checked (default 5 s). */
  nodeMonitorPeriodMs?: number;
  /** Grace for a node that never posted a Ready condition, from its creation (default 60 s). */
  nodeStartupGracePeriodMs?: number;
  /** NoExecute taints added per second per healthy zone (default 0.1, burst 1). */
  evictionLimiterQps?: number;
  /** The same in a partially disrupted large zone (default 0.01). */
  secondaryEvictionLimiterQps?: number;
  /** Zones up to this many nodes stop tainting when partially disrupted (default 50). */
  largeClusterThreshold?: number;
  /** Share of not-ready nodes (and more than 2) that makes a zone partially disrupted (default 0.55). */
  unhealthyZoneThreshold?: number;
  /** Run the taint eviction controller (default true). */
  taintEviction?: boolean;
  /** Pod GC settings; false turns it off. */
  podGc?: false | { periodMs?: number; quarantineMs?: number; terminatedPodThreshold?: number };
  workers?: number;
  onError?: (msg: string, err: unknown) => void;
}

/** Node writes not yet visible in the cache: the written node, and the resourceVersions it replaces. */
/** After a write conflict, when to look at the node again (its cache update usually comes first). */
const CONFLICT_RETRY_MS = 100;

interface PendingWrite {
  node: KObject;
  older: Set<string>;
}

export class NodeLifecycleController {
  private readonly clock: Clock;
  private readonly nodes: ResourceClient;
  private readonly pods: ResourceClient;
  private readonly caches: NodeCaches;
  private readonly queue: WorkQueue;
  private readonly tracker: NodeHealthTracker;
  private readonly disruption: DisruptionGuard;
  private readonly recorder: EventRecorder;
  private readonly evictionRecorder: EventRecorder;
  private readonly taintEviction?: TaintEvictionController;
  private readonly podGc?: PodGcController;
  private readonly periodMs: number;
  private pending = new Map<string, PendingWrite>();
  /** Nodes this controller has registered (RegisteredNode event), with their uid. */
  private known = new Map<string, string | undefined>();
  private cancelPass?: () => void;
  private workersDone?: Promise<void>;
  private busy = 0;
  private stopped = false;

  constructor(private readonly opts: NodeLifecycleOptions) {
    this.clock = opts.clock ?? realClock;
    this.nodes = new ResourceClient(opts.client, R.nodes);
    this.pods = new ResourceClient(opts.client, R.pods);
    this.caches = createNodeCaches(opts.client, this.clock);
    this.queue = new WorkQueue(this.clock);
    this.periodMs = opts.nodeMonitorPeriodMs ?? DEFAULTS.nodeMonitorPeriodMs;
    this.tracker = new NodeHealthTracker({
      monitorGraceMs: opts.nodeMonitorGracePeriodMs ?? DEFAULTS.nodeMonitorGracePeriodMs,
      startupGraceMs: opts.nodeStartupGracePeriodMs ?? DEFAULTS.nodeStartupGracePeriodMs,
    });
    this.disruption = new DisruptionGuard({
      clock: this.clock,
      evictionLimiterQps: opts.evictionLimiterQps ?? DEFAULTS.evictionLimiterQps,
      secondaryEvictionLimiterQps: opts.secondaryEvictionLimiterQps ?? DEFAULTS.secondaryEvictionLimiterQps,
      largeClusterThreshold: opts.largeClusterThreshold ?? DEFAULTS.largeClusterThreshold,
      unhealthyZoneThreshold: opts.unhealthyZoneThreshold ?? DEFAULTS.unhealthyZoneThreshold,
    });
    this.recorder = new EventRecorder(opts.client, NODE_CONTROLLER_COMPONENT, undefined, this.clock);
    this.evictionRecorder = new EventRecorder(opts.client, TAINT_EVICTION_COMPONENT, undefined, this.clock);
    if (opts.taintEviction !== false) {
      this.taintEviction = new TaintEvictionController({ client: opts.client, clock: this.clock, caches: this.caches, recorder: this.evictionRecorder, onError: opts.onError });
    }
    if (opts.podGc !== false) {
      const g = opts.podGc ?? {};
      this.podGc = new PodGcController({
        client: opts.client,
        clock: this.clock,
        caches: this.caches,
        periodMs: g.periodMs ?? DEFAULTS.podGcPeriodMs,
        quarantineMs: g.quarantineMs ?? DEFAULTS.podGcQuarantineMs,
        terminatedPodThreshold: g.terminatedPodThreshold ?? DEFAULTS.terminatedPodThreshold,
        onError: opts.onError,
      });
    }
  }

  /** Fills the caches, then starts the workers and timers; resolves once running. */
  async start(): Promise<void> {
    const { nodes, leases, pods } = this.caches;
    await Promise.all([nodes.start(), leases.start(), pods.start()]);
    if (this.stopped) return;
    nodes.addHandler({ add: (n) => this.enqueue(n), update: (_, n) => this.enqueue(n), delete: (n) => this.enqueue(n) });
    leases.addHandler({ add: (l) => this.enqueue(l), update: (_, l) => this.enqueue(l) });
    pods.addHandler({
      add: (p) => this.podBound(undefined, p),
      update: (a, b) => this.podBound(a, b),
    });
    this.taintEviction?.start();
    this.podGc?.start();
    this.workersDone = runWorkers(this.queue, this.opts.workers ?? 4, (k) => this.reconcileCounted(k), (k, e) => this.report(`node lifecycle: reconcile node ${k}:`, e));
    this.monitorPass();
  }

  stop(): void {
    this.stopped = true;
    this.cancelPass?.();
    this.queue.shutDown();
    this.taintEviction?.stop();
    this.podGc?.stop();
    for (const inf of [this.caches.nodes, this.caches.leases, this.caches.pods]) inf.stop();
  }

  /**
   * Resolves once no node is queued or being reconciled and no eviction or GC pass is running:
   * a sync point for tests that step a virtual clock. Pending timers do not count.
   */
  async whenIdle(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (this.queue.length === 0 && this.busy === 0 && (this.taintEviction?.idle ?? true) && (this.podGc?.idle ?? true)) {
        await Promise.all([this.recorder.flush(), this.evictionRecorder.flush()]);
        if (this.queue.length === 0 && this.busy === 0) return;
      }
      if (Date.now() > deadline) throw new Error('node lifecycle controller did not become idle');
    }
  }

  /** When the controller last heard from the node (Lease renewal or Ready heartbeat, on its clock). */
  lastHeardFrom(nodeName: string): Date | undefined {
    const ms = this.tracker.probeTime(nodeName);
    return ms === undefined ? undefined : new Date(ms);
  }

  /** The taint eviction controller, when running (tests inspect its schedule). */
  get evictions(): TaintEvictionController | undefined {
    return this.taintEviction;
  }

  private report(msg: string, err: unknown): void {
    (this.opts.onError ?? ((m, e) => console.error(m, (e as Error)?.message ?? e)))(msg, err);
  }

  private enqueue(obj: KObject): void {
    if (!this.stopped && obj.metadata.name) this.queue.add(obj.metadata.name);
  }

  /** A pod newly bound to a node that is not Ready must be marked not ready too. */
  private podBound(oldPod: KObject | undefined, pod: KObject): void {
    const node = pod.spec?.nodeName;
    if (typeof node !== 'string' || !node || oldPod?.spec?.nodeName === node) return;
    if (nodeCondition(this.latest(node), 'Ready')?.status === 'Unknown') this.queue.add(node);
  }

  /** Every period: register/remove nodes, re-judge zone disruption, look at every node. */
  private monitorPass(): void {
    if (this.stopped) return;
    const nodes = this.caches.nodes.store.list().map((n) => this.latest(n.metadata.name!) ?? n);
    const names = new Set<string>();
    for (const node of nodes) {
      const name = node.metadata.name!;
      names.add(name);
      if (!this.known.has(name)) {
        this.known.set(name, node.metadata.uid);
        this.recorder.event(nodeRef(node), 'Normal', 'RegisteredNode', `Node ${name} event: Registered Node ${name} in Controller`);
      }
    }
    for (const [name, uid] of this.known) {
      if (names.has(name)) continue;
      this.known.delete(name);
      this.tracker.forget(name);
      this.recorder.event({ apiVersion: 'v1', kind: 'Node', metadata: { name, uid } }, 'Normal', 'RemovingNode', `Node ${name} event: Removing Node ${name} from Controller`);
    }
    this.applyDisruption(this.disruption.update(nodes.map((node) => ({ node, readyStatus: nodeCondition(node, 'Ready')?.status }))));
    for (const name of names) this.queue.add(name);
    this.cancelPass = this.clock.setTimer(this.periodMs, () => this.monitorPass());
  }

  private applyDisruption(change: DisruptionChange): void {
    if (change === 'exited') this.tracker.resetProbes(this.clock.now().getTime());
    // Entering: every node drops its NoExecute taints; exiting: every node may be tainted again.
    if (change) for (const n of this.caches.nodes.store.keys()) this.queue.add(n);
  }

  /** The node as last written by us if the cache has not caught up yet, else as cached. */
  private latest(name: string): KObject | undefined {
    const cached = this.caches.nodes.store.get(name);
    const p = this.pending.get(name);
    if (p && cached && p.older.has(cached.metadata.resourceVersion ?? '')) return p.node;
    this.pending.delete(name);
    return cached;
  }

  private wrote(base: KObject, written: KObject): void {
    const prev = this.pending.get(base.metadata.name!);
    const older = new Set(prev?.older ?? []);
    older.add(base.metadata.resourceVersion ?? '');
    this.pending.set(base.metadata.name!, { node: written, older });
  }

  private async reconcileCounted(name: string): Promise<void | { requeueAfterMs?: number }> {
    this.busy++;
    try {
      return await this.reconcile(name);
    } finally {
      this.busy--;
    }
  }

  private async reconcile(name: string): Promise<void | { requeueAfterMs?: number }> {
    const node = this.latest(name);
    if (!node) {
      this.tracker.forget(name);
      return;
    }
    const now = this.clock.now();
    const nowMs = now.getTime();
    const lease = this.caches.leases.store.get(`${NODE_LEASE_NAMESPACE}/${name}`);
    const health = this.tracker.observe(node, lease, nowMs);
    const observedReady = nodeCondition(node, 'Ready');
    let current = node;
    if (health.silent) {
      const conditions = silentNodeConditions(node, now);
      const ready = conditions.find((c) => c.type === 'Ready');
      if (!sameCondition(observedReady, ready)) {
        const written = await this.writeConditions(node, conditions);
        if (!written) return { requeueAfterMs: CONFLICT_RETRY_MS };
        current = written;
        this.tracker.statusWritten(current, nowMs);
        if (observedReady?.status === 'True') {
          this.recorder.event(nodeRef(node), 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        }
      }
    }
    // Nobody else will touch the readiness of a silent node's pods.
    if (nodeCondition(current, 'Ready')?.status === 'Unknown') await this.markPodsNotReady(name);
    const retryMs = await this.reconcileTaints(current, now);
    if (retryMs === undefined) return { requeueAfterMs: CONFLICT_RETRY_MS };
    const untilSilent = health.silent ? Infinity : health.probeMs + health.graceMs - nowMs + 1;
    const next = Math.min(untilSilent, retryMs);
    return next === Infinity ? undefined : { requeueAfterMs: Math.max(1, next) };
  }

  /** Writes the node's conditions; undefined when someone else wrote the node first (409). */
  private async writeConditions(node: KObject, conditions: NodeCondition[]): Promise<KObject | undefined> {
    const body = structuredClone(node);
    body.status = { ...(body.status ?? {}), conditions };
    return this.guardConflict(node, () => this.nodes.updateStatus(body));
  }

  /**
   * Runs a write based on `base`; on success remembers the result until the cache catches up, on
   * a conflict forgets it (the node changed under us: judge again from the next cached version).
   */
  private async guardConflict(base: KObject, write: () => Promise<KObject>): Promise<KObject | undefined> {
    try {
      const written = await write();
      this.wrote(base, written);
      return written;
    } catch (err) {
      if (!isConflict(err)) throw err;
      this.pending.delete(base.metadata.name!);
      return undefined;
    }
  }

  /** MarkPodsNotReady: each pod on the node with a Ready condition not yet False gets Ready=False. */
  private async markPodsNotReady(nodeName: string): Promise<void> {
    const nowTs = this.clock.now();
    let failed: unknown;
    for (const pod of podsOnNode(this.caches, nodeName)) {
      const ready = podConditions(pod).find((c) => c.type === 'Ready');
      if (!ready || ready.status === 'False') continue;
      const { conditions, changed } = updatePodCondition(podConditions(pod), { ...ready, status: 'False' }, rfc3339(nowTs));
      if (!changed) continue;
      const body = structuredClone(pod);
      body.status = { ...(body.status ?? {}), conditions };
      try {
        await this.pods.updateStatus(body);
        this.recorder.event(podRef(pod, podKey(pod)), 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        // A conflict means the cache is behind or someone else wrote the pod: the next pass retries.
        if (!isNotFound(err) && !isConflict(err)) failed = err;
      }
    }
    if (failed) throw failed;
  }

  /**
   * Brings the node's controller taints in line with its conditions. Returns when to retry a
   * deferred NoExecute taint (Infinity: not needed), or undefined after a write conflict.
   */
  private async reconcileTaints(node: KObject, now: Date): Promise<number | undefined> {
    let retryMs = Infinity;
    const plan = planNodeTaints(node, now, {
      suppressNoExecute: this.disruption.fullyDisrupted,
      mayAddNoExecute: () => {
        // Judge disruption with this node's fresh status before adding a taint that evicts pods.
        const change = this.disruption.update(this.nodeReadiness(node));
        this.applyDisruption(change);
        if (this.disruption.fullyDisrupted) return false;
        const r = this.disruption.tryAddNoExecute(zoneKeyOf(node));
        if (!r.ok) retryMs = r.retryMs;
        return r.ok;
      },
    });
    if (!plan.changed) return retryMs;
    const patch = { metadata: { resourceVersion: node.metadata.resourceVersion }, spec: { taints: plan.taints.length ? plan.taints : null } };
    const written = await this.guardConflict(node, () => this.nodes.patch(undefined, node.metadata.name!, 'merge', patch));
    return written ? retryMs : undefined;
  }

  private nodeReadiness(override: KObject): { node: KObject; readyStatus: string | undefined }[] {
    const out: { node: KObject; readyStatus: string | undefined }[] = [];
    for (const cached of this.caches.nodes.store.list()) {
      const node = cached.metadata.name === override.metadata.name ? override : (this.latest(cached.metadata.name!) ?? cached);
      out.push({ node, readyStatus: nodeCondition(node, 'Ready')?.status });
    }
    return out;
  }
}

function sameCondition(a: NodeCondition | undefined, b: NodeCondition | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.status === b.status &&
    (a.reason ?? '') === (b.reason ?? '') &&
    (a.message ?? '') === (b.message ?? '') &&
    (a.lastHeartbeatTime ?? null) === (b.lastHeartbeatTime ?? null) &&
    (a.lastTransitionTime ?? null) === (b.lastTransitionTime ?? null)
  );
}
