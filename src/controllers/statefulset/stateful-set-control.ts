// The StatefulSet update loop (pkg/controller/statefulset/stateful_set_control.go, v1.32, with
// MaxUnavailableStatefulSet off as in 1.32). Written against small interfaces for pods, revisions
// and status so that the decisions can be exercised without an API server.
//
// One pass:
//  1. revisions: the update revision is the current template's (an equal older revision is
//     renumbered instead of duplicated: a rollback); the current revision is status.currentRevision;
//  2. replicas are the pods with ordinals in [start, start+replicas), missing ones are built from
//     the current revision (below the partition) or the update revision; condemned are the others;
//  3. each replica in ordinal order: failed/succeeded pods are deleted (recreated next pass), a
//     missing pod is created with its claims; with OrderedReady the pass stops at the first pod
//     that was just created or is not Running+Ready (and available), or is terminating;
//  4. claims of condemned pods get the ownerReferences whenScaled asks for; condemned pods are
//     deleted, highest ordinal first and one at a time with OrderedReady;
//  5. RollingUpdate: the highest-ordinal pod (down to the partition) not at the update revision is
//     deleted (it comes back at the update revision), one at a time, waiting for health;
//  6. status (completing the rollout when every replica is updated and ready) and history trimmed
//     to revisionHistoryLimit, keeping live revisions.

import { cloneJson } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import {
  equalRevision,
  findEqualRevisions,
  newControllerRevision,
  nextRevision,
  revisionData,
  revisionsToTruncate,
  sortRevisions,
  type ControllerRevision,
} from '../history/revision.js';
import { MAX_BATCH_SIZE, STATEFULSET_GVK } from './constants.js';
import {
  allowsBurst,
  applyRevision,
  descendingOrdinal,
  getOrdinal,
  getPodRevision,
  identityMatches,
  isCreated,
  isFailed,
  isHealthy,
  isPending,
  isRunningAndAvailable,
  isRunningAndReady,
  isSucceeded,
  isTerminating,
  minReadySeconds,
  newVersionedStatefulSetPod,
  podInOrdinalRange,
  specReplicas,
  startOrdinal,
  storageMatches,
} from './identity.js';
import { completeRollingUpdate, inconsistentStatus, setReplicaCounts, type StatefulSetStatus } from './status.js';

/** Pod and claim writes (StatefulPodControl). */
export interface StatefulPodOps {
  /** Creates the pod's missing claims, then the pod, then sets the claims' retention references. */
  createStatefulPod(set: KObject, pod: KObject): Promise<void>;
  /** Restores identity, storage and claim references of an existing pod (PUT). */
  updateStatefulPod(set: KObject, pod: KObject): Promise<void>;
  deleteStatefulPod(set: KObject, pod: KObject): Promise<void>;
  /** PodClaimIsStale. */
  podClaimIsStale(set: KObject, pod: KObject): boolean;
  /** ClaimsMatchRetentionPolicy (missing claims count as matching). */
  claimsMatchRetentionPolicy(set: KObject, pod: KObject): boolean;
  updatePodClaimForRetentionPolicy(set: KObject, pod: KObject): Promise<void>;
  /** Creates missing claims of a pending pod and sets their references. */
  createMissingPersistentVolumeClaims(set: KObject, pod: KObject): Promise<void>;
}

/** The history.Interface subset the loop needs. */
export interface RevisionOps {
  /** The set's revisions (owned or orphans matching its selector). */
  listRevisions(set: KObject): ControllerRevision[];
  createRevision(set: KObject, revision: ControllerRevision, collisionCount: { value: number }): Promise<ControllerRevision>;
  updateRevision(revision: ControllerRevision, newRevision: number): Promise<ControllerRevision>;
  deleteRevision(revision: ControllerRevision): Promise<void>;
}

export interface StatusOps {
  /** Writes the status (apps/v1 shape) through /status. */
  updateStatus(set: KObject, status: StatefulSetStatus): Promise<void>;
}

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

/** newRevision: the revision the set's current template would get. */
export function newStatefulSetRevision(set: KObject, revision: number, collisionCount: number): ControllerRevision {
  const cr = newControllerRevision(set, STATEFULSET_GVK, set.spec?.template?.metadata?.labels, revisionData(set.spec?.template), revision, collisionCount);
  if (set.metadata.annotations && Object.keys(set.metadata.annotations).length) cr.metadata.annotations = { ...set.metadata.annotations };
  return cr;
}

/** A step's verdict: stop the pass (monotonic) or go on. */
type Step = (i: number) => Promise<boolean>;

/**
 * runForAll: in order, stopping at the first step that says so (OrderedReady), or all at once in
 * slow-start batches capped at MaxBatchSize (Parallel), failing after the first batch with an error.
 */
async function runForAll(count: number, fn: Step, monotonic: boolean): Promise<boolean> {
  if (monotonic) {
    for (let i = 0; i < count; i++) if (await fn(i)) return true;
    return false;
  }
  let index = 0;
  let remaining = count;
  for (let batch = Math.min(remaining, 1); batch > 0; batch = Math.min(2 * batch, remaining, MAX_BATCH_SIZE)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(index++)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    remaining -= batch;
  }
  return false;
}

export class StatefulSetControl {
  constructor(
    private readonly pods: StatefulPodOps,
    private readonly revisions: RevisionOps,
    private readonly statusOps: StatusOps,
    private readonly now: () => Date,
  ) {}

  /**
   * UpdateStatefulSet: one pass over `set` and its claimed pods. Returns the status written (or
   * that would have been), throws the first error after writing status and trimming history.
   */
  async updateStatefulSet(set: KObject, pods: readonly KObject[]): Promise<StatefulSetStatus> {
    const revisions = sortRevisions(this.revisions.listRevisions(set));
    const { current, update, collisionCount } = await this.getStatefulSetRevisions(set, revisions);
    let status: StatefulSetStatus | undefined;
    let err: unknown;
    try {
      status = await this.updatePods(set, current, update, collisionCount, pods, (s) => (status = s));
    } catch (e) {
      err = e;
    }
    try {
      if (status) await this.updateStatefulSetStatus(set, status);
    } catch (statusErr) {
      if (err === undefined) err = statusErr;
    }
    try {
      await this.truncateHistory(set, pods, revisions, current, update);
    } catch (truncErr) {
      if (err === undefined) err = truncErr;
    }
    if (err !== undefined) throw err;
    return status!;
  }

  /** getStatefulSetRevisions: current and update revisions, creating or renumbering the update revision. */
  async getStatefulSetRevisions(set: KObject, sorted: readonly ControllerRevision[]): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    const cc = { value: typeof set.status?.collisionCount === 'number' ? set.status.collisionCount : 0 };
    let update = newStatefulSetRevision(set, nextRevision(sorted), cc.value);
    const equal = findEqualRevisions(sorted, update);
    if (equal.length && equalRevision(sorted[sorted.length - 1], equal[equal.length - 1])) {
      // Unchanged since the last revision.
      update = sorted[sorted.length - 1];
    } else if (equal.length) {
      // Back to an older template: renumber that revision rather than creating a twin.
      update = await this.revisions.updateRevision(equal[equal.length - 1], update.revision ?? 0);
    } else {
      update = await this.revisions.createRevision(set, update, cc);
    }
    const current = sorted.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount: cc.value };
  }

  /** updateStatefulSet (the pod part). `publish` keeps the caller's status current when a step throws. */
  private async updatePods(
    set: KObject,
    currentRevision: ControllerRevision,
    updateRevision: ControllerRevision,
    collisionCount: number,
    pods: readonly KObject[],
    publish: (s: StatefulSetStatus) => void,
  ): Promise<StatefulSetStatus> {
    const currentSet = applyRevision(set, currentRevision);
    const updateSet = applyRevision(set, updateRevision);
    const mrs = minReadySeconds(set);
    const status: StatefulSetStatus = {
      observedGeneration: set.metadata.generation ?? 0,
      currentRevision: currentRevision.metadata.name ?? '',
      updateRevision: updateRevision.metadata.name ?? '',
      collisionCount,
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
    };
    setReplicaCounts(status, [pods], mrs, this.now());
    publish(status);

    const start = startOrdinal(set);
    const replicaCount = specReplicas(set);
    const replicas: KObject[] = new Array(replicaCount);
    let condemned: KObject[] = [];
    for (const pod of pods) {
      if (podInOrdinalRange(pod, set)) replicas[getOrdinal(pod) - start] = pod;
      else if (getOrdinal(pod) >= 0) condemned.push(pod);
    }
    for (let idx = 0; idx < replicaCount; idx++) {
      if (!replicas[idx]) replicas[idx] = newVersionedStatefulSetPod(currentSet, updateSet, status.currentRevision, status.updateRevision, start + idx);
    }
    condemned = descendingOrdinal(condemned);
    let firstUnhealthy: KObject | undefined = replicas.find((p) => !isHealthy(p));
    if (!firstUnhealthy) for (let i = condemned.length - 1; i >= 0 && !firstUnhealthy; i--) if (!isHealthy(condemned[i])) firstUnhealthy = condemned[i];

    // A set being deleted only gets its status refreshed.
    if (set.metadata.deletionTimestamp) return status;
    const monotonic = !allowsBurst(set);
    const recount = () => setReplicaCounts(status, [replicas, condemned], mrs, this.now());

    const processReplica: Step = async (i) => {
      const pod = replicas[i];
      // Failed pods, and Succeeded ones (an evicted pod's phase follows its exit code), are
      // deleted; the replacement is created once the old one is gone.
      if (isFailed(pod) || isSucceeded(pod)) {
        if (!isTerminating(pod)) await this.pods.deleteStatefulPod(set, pod);
        return true;
      }
      if (!isCreated(pod)) {
        if (this.pods.podClaimIsStale(set, pod)) return true;
        await this.pods.createStatefulPod(set, pod);
        if (monotonic) return true;
      }
      if (isPending(pod)) await this.pods.createMissingPersistentVolumeClaims(set, pod);
      if (monotonic && (isTerminating(pod) || !isRunningAndReady(pod) || !isRunningAndAvailable(pod, mrs, this.now()))) return true;
      const retentionMatch = this.pods.claimsMatchRetentionPolicy(updateSet, pod);
      if (identityMatches(set, pod) && storageMatches(set, pod) && retentionMatch) return false;
      await this.pods.updateStatefulPod(updateSet, cloneJson(pod));
      return false;
    };
    try {
      if (await runForAll(replicas.length, processReplica, monotonic)) {
        recount();
        return status;
      }
      // Claims of condemned pods get the references whenScaled asks for, before the pods go.
      const fixClaims: Step = async (i) => {
        if (!this.pods.claimsMatchRetentionPolicy(updateSet, condemned[i])) await this.pods.updatePodClaimForRetentionPolicy(updateSet, condemned[i]);
        return false;
      };
      if (await runForAll(condemned.length, fixClaims, monotonic)) {
        recount();
        return status;
      }
      const processCondemned: Step = async (i) => {
        const pod = condemned[i];
        if (isTerminating(pod)) return monotonic;
        if (monotonic && pod !== firstUnhealthy && (!isRunningAndReady(pod) || !isRunningAndAvailable(pod, mrs, this.now()))) return true;
        await this.pods.deleteStatefulPod(set, pod);
        return true;
      };
      if (await runForAll(condemned.length, processCondemned, monotonic)) {
        recount();
        return status;
      }
    } catch (err) {
      recount();
      throw err;
    }
    recount();

    if (set.spec?.updateStrategy?.type === 'OnDelete') return status;
    const updateMin = set.spec?.updateStrategy?.rollingUpdate ? (set.spec.updateStrategy.rollingUpdate.partition ?? 0) : 0;
    for (let target = replicas.length - 1; target >= updateMin; target--) {
      const pod = replicas[target];
      if (getPodRevision(pod) !== status.updateRevision && !isTerminating(pod)) {
        try {
          await this.pods.deleteStatefulPod(set, pod);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
        status.currentReplicas--;
        return status;
      }
      // Wait for the updated pod to be healthy before touching the next one.
      if (!isHealthy(pod)) return status;
    }
    return status;
  }

  /** updateStatefulSetStatus: completes a finished rollout, writes only when something changed. */
  private async updateStatefulSetStatus(set: KObject, status: StatefulSetStatus): Promise<void> {
    completeRollingUpdate(set, status);
    if (!inconsistentStatus(set, status)) return;
    await this.statusOps.updateStatus(set, status);
  }

  /** truncateHistory: deletes non-live revisions beyond revisionHistoryLimit, oldest first. */
  private async truncateHistory(set: KObject, pods: readonly KObject[], sorted: readonly ControllerRevision[], current: ControllerRevision, update: ControllerRevision): Promise<void> {
    const live = new Set<string>([current.metadata.name ?? '', update.metadata.name ?? '']);
    for (const p of pods) live.add(getPodRevision(p));
    const limit = typeof set.spec?.revisionHistoryLimit === 'number' ? set.spec.revisionHistoryLimit : 10;
    for (const r of revisionsToTruncate(sorted, live, limit)) await this.revisions.deleteRevision(r);
  }
}
