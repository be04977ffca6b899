// The Recreate strategy (recreate.go, v1.32): scale every old ReplicaSet to 0, wait until none
// of their pods is running any more, then create the new ReplicaSet (only now, so nothing is
// scaled up before the old pods are gone) and scale it to replicas.

import type { KObject } from '../../api/types.js';
import type { DeploymentSyncer } from './sync.js';
import { deploymentComplete } from './status.js';
import type { Deployment, ReplicaSet } from './types.js';
import { activeReplicaSets, actualReplicaCount, specReplicas } from './util.js';

/** Pods of the Deployment's ReplicaSets, by the uid of the ReplicaSet that controls them. */
export type PodMap = Map<string, KObject[]>;

/**
 * oldPodsRunning: an old ReplicaSet still reports replicas, or a pod of one is in any phase but
 * Succeeded/Failed (Unknown counts as running: we cannot tell it stopped). Pods being deleted
 * count until they are gone.
 */
export function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[], podMap: PodMap): boolean {
  if (actualReplicaCount(oldRSs) > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}

/** rolloutRecreate */
export async function rolloutRecreate(s: DeploymentSyncer, d: Deployment, rsList: ReplicaSet[], podMap: PodMap): Promise<void> {
  let { newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, false);
  let allRSs: (ReplicaSet | undefined)[] = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if (await s.scaleReplicaSetAndRecordEvent(rs, 0, d)) scaledDown = true;
  }
  if (scaledDown) return s.syncRolloutStatus(allRSs, newRS, d);
  if (oldPodsRunning(newRS, oldRSs, podMap)) return s.syncRolloutStatus(allRSs, newRS, d);
  if (!newRS) {
    ({ newRS, oldRSs } = await s.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS && specReplicas(newRS) !== specReplicas(d)) await s.scaleReplicaSetAndRecordEvent(newRS, specReplicas(d), d);
  if (deploymentComplete(d, d.status ?? {})) await s.cleanupDeployment(oldRSs, d);
  return s.syncRolloutStatus(allRSs, newRS, d);
}
