// The k8ts scheduler: binds pending pods to nodes through the API (pods/binding), like
// kube-scheduler's default profile. It reads the cluster through two informers (pods in every
// namespace, nodes), keeps a cache of node usage in which each decision is "assumed" at once so
// many bindings can be in flight without overcommitting a node, and reports pods no node fits
// with a PodScheduled=False condition and a FailedScheduling event worded as upstream's.
//
// Contracts: only pods with an empty spec.nodeName, our schedulerName, no deletionTimestamp, no
// scheduling gates and a non-terminal phase are scheduled. Decisions are synchronous (one thread
// of JavaScript), so "assume before the next decision" holds without locks; at most
// `parallelism` bindings are in flight. Time comes from the injected clock.

import { startTrace } from '../util/start-trace.js';
import { ApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { EventRecorder } from '../client/event-recorder.js';
import { Informer } from '../client/informer.js';
import { ResourceClient, R } from '../client/resources.js';
import { RestClient } from '../client/rest-client.js';
import { realClock, rfc3339, type Clock } from '../util/clock.js';
import { isTerminal, podKeyOf, SchedulerCache } from './cache.js';
import { SchedulingAlgorithm, type CycleOptions } from './cycle.js';
import { podInfoOf } from './framework.js';
import type { NodeChange } from './node-info.js';
import { NODE_AFFINITY } from './plugins/node-affinity.js';
import { defaultProfile } from './plugins/default-plugins.js';
import { NODE_PORTS } from './plugins/node-ports.js';
import { NODE_RESOURCES_FIT } from './plugins/node-resources-fit.js';
import { NODE_UNSCHEDULABLE } from './plugins/node-unschedulable.js';
import { TAINT_TOLERATION } from './plugins/taint-toleration.js';
import { podVolumesFor, VOLUME_BINDING, volumeBinding } from './plugins/volume-binding.js';
import { QuantityParser } from './pod-resources.js';
import { SchedulingQueue, type QueueOptions, type QueuedPod } from './queue.js';
import { VolumeBinder, type ReservedVolumes } from './volume-binder.js';

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Upstream truncates event notes to this many bytes (events API noteLengthLimit). */
const EVENT_NOTE_LIMIT = 1024;

export interface SchedulerOptions extends CycleOptions {
  client: RestClient;
  clock?: Clock;
  schedulerName?: string;
  /** Bindings in flight at once (default 64). */
  parallelism?: number;
  queue?: QueueOptions;
  /** Pods decided per event-loop turn before yielding to I/O (default 32). */
  batchSize?: number;
  /** Where unexpected errors go (default console.error). */
  onError?: (msg: string, err: unknown) => void;
  /** How long PreBind waits for a pod's claims to be bound (upstream bindTimeoutSeconds: 600 s). */
  bindTimeoutMs?: number;
}

/** A pod leaving its node frees resources and ports. */
const POD_LEFT: ReadonlySet<string> = new Set([NODE_RESOURCES_FIT, NODE_PORTS]);
/** A claim, volume or class appeared or changed. */
const VOLUME_CHANGE: ReadonlySet<string> = new Set([VOLUME_BINDING]);

function nodeChangeHint(c: NodeChange): ReadonlySet<string> | undefined {
  const s = new Set<string>();
  if (c.labels) {
    s.add(NODE_AFFINITY);
    // PV node affinity and class allowedTopologies read node labels.
    s.add(VOLUME_BINDING);
  }
  if (c.taints) s.add(TAINT_TOLERATION);
  if (c.unschedulable) s.add(NODE_UNSCHEDULABLE);
  if (c.allocatable) s.add(NODE_RESOURCES_FIT);
  return s.size ? s : undefined;
}

export function truncateEventNote(msg: string): string {
  if (Buffer.byteLength(msg) <= EVENT_NOTE_LIMIT) return msg;
  const suffix = ' ...';
  return Buffer.from(msg).subarray(0, EVENT_NOTE_LIMIT - suffix.length).toString('utf8') + suffix;
}

export class Scheduler {
  private readonly clock: Clock;
  private readonly name: string;
  private readonly parallelism: number;
  private readonly batchSize: number;
  private readonly pods: ResourceClient;
  private readonly podInformer: Informer;
  private readonly nodeInformer: Informer;
  private readonly eventClient: RestClient;
  private readonly recorder: EventRecorder;
  private readonly cache = new SchedulerCache(new QuantityParser());
  private readonly queue: SchedulingQueue;
  private readonly algorithm: SchedulingAlgorithm;
  private readonly onError: (msg: string, err: unknown) => void;
  private readonly volumes: VolumeBinder;
  private inFlight = 0;
  /** Pods whose claims are being bound before the pod is (not counted in `inFlight`). */
  private volumeWaits = 0;
  private readonly counters = { bound: 0, unschedulable: 0, bindErrors: 0 };
  private ready = false;
  private stopped = false;
  private kicked = false;

  constructor(opts: SchedulerOptions) {
    this.clock = opts.clock ?? realClock;
    this.name = opts.schedulerName ?? DEFAULT_SCHEDULER_NAME;
    this.parallelism = Math.max(1, opts.parallelism ?? 64);
    this.batchSize = Math.max(1, opts.batchSize ?? 32);
    this.onError = opts.onError ?? ((m, e) => console.error(`scheduler: ${m}:`, (e as Error)?.message ?? e));
    this.pods = new ResourceClient(opts.client, R.pods);
    this.podInformer = new Informer(this.pods, { clock: this.clock, pageSize: 1000 });
    this.nodeInformer = new Informer(new ResourceClient(opts.client, R.nodes), { clock: this.clock, pageSize: 1000 });
    // Events get their own connections so that thousands of them never queue ahead of bindings.
    this.eventClient = new RestClient(opts.client.config);
    this.recorder = new EventRecorder(this.eventClient, this.name, undefined, this.clock);
    this.queue = new SchedulingQueue(this.clock, opts.queue);
    this.queue.onActive = () => this.kick();
    this.volumes = new VolumeBinder({ client: opts.client, clock: this.clock, bindTimeoutMs: opts.bindTimeoutMs, onChange: () => this.queue.onClusterEvent(VOLUME_CHANGE) });
    this.volumes.nodeLabels = (name) => this.cache.node(name)?.labels ?? {};
    this.algorithm = new SchedulingAlgorithm(this.cache, defaultProfile(volumeBinding(this.volumes)), opts);
    this.nodeInformer.addHandler({
      add: (n) => this.onNode(n),
      update: (_o, n) => this.onNode(n),
      delete: (n) => this.cache.removeNode(n.metadata.name!),
    });
    this.podInformer.addHandler({
      add: (p) => this.onPod(p),
      update: (_o, p) => this.onPod(p),
      delete: (p) => this.onPodGone(p),
    });
  }

  /** Starts the informers (nodes first, so no pod is judged against a partial node list) and the loop. */
  async start(): Promise<void> {
    await Promise.all([this.nodeInformer.start(), this.volumes.start()]);
    await this.podInformer.start();
    if (this.stopped) return;
    this.ready = true;
    this.kick();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.podInformer.stop();
    this.nodeInformer.stop();
    this.volumes.stop();
    this.queue.close();
    void this.recorder.flush().finally(() => this.eventClient.close());
  }

  /** Counters since start: pods bound, failed attempts (no node fit), failed bindings; bindings in flight. */
  stats(): { bound: number; unschedulable: number; bindErrors: number; inFlight: number; queued: number; volumeWaits: number } {
    return { ...this.counters, inFlight: this.inFlight, queued: this.queue.activeLength, volumeWaits: this.volumeWaits };
  }

  /** For tests: waits until the event writes issued so far are done. */
  flushEvents(): Promise<void> {
    return this.recorder.flush();
  }

  private responsible(pod: KObject): boolean {
    const s = pod.spec ?? {};
    if ((s.schedulerName || DEFAULT_SCHEDULER_NAME) !== this.name) return false;
    if (pod.metadata.deletionTimestamp || isTerminal(pod)) return false;
    return !(Array.isArray(s.schedulingGates) && s.schedulingGates.length > 0);
  }

  private onNode(node: KObject): void {
    const existed = !!this.cache.node(node.metadata.name!);
    const change = this.cache.setNode(node);
    if (!existed) return this.queue.onClusterEvent('all');
    const hint = nodeChangeHint(change);
    if (hint) this.queue.onClusterEvent(hint);
  }

  private onPod(pod: KObject): void {
    const key = podKeyOf(pod);
    if (pod.spec?.nodeName) {
      this.queue.delete(key);
      if (isTerminal(pod)) {
        if (this.cache.removePod(key)) this.queue.onClusterEvent(POD_LEFT);
      } else this.cache.setBoundPod(pod);
      return;
    }
    // Our binding is in flight; the informer has not seen it yet.
    if (this.cache.isAssumed(key)) return;
    if (this.responsible(pod)) this.queue.addOrUpdate(pod, key);
    else this.queue.delete(key);
  }

  private onPodGone(pod: KObject): void {
    const key = podKeyOf(pod);
    this.queue.delete(key);
    if (this.cache.removePod(key)) this.queue.onClusterEvent(POD_LEFT);
  }

  private kick(): void {
    if (this.kicked || this.stopped || !this.ready) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      this.drain();
    });
  }

  private drain(): void {
    let n = 0;
    while (!this.stopped && this.inFlight < this.parallelism) {
      const qp = this.queue.pop();
      if (!qp) return;
      try {
        this.scheduleOne(qp);
      } catch (err) {
        this.onError(`scheduling ${qp.key}`, err);
        this.queue.doneError(qp);
      }
      if (++n >= this.batchSize) {
        this.kick();
        return;
      }
    }
  }

  private scheduleOne(qp: QueuedPod): void {
    const pod = qp.pod;
    const usage = this.cache.usageOf(pod);
    const r = this.algorithm.schedule(podInfoOf(pod, usage));
    if (r.kind === 'unschedulable') {
      this.counters.unschedulable++;
      this.queue.doneUnschedulable(qp, r.plugins);
      this.reportFailure(qp, pod, 'Unschedulable', r.message);
      return;
    }
    this.cache.assume(usage, r.node.name);
    // Reserve: a pod whose claims still need binding has them bound first (PreBind), apart.
    const reserved = this.volumes.assumePodVolumes(podVolumesFor(r.state, r.node.name), r.node.name);
    if (reserved) {
      this.volumeWaits++;
      void this.bindVolumesThenPod(qp, pod, reserved);
      return;
    }
    this.inFlight++;
    void this.bind(qp, pod, r.node.name);
  }

  /** PreBind (VolumeBinding): write the volume bindings, wait for the PV controller, then bind the pod. */
  private async bindVolumesThenPod(qp: QueuedPod, pod: KObject, reserved: ReservedVolumes): Promise<void> {
    const nodeName = reserved.nodeName;
    try {
      await this.volumes.bindPodVolumes(reserved, () => this.stopped || this.queue.get(qp.key) !== qp);
    } catch (err) {
      this.volumes.revert(reserved);
      this.cache.forget(qp.key, pod.metadata.uid);
      this.counters.bindErrors++;
      if (this.stopped) return;
      if (this.queue.get(qp.key) !== qp) {
        this.queue.doneGone(qp);
      } else {
        this.queue.doneError(qp);
        this.reportFailure(qp, pod, 'SchedulerError', `running PreBind plugin "${VOLUME_BINDING}": ${(err as Error)?.message ?? String(err)}`);
      }
      return;
    } finally {
      this.volumeWaits--;
    }
    this.inFlight++;
    await this.bind(qp, pod, nodeName, reserved);
  }

  private async bind(qp: QueuedPod, pod: KObject, nodeName: string, reserved?: ReservedVolumes): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    startTrace(`${namespace}/${name}`, 'bind');
    try {
      await this.pods.post(namespace, name!, 'binding', {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      });
      startTrace(`${namespace}/${name}`, 'bound');
      this.queue.doneBound(qp);
      this.counters.bound++;
      if (!this.stopped) this.recorder.event(podRef(pod), 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      if (reserved) this.volumes.revert(reserved);
      this.cache.forget(qp.key, uid);
      this.counters.bindErrors++;
      if (this.stopped) return;
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) {
        // Gone, replaced, being deleted or bound by someone else: the informer will tell.
        this.queue.doneGone(qp);
      } else {
        this.queue.doneError(qp);
        this.reportFailure(qp, pod, 'SchedulerError', `binding rejected: ${(err as Error)?.message ?? String(err)}`);
      }
    } finally {
      this.inFlight--;
      this.kick();
    }
  }

  /**
   * A FailedScheduling event on every failed attempt (the recorder folds repeats into a count),
   * and the PodScheduled condition only when it would change, as upstream's updatePod does.
   */
  private reportFailure(qp: QueuedPod, pod: KObject, reason: string, message: string): void {
    if (this.stopped) return;
    this.recorder.event(podRef(pod), 'Warning', 'FailedScheduling', truncateEventNote(message));
    const conds: KObject[] = Array.isArray(pod.status?.conditions) ? pod.status.conditions : [];
    const cur = conds.find((c) => c?.type === 'PodScheduled');
    const written = `${reason}\u0000${message}`;
    if (qp.lastMessage === written) return;
    if (cur && cur.status === 'False' && cur.reason === reason && cur.message === message) {
      qp.lastMessage = written;
      return;
    }
    qp.lastMessage = written;
    const lastTransitionTime = cur && cur.status === 'False' && cur.lastTransitionTime ? cur.lastTransitionTime : rfc3339(this.clock.now());
    const patch = { status: { conditions: [{ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime, reason, message }] } };
    this.pods.patch(pod.metadata.namespace, pod.metadata.name!, 'strategic', patch, { subresource: 'status' }).catch((err) => {
      qp.lastMessage = undefined;
      if (err instanceof ApiError && err.code === 404) return;
      if (!this.stopped) this.onError(`updating PodScheduled of ${qp.key}`, err);
    });
  }
}

/** Objects from lists carry no kind; events need one for involvedObject. */
function podRef(pod: KObject): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
}
