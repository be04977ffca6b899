// Pure parts of the replica loop (pkg/controller/replicaset/replica_set.go and
// replica_set_utils.go, v1.32): what to do about the replica count, and the status to write.

import { deepEqual } from '../../api/equality.js';
import { selectorFromSet } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import { rfc3339 } from '../../util/clock.js';
import { podsToDelete } from '../shared/pod-ranking.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../shared/pod-utils.js';
import { minReadySeconds, specReplicas } from './kinds.js';

/** BurstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

export type ReplicaPlan = { action: 'none' } | { action: 'create'; count: number } | { action: 'delete'; pods: KObject[] };

/**
 * manageReplicas' decision: `owned` are the active pods we own after claiming; `related` the
 * pods of every ReplicaSet with the same controller (for the same-node rank).
 */
export function planReplicas(owned: readonly KObject[], replicas: number, related: readonly KObject[], now: Date, burst = BURST_REPLICAS): ReplicaPlan {
  const diff = owned.length - replicas;
  if (diff < 0) return { action: 'create', count: Math.min(-diff, burst) };
  if (diff > 0) return { action: 'delete', pods: podsToDelete(owned, related, Math.min(diff, burst), now) };
  return { action: 'none' };
}

export interface ReplicaCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** ReplicaSetStatus / ReplicationControllerStatus as serialized (zero counts omitted, replicas always). */
export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: ReplicaCondition[];
}

export const REPLICA_FAILURE = 'ReplicaFailure';

function withCount(s: ReplicaStatus, k: 'fullyLabeledReplicas' | 'readyReplicas' | 'availableReplicas' | 'observedGeneration', v: number): void {
  if (v) s[k] = v;
  else delete s[k];
}

/**
 * calculateStatus: counts over the owned active pods; a ReplicaFailure condition is added on a
 * failed create/delete (reason FailedCreate/FailedDelete, message = the error) when there is none
 * yet, and removed after a sync without error. observedGeneration is left as it was (the writer
 * sets it).
 */
export function calculateStatus(obj: KObject, owned: readonly KObject[], manageError: Error | undefined, now: Date): ReplicaStatus {
  const old = (obj.status ?? {}) as ReplicaStatus;
  const templateLabels = selectorFromSet(obj.spec?.template?.metadata?.labels);
  const mrs = minReadySeconds(obj);
  let fully = 0;
  let ready = 0;
  let available = 0;
  for (const pod of owned) {
    if (templateLabels.matches(pod.metadata.labels)) fully++;
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, mrs, now)) available++;
    }
  }
  let conditions = (old.conditions ?? []).map((c) => ({ ...c }));
  const failure = conditions.find((c) => c.type === REPLICA_FAILURE);
  if (manageError && !failure) {
    const diff = owned.length - specReplicas(obj);
    const reason = diff < 0 ? 'FailedCreate' : diff > 0 ? 'FailedDelete' : '';
    const cond: ReplicaCondition = { type: REPLICA_FAILURE, status: 'True', lastTransitionTime: rfc3339(now), reason, message: manageError.message };
    if (!reason) delete cond.reason;
    conditions.push(cond);
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== REPLICA_FAILURE);
  }
  const s: ReplicaStatus = { replicas: owned.length };
  withCount(s, 'fullyLabeledReplicas', fully);
  withCount(s, 'readyReplicas', ready);
  withCount(s, 'availableReplicas', available);
  withCount(s, 'observedGeneration', old.observedGeneration ?? 0);
  if (conditions.length) s.conditions = conditions;
  return s;
}

/**
 * Whether the status must be written (updateReplicaSetStatus' steady-state check): any count or
 * the conditions differ, or the generation was not observed yet.
 */
export function statusNeedsUpdate(obj: KObject, next: ReplicaStatus): boolean {
  const cur = (obj.status ?? {}) as ReplicaStatus;
  return (
    (cur.replicas ?? 0) !== next.replicas ||
    (cur.fullyLabeledReplicas ?? 0) !== (next.fullyLabeledReplicas ?? 0) ||
    (cur.readyReplicas ?? 0) !== (next.readyReplicas ?? 0) ||
    (cur.availableReplicas ?? 0) !== (next.availableReplicas ?? 0) ||
    (obj.metadata.generation ?? 0) !== (cur.observedGeneration ?? 0) ||
    !deepEqual(cur.conditions ?? [], next.conditions ?? [])
  );
}

/** The status with observedGeneration set to the generation acted on. */
export function withObservedGeneration(obj: KObject, s: ReplicaStatus): ReplicaStatus {
  const out = { ...s };
  withCount(out, 'observedGeneration', obj.metadata.generation ?? 0);
  return out;
}

/**
 * When to look again so availability shows without a pod event: the soonest moment a Ready pod
 * passes minReadySeconds (undefined when none is waiting). Upstream requeues after
 * minReadySeconds when all are ready but not all available; this is the exact moment instead.
 */
export function availabilityRequeueMs(obj: KObject, owned: readonly KObject[], now: Date): number | undefined {
  const mrs = minReadySeconds(obj);
  if (!mrs) return undefined;
  let soonest: number | undefined;
  for (const pod of owned) {
    const d = msUntilAvailable(pod, mrs, now);
    if (d !== undefined && (soonest === undefined || d < soonest)) soonest = d;
  }
  return soonest;
}
