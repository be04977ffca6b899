// The Progressing condition (progress.go and deployment_util.go, v1.32): progress, completion and
// the progress deadline, the paused/resumed markers, ReplicaFailure copied from the ReplicaSets,
// and when to look again at a rollout that has not moved. Pure functions of the objects and `now`.

import {
  CONDITION_PROGRESSING,
  CONDITION_REPLICA_FAILURE,
  MAX_INT32,
  Messages,
  Reasons,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type ReplicaSet,
} from './types.js';
import { calculateStatus, deploymentComplete, deploymentProgressing, getCondition, newCondition, removeCondition, replicaSetToDeploymentCondition, setCondition } from './status.js';

/** HasProgressDeadline: progressDeadlineSeconds set and not MaxInt32. */
export function hasProgressDeadline(d: Deployment): boolean {
  const s = d.spec.progressDeadlineSeconds;
  return s !== undefined && s !== null && s !== MAX_INT32;
}

function timeMs(t: string | undefined): number {
  const ms = t ? Date.parse(t) : 0;
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * DeploymentTimedOut: the Progressing condition of `s` was last updated more than
 * progressDeadlineSeconds ago. A completed rollout never times out; a timed-out one stays so.
 */
export function deploymentTimedOut(d: Deployment, s: DeploymentStatus, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const c = getCondition(s, CONDITION_PROGRESSING);
  if (!c) return false;
  if (c.reason === Reasons.NewRSAvailable) return false;
  if (c.reason === Reasons.TimedOut) return true;
  return timeMs(c.lastUpdateTime) + d.spec.progressDeadlineSeconds! * 1000 < now.getTime();
}

/**
 * checkPausedConditions: Progressing Unknown/DeploymentPaused while paused, Unknown/
 * DeploymentResumed on resume (so the paused time does not count against the deadline). A
 * reported timeout is not overwritten. Mutates `d.status`; true when it changed.
 */
export function applyPausedCondition(d: Deployment, now: Date): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(d.status, CONDITION_PROGRESSING);
  if (cond?.reason === Reasons.TimedOut) return false;
  const pausedExists = cond?.reason === Reasons.Paused;
  d.status ??= {};
  if (d.spec.paused && !pausedExists) {
    setCondition(d.status, newCondition(CONDITION_PROGRESSING, 'Unknown', Reasons.Paused, Messages.paused, now));
    return true;
  }
  if (!d.spec.paused && pausedExists) {
    setCondition(d.status, newCondition(CONDITION_PROGRESSING, 'Unknown', Reasons.Resumed, Messages.resumed, now));
    return true;
  }
  return false;
}

/** getReplicaFailures: the new ReplicaSet's ReplicaFailure conditions, else any old one's. */
export function replicaFailures(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined): DeploymentCondition[] {
  const pick = (rs: ReplicaSet) => (rs.status?.conditions ?? []).filter((c) => c.type === CONDITION_REPLICA_FAILURE).map(replicaSetToDeploymentCondition);
  if (newRS) {
    const f = pick(newRS);
    if (f.length > 0) return f;
  }
  const out: DeploymentCondition[] = [];
  for (const rs of allRSs) if (rs) out.push(...pick(rs));
  return out;
}

/**
 * The status syncRolloutStatus writes: calculateStatus plus the Progressing condition —
 * NewReplicaSetAvailable when complete, ReplicaSetUpdated (lastUpdateTime refreshed, transition
 * kept while True) on any progress, ProgressDeadlineExceeded past the deadline — and the
 * ReplicaFailure condition. Without a deadline, Progressing is removed.
 */
export function rolloutStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: Date): DeploymentStatus {
  const s = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(s, CONDITION_PROGRESSING);
  const current = getCondition(d.status, CONDITION_PROGRESSING);
  // One active RS and the last rollout complete: a resync, no progress to estimate.
  const isComplete = s.replicas === s.updatedReplicas && current?.reason === Reasons.NewRSAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    const subject = newRS ? `ReplicaSet "${newRS.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, s)) {
      setCondition(s, newCondition(CONDITION_PROGRESSING, 'True', Reasons.NewRSAvailable, `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(d, s)) {
      const c = newCondition(CONDITION_PROGRESSING, 'True', Reasons.ReplicaSetUpdated, `${subject} is progressing.`, now);
      // Same reason again must still refresh lastUpdateTime (that is what the deadline counts
      // from), which setCondition alone would skip.
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(s, CONDITION_PROGRESSING);
      }
      setCondition(s, c);
    } else if (deploymentTimedOut(d, s, now)) {
      setCondition(s, newCondition(CONDITION_PROGRESSING, 'False', Reasons.TimedOut, `${subject} has timed out progressing.`, now));
    }
  }
  const failures = replicaFailures(allRSs, newRS);
  if (failures.length > 0) setCondition(s, failures[0]);
  else removeCondition(s, CONDITION_REPLICA_FAILURE);
  return s;
}

/**
 * requeueStuckDeployment: when a rollout with a deadline has neither completed nor timed out,
 * how long until its deadline passes (plus a second), so it is looked at again without any
 * event; 0 = now (rate-limited); undefined = no need.
 */
export function stuckRequeueDelayMs(d: Deployment, s: DeploymentStatus, now: Date): number | undefined {
  const current = getCondition(d.status, CONDITION_PROGRESSING);
  if (!hasProgressDeadline(d) || !current) return undefined;
  if (deploymentComplete(d, s) || current.reason === Reasons.TimedOut) return undefined;
  const after = timeMs(current.lastUpdateTime) + d.spec.progressDeadlineSeconds! * 1000 - now.getTime();
  if (after < 1000) return 0;
  return after + 1000;
}
