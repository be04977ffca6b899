// The RollingUpdate strategy (rolling.go, v1.32). One pass: get or create the new ReplicaSet;
// scale it up as far as maxSurge allows, and stop if it moved; else scale old ReplicaSets down as
// far as maxUnavailable allows (their unavailable replicas first), and stop if any moved; else, if
// the rollout is complete, clean up old revisions. Every pass ends by writing the status.

import type { DeploymentSyncer } from './sync.js';
import { deploymentComplete } from './status.js';
import type { Deployment, ReplicaSet } from './types.js';
import { activeReplicaSets, availableReplicaCount, byCreationTimestamp, maxUnavailable, newRSNewReplicas, replicaCount, specReplicas } from './util.js';

/** rolloutRolling */
export async function rolloutRolling(s: DeploymentSyncer, d: Deployment, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, true);
  // With createIfNotExisted the new ReplicaSet exists (or the call threw).
  const rs = newRS!;
  const allRSs = [...oldRSs, rs];
  if (await reconcileNewReplicaSet(s, allRSs, rs, d)) return s.syncRolloutStatus(allRSs, rs, d);
  if (await reconcileOldReplicaSets(s, allRSs, activeReplicaSets(oldRSs), rs, d)) return s.syncRolloutStatus(allRSs, rs, d);
  if (deploymentComplete(d, d.status ?? {})) await s.cleanupDeployment(oldRSs, d);
  return s.syncRolloutStatus(allRSs, rs, d);
}

/** reconcileNewReplicaSet: grow the new RS by what the surge allows, or shrink it to replicas. */
export async function reconcileNewReplicaSet(s: DeploymentSyncer, allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const replicas = specReplicas(d);
  if (specReplicas(newRS) === replicas) return false;
  if (specReplicas(newRS) > replicas) return s.scaleReplicaSetAndRecordEvent(newRS, replicas, d);
  return s.scaleReplicaSetAndRecordEvent(newRS, newRSNewReplicas(d, allRSs, newRS), d);
}

/**
 * reconcileOldReplicaSets: how many old replicas may go now is
 * Σ spec.replicas − (replicas − maxUnavailable) − (new RS's unavailable replicas).
 * Unhealthy old replicas go first (they do not count as available anyway), then available ones
 * while more than minAvailable are available.
 */
export async function reconcileOldReplicaSets(s: DeploymentSyncer, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  if (replicaCount(oldRSs) === 0) return false;
  const allPods = replicaCount(allRSs);
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(s, oldRSs, d, maxScaledDown);
  const scaledDown = await scaleDownOldReplicaSetsForRollingUpdate(s, [...oldRSs, newRS], oldRSs, d);
  return cleaned + scaledDown > 0;
}

/** The unavailable replicas of each old RS, oldest RS first: how much to take from each, at most `maxCleanup` in all. */
export function planUnhealthyCleanup(oldRSs: readonly ReplicaSet[], maxCleanup: number): { rs: ReplicaSet; replicas: number }[] {
  const out: { rs: ReplicaSet; replicas: number }[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= maxCleanup) break;
    const unhealthy = specReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    // Upstream skips an RS whose replicas all are available; a stale status reporting more
    // available than desired would make this negative (upstream errors out then): skip it too.
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const n = Math.min(maxCleanup - total, unhealthy);
    out.push({ rs, replicas: specReplicas(rs) - n });
    total += n;
  }
  return out;
}

/** cleanupUnhealthyReplicas */
async function cleanupUnhealthyReplicas(s: DeploymentSyncer, oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number): Promise<number> {
  let total = 0;
  for (const { rs, replicas } of planUnhealthyCleanup(oldRSs, maxCleanup)) {
    const n = specReplicas(rs) - replicas;
    await s.scaleReplicaSetAndRecordEvent(rs, replicas, d);
    total += n;
  }
  return total;
}

/**
 * The available-replica scale-down: while Σ available (all RSs) exceeds replicas −
 * maxUnavailable, take the excess from old RSs, oldest first.
 */
export function planOldScaleDown(allRSs: readonly ReplicaSet[], oldRSs: readonly ReplicaSet[], d: Deployment): { rs: ReplicaSet; replicas: number }[] {
  const minAvailable = specReplicas(d) - maxUnavailable(d);
  const available = availableReplicaCount(allRSs);
  if (available <= minAvailable) return [];
  const toScaleDown = available - minAvailable;
  const out: { rs: ReplicaSet; replicas: number }[] = [];
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreationTimestamp)) {
    if (total >= toScaleDown) break;
    if (specReplicas(rs) === 0) continue;
    const n = Math.min(specReplicas(rs), toScaleDown - total);
    out.push({ rs, replicas: specReplicas(rs) - n });
    total += n;
  }
  return out;
}

/** scaleDownOldReplicaSetsForRollingUpdate */
async function scaleDownOldReplicaSetsForRollingUpdate(s: DeploymentSyncer, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  let total = 0;
  for (const { rs, replicas } of planOldScaleDown(allRSs, oldRSs, d)) {
    const n = specReplicas(rs) - replicas;
    await s.scaleReplicaSetAndRecordEvent(rs, replicas, d);
    total += n;
  }
  return total;
}
