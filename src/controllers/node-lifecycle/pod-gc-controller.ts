// Pod garbage collection (pkg/controller/podgc, v1.32), run every period on the injected clock:
//  - orphaned pods: bound to a node that no longer exists. A missing node is quarantined first
//    (it may just not have reached the cache yet) and then confirmed with a GET; its pods are
//    marked Failed with DisruptionTarget=True (DeletionByPodGC) and force-deleted (grace 0).
//  - terminating pods that were never scheduled: force-deleted (no node will ever finish them).
//  - terminating pods on a node that is not Ready and carries the node.kubernetes.io/out-of-service
//    taint (an administrator's statement that the node is gone): marked Failed, force-deleted.
//  - terminated pods (Succeeded/Failed) beyond the threshold, oldest first (evicted ones before).
//
// As upstream, a terminating pod on an unreachable node that still exists is NOT force-deleted:
// nobody can confirm its containers stopped, so it stays Terminating until its agent returns, the
// node is deleted (then it is an orphan), or an administrator taints the node out-of-service or
// deletes the pod with --force --grace-period=0.

import type { KObject } from '../../api/types.js';
import { R, ResourceClient } from '../../client/resources.js';
import type { RestClient } from '../../client/rest-client.js';
import { rfc3339, type Clock } from '../../util/clock.js';
import { isNotFound, podKey, type NodeCaches } from './caches.js';
import { DISRUPTION_TARGET, MESSAGE_DELETION_BY_POD_GC, REASON_DELETION_BY_POD_GC, TAINT_OUT_OF_SERVICE } from './constants.js';
import { nodeCondition } from './node-health.js';
import { podConditions, updatePodCondition, type PodCondition } from './pod-conditions.js';
import { nodeTaints } from './taints.js';

export interface PodGcOptions {
  client: RestClient;
  clock: Clock;
  caches: NodeCaches;
  /** How often a pass runs (upstream 20 s). */
  periodMs: number;
  /** How long a node must be missing from the cache before it is looked up (upstream 40 s). */
  quarantineMs: number;
  /** Terminated pods kept before the oldest are deleted; 0 disables (kube-controller-manager: 12500). */
  terminatedPodThreshold: number;
  onError?: (msg: string, err: unknown) => void;
}

function isTerminated(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown' && phase !== undefined;
}

/** Evicted pods first, then oldest, then by name (byEvictionAndCreationTimestamp). */
function gcOrder(a: KObject, b: KObject): number {
  const ae = a.status?.reason === 'Evicted';
  const be = b.status?.reason === 'Evicted';
  if (ae !== be) return ae ? -1 : 1;
  const at = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

export class PodGcController {
  private readonly pods: ResourceClient;
  private readonly nodes: ResourceClient;
  /** Node names pods are bound to that the cache lacks, and since when (quarantine). */
  private missingSince = new Map<string, number>();
  private cancelTimer?: () => void;
  private running?: Promise<void>;
  private stopped = true;

  constructor(private readonly o: PodGcOptions) {
    this.pods = new ResourceClient(o.client, R.pods);
    this.nodes = new ResourceClient(o.client, R.nodes);
  }

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
  }

  get idle(): boolean {
    return this.running === undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.cancelTimer = this.o.clock.setTimer(this.o.periodMs, () => {
      if (!this.running) {
        this.running = this.pass()
          .catch((err) => this.report('pod GC pass failed:', err))
          .finally(() => (this.running = undefined));
      }
      this.schedule();
    });
  }

  private report(msg: string, err: unknown): void {
    (this.o.onError ?? ((m, e) => console.error(m, e)))(msg, err);
  }

  /** One garbage collection pass over the caches. */
  async pass(): Promise<void> {
    const pods = this.o.caches.pods.store.list();
    const nodes = this.o.caches.nodes.store;
    const work: Promise<void>[] = [];
    const doomed = new Set<string>();
    const run = (pod: KObject, condition: PodCondition | undefined) => {
      const key = podKey(pod);
      if (doomed.has(key)) return;
      doomed.add(key);
      work.push(this.markFailedAndDelete(pod, condition).catch((err) => this.report(`pod GC could not delete pod ${key}:`, err)));
    };

    if (this.o.terminatedPodThreshold > 0) {
      const terminated = pods.filter(isTerminated);
      const excess = terminated.length - this.o.terminatedPodThreshold;
      if (excess > 0) for (const pod of terminated.sort(gcOrder).slice(0, excess)) run(pod, undefined);
    }

    for (const pod of pods) {
      if (!pod.metadata.deletionTimestamp || !pod.spec?.nodeName) continue;
      const node = nodes.get(pod.spec.nodeName);
      if (!node) continue;
      const ready = nodeCondition(node, 'Ready')?.status === 'True';
      if (!ready && nodeTaints(node).some((t) => t.key === TAINT_OUT_OF_SERVICE)) run(pod, undefined);
    }

    const gone = await this.deletedNodes(pods);
    for (const pod of pods) {
      if (gone.has(pod.spec?.nodeName)) {
        run(pod, { type: DISRUPTION_TARGET, status: 'True', reason: REASON_DELETION_BY_POD_GC, message: MESSAGE_DELETION_BY_POD_GC });
      }
    }

    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp && !pod.spec?.nodeName) run(pod, undefined);
    }
    await Promise.all(work);
  }

  /** Node names whose quarantine is over and which the API server confirms are gone. */
  private async deletedNodes(pods: KObject[]): Promise<Set<string>> {
    const now = this.o.clock.now().getTime();
    const nodes = this.o.caches.nodes.store;
    const missing = new Set<string>();
    for (const pod of pods) {
      const n = pod.spec?.nodeName;
      if (typeof n === 'string' && n && !nodes.get(n)) missing.add(n);
    }
    for (const n of this.missingSince.keys()) if (!missing.has(n)) this.missingSince.delete(n);
    const gone = new Set<string>();
    for (const n of missing) {
      const since = this.missingSince.get(n);
      if (since === undefined) {
        this.missingSince.set(n, now);
        continue;
      }
      if (now - since < this.o.quarantineMs) continue;
      try {
        await this.nodes.get(undefined, n);
      } catch (err) {
        if (isNotFound(err)) gone.add(n);
        else this.report(`pod GC could not look up node ${n}:`, err);
      }
    }
    return gone;
  }

  /** As markFailedAndDeletePodWithCondition: phase Failed (plus the condition) first, then delete now. */
  private async markFailedAndDelete(pod: KObject, condition: PodCondition | undefined): Promise<void> {
    const ns = pod.metadata.namespace;
    const name = pod.metadata.name!;
    try {
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const status: Record<string, unknown> = { phase: 'Failed' };
        if (condition) {
          const r = updatePodCondition(podConditions(pod), condition, rfc3339(this.o.clock.now()));
          if (r.changed) status.conditions = [r.condition];
        }
        await this.pods.patch(ns, name, 'strategic', { metadata: { uid: pod.metadata.uid }, status }, { subresource: 'status' });
      }
      await this.pods.delete(ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
