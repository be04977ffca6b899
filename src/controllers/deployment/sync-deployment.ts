// The dispatch of one Deployment sync once its ReplicaSets are claimed (syncDeployment, v1.32):
// status only while being deleted; the paused marker; scaling for paused Deployments and for
// spec.replicas changes; otherwise one step of the strategy.

import { applyPausedCondition } from './progress.js';
import { rolloutRecreate, type PodMap } from './recreate.js';
import { rolloutRolling } from './rolling.js';
import type { DeploymentSyncer } from './sync.js';
import type { Deployment, ReplicaSet } from './types.js';
import { isScalingEvent } from './util.js';

/**
 * `d` and the ReplicaSets in `rsList` must be private copies (they are updated in place);
 * `podMap` is only called for Recreate.
 */
export async function syncDeployment(s: DeploymentSyncer, d: Deployment, rsList: ReplicaSet[], podMap: () => PodMap): Promise<void> {
  if (d.metadata.deletionTimestamp) return s.syncStatusOnly(d, rsList);
  if (applyPausedCondition(d, s.env.now())) await s.writeStatus(d);
  if (d.spec.paused) return s.sync(d, rsList);
  const { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, false);
  if (isScalingEvent(d, newRS, oldRSs)) return s.sync(d, rsList);
  if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(s, d, rsList, podMap());
  return rolloutRolling(s, d, rsList);
}
