// The taint eviction controller (pkg/controller/tainteviction, v1.32): pods on a node with
// NoExecute taints they do not tolerate are deleted at once; pods that tolerate them for
// tolerationSeconds are deleted when that time is up, unless the taint goes away, the toleration
// changes or the pod leaves first. Each pending eviction is one timer on the injected clock.
//
// Before deleting, the pod gets the condition DisruptionTarget=True (DeletionByTaintManager), so
// its owner and a Job's pod failure policy can tell why it went. The delete uses the pod's own
// grace period: on a node whose agent is gone, the pod then stays Terminating, as upstream (see
// pod-gc-controller.ts for when it is force-deleted).

import type { KObject } from '../../api/types.js';
import { deepEqual } from '../../api/equality.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { R, ResourceClient } from '../../client/resources.js';
import type { RestClient } from '../../client/rest-client.js';
import { rfc3339, type Clock } from '../../util/clock.js';
import { podKey, podRef, podsOnNode, isNotFound, type NodeCaches } from './caches.js';
import { DISRUPTION_TARGET, MESSAGE_DELETION_BY_TAINT_MANAGER, REASON_DELETION_BY_TAINT_MANAGER } from './constants.js';
import { evictionDeadline, taintStart, taintTimeAdded } from './eviction-deadline.js';
import { podConditions, updatePodCondition } from './pod-conditions.js';
import { noExecuteTaints, nodeTaints, taintId, type Taint } from './taints.js';

export interface TaintEvictionOptions {
  client: RestClient;
  clock: Clock;
  caches: NodeCaches;
  recorder: EventRecorder;
  /** Logs failures that are retried (default console.error). */
  onError?: (msg: string, err: unknown) => void;
}

/** Attempts per eviction before waiting for the next change (upstream: 5). */
const ATTEMPTS = 5;
/** After failed attempts, when to try the eviction again. */
const RETRY_MS = 1_000;

export class TaintEvictionController {
  private readonly pods: ResourceClient;
  /** Pending evictions by pod key. */
  private scheduled = new Map<string, { atMs: number; cancel: () => void }>();
  private inFlight = new Set<string>();
  /** NoExecute taints per node, and when this controller first saw each (for taints without timeAdded). */
  private tainted = new Map<string, { taints: Taint[]; seen: Map<string, number> }>();
  private stopped = true;

  constructor(private readonly o: TaintEvictionOptions) {
    this.pods = new ResourceClient(o.client, R.pods);
  }

  /** Starts reacting to the (already synced or starting) caches. */
  start(): void {
    this.stopped = false;
    // Nodes first: a pod is judged against the taints recorded for its node.
    this.o.caches.nodes.addHandler({
      add: (n) => this.nodeChanged(undefined, n),
      update: (a, b) => this.nodeChanged(a, b),
      delete: (n) => this.nodeChanged(n, undefined),
    });
    this.o.caches.pods.addHandler({
      add: (p) => this.podChanged(undefined, p),
      update: (a, b) => this.podChanged(a, b),
      delete: (p) => this.podChanged(p, undefined),
    });
  }

  stop(): void {
    this.stopped = true;
    for (const s of this.scheduled.values()) s.cancel();
    this.scheduled.clear();
  }

  /** No eviction is being carried out (timers may be pending). */
  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  /** When the pod's pending eviction fires (epoch ms), if one is scheduled: for tests and status. */
  scheduledAt(namespace: string, name: string): number | undefined {
    return this.scheduled.get(`${namespace}/${name}`)?.atMs;
  }

  private nodeChanged(oldNode: KObject | undefined, newNode: KObject | undefined): void {
    if (this.stopped) return;
    const name = (newNode ?? oldNode)!.metadata.name!;
    const taints = noExecuteTaints(nodeTaints(newNode));
    if (oldNode && newNode && deepEqual(noExecuteTaints(nodeTaints(oldNode)), taints)) return;
    if (!newNode) {
      // Pods of a deleted node keep any pending eviction; pod GC removes them anyway.
      this.tainted.delete(name);
      return;
    }
    const now = this.o.clock.now().getTime();
    if (taints.length === 0) {
      this.tainted.delete(name);
      for (const pod of podsOnNode(this.o.caches, name)) this.cancel(podKey(pod), pod);
      return;
    }
    const prevSeen = this.tainted.get(name)?.seen;
    const seen = new Map<string, number>();
    for (const t of taints) seen.set(taintId(t), prevSeen?.get(taintId(t)) ?? now);
    this.tainted.set(name, { taints, seen });
    for (const pod of podsOnNode(this.o.caches, name)) this.judge(pod, name, now);
  }

  private podChanged(oldPod: KObject | undefined, newPod: KObject | undefined): void {
    if (this.stopped) return;
    if (!newPod) {
      this.cancel(podKey(oldPod!), oldPod);
      return;
    }
    if (oldPod && deepEqual(oldPod.spec?.tolerations ?? [], newPod.spec?.tolerations ?? []) && oldPod.spec?.nodeName === newPod.spec?.nodeName) return;
    const nodeName = newPod.spec?.nodeName;
    if (typeof nodeName !== 'string' || !nodeName || !this.tainted.has(nodeName)) return;
    this.judge(newPod, nodeName, this.o.clock.now().getTime());
  }

  /** Decides the pod's fate against its node's NoExecute taints and (re)schedules accordingly. */
  private judge(pod: KObject, nodeName: string, nowMs: number): void {
    const entry = this.tainted.get(nodeName);
    const key = podKey(pod);
    if (!entry) {
      this.cancel(key, pod);
      return;
    }
    const d = evictionDeadline(pod, entry.taints, (t) => taintStart(taintTimeAdded(t), entry.seen.get(taintId(t)) ?? nowMs));
    if (d.kind === 'never') {
      this.cancel(key, pod);
      return;
    }
    const atMs = d.kind === 'now' ? nowMs : d.ms;
    const cur = this.scheduled.get(key);
    if (cur && cur.atMs === atMs) return;
    this.cancel(key, pod);
    if (atMs <= nowMs) {
      this.evict(key, pod);
      return;
    }
    const cancel = this.o.clock.setTimer(atMs - nowMs, () => {
      this.scheduled.delete(key);
      this.evict(key, this.o.caches.pods.store.get(key) ?? pod);
    });
    this.scheduled.set(key, { atMs, cancel });
  }

  /** Drops a pending eviction, telling the pod's events (as upstream) when there was one. */
  private cancel(key: string, pod: KObject | undefined): void {
    const cur = this.scheduled.get(key);
    if (!cur) return;
    cur.cancel();
    this.scheduled.delete(key);
    this.o.recorder.event(podRef(pod, key), 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${key}`);
  }

  /**
   * Marks the pod DisruptionTarget and deletes it. The event and the condition's time are taken
   * when the eviction fires, not when the API calls complete.
   */
  private evict(key: string, pod: KObject): void {
    if (this.stopped || this.inFlight.has(key)) return;
    this.inFlight.add(key);
    const firedAt = rfc3339(this.o.clock.now());
    this.o.recorder.event(podRef(pod, key), 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
    void this.deleteWithCondition(key, firedAt).finally(() => this.inFlight.delete(key));
  }

  private async deleteWithCondition(key: string, firedAt: string): Promise<void> {
    const i = key.indexOf('/');
    const ns = key.slice(0, i);
    const name = key.slice(i + 1);
    let lastErr: unknown;
    for (let attempt = 0; attempt < ATTEMPTS && !this.stopped; attempt++) {
      try {
        const pod = await this.pods.get(ns, name);
        const { condition, changed } = updatePodCondition(
          podConditions(pod),
          { type: DISRUPTION_TARGET, status: 'True', reason: REASON_DELETION_BY_TAINT_MANAGER, message: MESSAGE_DELETION_BY_TAINT_MANAGER },
          firedAt,
        );
        if (changed) {
          await this.pods.patch(ns, name, 'strategic', { metadata: { uid: pod.metadata.uid }, status: { conditions: [condition] } }, { subresource: 'status' });
        }
        await this.pods.delete(ns, name);
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        lastErr = err;
      }
    }
    if (this.stopped) return;
    (this.o.onError ?? ((m, e) => console.error(m, e)))(`taint eviction of pod ${key} failed; retrying in ${RETRY_MS} ms:`, lastErr);
    // Retry later unless something else (taint removed, pod gone) cancels it first.
    const cancel = this.o.clock.setTimer(RETRY_MS, () => {
      this.scheduled.delete(key);
      const pod = this.o.caches.pods.store.get(key);
      if (pod) this.evict(key, pod);
    });
    this.scheduled.set(key, { atMs: this.o.clock.now().getTime() + RETRY_MS, cancel });
  }
}
