// Deployment status as pure functions (sync.go calculateStatus, deployment_util.go condition
// helpers, v1.32): the counts kubectl's `get`/`rollout status` read and the Available condition.
// Condition times are metav1.Time, so second precision.

import { cloneJson } from '../../api/equality.js';
import { rfc3339 } from '../../util/clock.js';
import {
  CONDITION_AVAILABLE,
  Messages,
  Reasons,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type ReplicaSet,
  type ReplicaSetCondition,
} from './types.js';
import { actualReplicaCount, availableReplicaCount, maxUnavailable, readyReplicaCount, replicaCount, specReplicas } from './util.js';

export function newCondition(type: string, status: DeploymentCondition['status'], reason: string, message: string, now: Date): DeploymentCondition {
  const t = rfc3339(now);
  return { type, status, lastUpdateTime: t, lastTransitionTime: t, reason, message };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: same status and reason is a no-op; same status with another reason
 * keeps lastTransitionTime. The condition is (re)appended at the end, so the most recently
 * changed condition is listed last, as upstream.
 */
export function setCondition(status: DeploymentStatus, c: DeploymentCondition): void {
  const cur = getCondition(status, c.type);
  if (cur && cur.status === c.status && cur.reason === c.reason) return;
  const next = { ...c };
  if (cur && cur.status === c.status) next.lastTransitionTime = cur.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((x) => x.type !== c.type), next];
}

/** RemoveDeploymentCondition */
export function removeCondition(status: DeploymentStatus, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** ReplicaSetToDeploymentCondition: lastUpdateTime is the RS condition's transition time. */
export function replicaSetToDeploymentCondition(c: ReplicaSetCondition): DeploymentCondition {
  return {
    type: c.type,
    status: c.status as DeploymentCondition['status'],
    lastUpdateTime: c.lastTransitionTime,
    lastTransitionTime: c.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
}

/**
 * calculateStatus: counts summed over the ReplicaSets (replicas/ready/available from their
 * status; unavailable from Σ spec.replicas − available, never negative), updatedReplicas from the
 * new one, observedGeneration = generation, conditions carried over with Available recomputed:
 * True when available ≥ replicas − maxUnavailable.
 */
export function calculateStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: Date): DeploymentStatus {
  const available = availableReplicaCount(allRSs);
  const unavailable = Math.max(0, replicaCount(allRSs) - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation ?? 0,
    replicas: actualReplicaCount(allRSs),
    updatedReplicas: actualReplicaCount([newRS]),
    readyReplicas: readyReplicaCount(allRSs),
    availableReplicas: available,
    unavailableReplicas: unavailable,
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  status.conditions = cloneJson(d.status?.conditions ?? []);
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition(CONDITION_AVAILABLE, 'True', Reasons.MinimumReplicasAvailable, Messages.available, now));
  } else {
    setCondition(status, newCondition(CONDITION_AVAILABLE, 'False', Reasons.MinimumReplicasUnavailable, Messages.unavailable, now));
  }
  return status;
}

/** DeploymentComplete: every replica updated, nothing old left, all available, and the spec observed. */
export function deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = specReplicas(d);
  return (s.updatedReplicas ?? 0) === replicas && (s.replicas ?? 0) === replicas && (s.availableReplicas ?? 0) === replicas && (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/**
 * DeploymentProgressing: compared with the Deployment's current status, more replicas are
 * updated, ready or available, or fewer old replicas remain.
 */
export function deploymentProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** Semantic equality of two statuses as reflect.DeepEqual sees the Go structs (absent and 0 alike; absent and empty conditions alike). */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  const x = a ?? {};
  const y = b ?? {};
  for (const f of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas'] as const) {
    if ((x[f] ?? 0) !== (y[f] ?? 0)) return false;
  }
  if (x.collisionCount !== y.collisionCount) return false;
  const cx = x.conditions ?? [];
  const cy = y.conditions ?? [];
  if (cx.length !== cy.length) return false;
  for (let i = 0; i < cx.length; i++) {
    const p = cx[i];
    const q = cy[i];
    if (p.type !== q.type || p.status !== q.status || (p.reason ?? '') !== (q.reason ?? '') || (p.message ?? '') !== (q.message ?? '')) return false;
    if ((p.lastUpdateTime ?? '') !== (q.lastUpdateTime ?? '') || (p.lastTransitionTime ?? '') !== (q.lastTransitionTime ?? '')) return false;
  }
  return true;
}
