// StatefulSet status (pkg/controller/statefulset/stateful_set_control.go computeReplicaStatus and
// stateful_set_utils.go completeRollingUpdate/inconsistentStatus, v1.32).

import type { KObject } from '../../api/types.js';
import { getPodRevision, isCreated, isRunningAndAvailable, isRunningAndReady, isTerminating, specReplicas } from './identity.js';

export interface StatefulSetStatus {
  observedGeneration: number;
  replicas: number;
  readyReplicas: number;
  currentReplicas: number;
  updatedReplicas: number;
  availableReplicas: number;
  currentRevision: string;
  updateRevision: string;
  collisionCount: number;
}

export type ReplicaCounts = Pick<StatefulSetStatus, 'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'>;

/**
 * computeReplicaStatus over the given pod lists: created pods, running+ready ones, available ones,
 * and (not terminating) those at the current and at the update revision.
 */
export function computeReplicaCounts(podLists: readonly (readonly KObject[])[], minReadySeconds: number, currentRevision: string, updateRevision: string, now: Date): ReplicaCounts {
  const c: ReplicaCounts = { replicas: 0, readyReplicas: 0, availableReplicas: 0, currentReplicas: 0, updatedReplicas: 0 };
  for (const pods of podLists) {
    for (const pod of pods) {
      if (isCreated(pod)) c.replicas++;
      if (isRunningAndReady(pod)) {
        c.readyReplicas++;
        if (isRunningAndAvailable(pod, minReadySeconds, now)) c.availableReplicas++;
      }
      if (isCreated(pod) && !isTerminating(pod)) {
        const rev = getPodRevision(pod);
        if (rev === currentRevision) c.currentReplicas++;
        if (rev === updateRevision) c.updatedReplicas++;
      }
    }
  }
  return c;
}

/** updateStatus: replaces the counts of `status` by those of the pod lists. */
export function setReplicaCounts(status: StatefulSetStatus, podLists: readonly (readonly KObject[])[], minReadySeconds: number, now: Date): void {
  Object.assign(status, computeReplicaCounts(podLists, minReadySeconds, status.currentRevision, status.updateRevision, now));
}

/**
 * completeRollingUpdate: once every replica is updated and ready (RollingUpdate), the update
 * revision becomes the current one.
 */
export function completeRollingUpdate(set: KObject, status: StatefulSetStatus): void {
  const n = specReplicas(set);
  if (set.spec?.updateStrategy?.type === 'RollingUpdate' && status.updatedReplicas === n && status.readyReplicas === n && status.replicas === n) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** inconsistentStatus: whether the status must be written (collisionCount alone does not count, as upstream). */
export function inconsistentStatus(set: KObject, status: StatefulSetStatus): boolean {
  const s = (set.status ?? {}) as Partial<StatefulSetStatus>;
  return (
    status.observedGeneration > (s.observedGeneration ?? 0) ||
    status.replicas !== (s.replicas ?? 0) ||
    status.currentReplicas !== (s.currentReplicas ?? 0) ||
    status.readyReplicas !== (s.readyReplicas ?? 0) ||
    status.updatedReplicas !== (s.updatedReplicas ?? 0) ||
    status.currentRevision !== (s.currentRevision ?? '') ||
    status.availableReplicas !== (s.availableReplicas ?? 0) ||
    status.updateRevision !== (s.updateRevision ?? '')
  );
}

/**
 * The status as apps/v1 serializes it: replicas and availableReplicas always, the other counts
 * and strings when non-empty, collisionCount (a pointer upstream sets) always; conditions kept.
 */
export function serializeStatus(set: KObject, status: StatefulSetStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (status.observedGeneration) out.observedGeneration = status.observedGeneration;
  out.replicas = status.replicas;
  if (status.readyReplicas) out.readyReplicas = status.readyReplicas;
  if (status.currentReplicas) out.currentReplicas = status.currentReplicas;
  if (status.updatedReplicas) out.updatedReplicas = status.updatedReplicas;
  if (status.currentRevision) out.currentRevision = status.currentRevision;
  if (status.updateRevision) out.updateRevision = status.updateRevision;
  out.collisionCount = status.collisionCount;
  out.availableReplicas = status.availableReplicas;
  const conditions = set.status?.conditions;
  if (Array.isArray(conditions) && conditions.length) out.conditions = conditions;
  return out;
}
