// The DaemonSet RollingUpdate step (pkg/controller/daemon/update.go rollingUpdate and
// updatedDesiredNodeCounts, util/daemonset_util.go SurgeCount/UnavailableCount, v1.32). Pure:
// returns the old pods to delete and the nodes to create a new pod on; the manage loop of the
// next sync fills the nodes emptied here.
//
// maxSurge == 0: delete old pods so that at most maxUnavailable nodes lack an available pod. Old
//   pods that are already unavailable are replaced at once (they count as unavailable already).
// maxSurge > 0:  create the new pod next to the old one (at once when the old one is unavailable,
//   else while fewer than maxSurge nodes are surging), and delete the old pod once the new one is
//   available. Old pods on nodes that should no longer run one go only while enough pods elsewhere
//   are available.

import { scaledValueFromIntOrPercent } from '../../api/intstr.js';
import type { KObject } from '../../api/types.js';
import { isPodAvailable } from '../shared/pod-utils.js';
import { isPodUpdated } from './daemon-pods.js';
import type { NodeVerdict } from './node-placement.js';

function rollingUpdateOf(ds: KObject): Record<string, any> | undefined {
  const us = ds.spec?.updateStrategy;
  if (us?.type !== 'RollingUpdate') return undefined;
  return us.rollingUpdate ?? undefined;
}

/** SurgeCount: maxSurge scaled against the desired count, rounding up (0 without RollingUpdate). */
export function surgeCount(ds: KObject, desired: number): number {
  const r = rollingUpdateOf(ds);
  if (!r || r.maxSurge === undefined || r.maxSurge === null) return 0;
  return scaledValueFromIntOrPercent(r.maxSurge, desired, true);
}

/** UnavailableCount: maxUnavailable scaled against the desired count, rounding up. */
export function unavailableCount(ds: KObject, desired: number): number {
  const r = rollingUpdateOf(ds);
  if (!r) return 0;
  return scaledValueFromIntOrPercent(r.maxUnavailable, desired, true);
}

/** AllowsSurge: a non-zero maxSurge. */
export function allowsSurge(ds: KObject): boolean {
  try {
    return surgeCount(ds, 1) !== 0;
  } catch {
    return false;
  }
}

export interface UpdatedPodsOnNode {
  newPod?: KObject;
  oldPod?: KObject;
  /** False when the node has more than one new or more than one old live pod (the manage loop prunes first). */
  ok: boolean;
}

/** findUpdatedPodsOnNode: the node's live new and old pod. */
export function findUpdatedPodsOnNode(pods: readonly KObject[], hash: string, generation: number | undefined): UpdatedPodsOnNode {
  let newPod: KObject | undefined;
  let oldPod: KObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

export interface RollingUpdateInput {
  ds: KObject;
  /** Every node the controller knows, by name, with its verdict. */
  verdicts: ReadonlyMap<string, NodeVerdict>;
  /** The DaemonSet's pods by node (from the cache). */
  nodeToPods: ReadonlyMap<string, readonly KObject[]>;
  hash: string;
  generation: number | undefined;
  now: Date;
}

export interface RollingUpdatePlan {
  podsToDelete: KObject[];
  nodesToCreate: string[];
  maxSurge: number;
  maxUnavailable: number;
  desired: number;
}

/** rollingUpdate. Throws on an invalid maxSurge/maxUnavailable (upstream's error text). */
export function planRollingUpdate(i: RollingUpdateInput): RollingUpdatePlan {
  const { ds, hash, generation, now } = i;
  const mrs = typeof ds.spec?.minReadySeconds === 'number' ? ds.spec.minReadySeconds : 0;
  const available = (pod: KObject) => isPodAvailable(pod, mrs, now);

  // updatedDesiredNodeCounts: every node that should run a pod takes part, with or without pods.
  const byNode = new Map<string, readonly KObject[]>(i.nodeToPods);
  let desired = 0;
  for (const [name, v] of i.verdicts) {
    if (!v.shouldRun) continue;
    desired++;
    if (!byNode.has(name)) byNode.set(name, []);
  }
  let maxUnavailable: number;
  let maxSurge: number;
  try {
    maxUnavailable = unavailableCount(ds, desired);
  } catch (err) {
    throw new Error(`couldn't get unavailable numbers: invalid value for MaxUnavailable: ${(err as Error).message}`);
  }
  try {
    maxSurge = surgeCount(ds, desired);
  } catch (err) {
    throw new Error(`couldn't get unavailable numbers: invalid value for MaxSurge: ${(err as Error).message}`);
  }
  // An impossible configuration (both 0) falls back to accepting one unavailable node.
  if (desired > 0 && maxUnavailable === 0 && maxSurge === 0) maxUnavailable = 1;
  const plan: RollingUpdatePlan = { podsToDelete: [], nodesToCreate: [], maxSurge, maxUnavailable, desired };

  if (maxSurge === 0) {
    let numUnavailable = 0;
    const replacements: KObject[] = [];
    const candidates: KObject[] = [];
    for (const pods of byNode.values()) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash, generation);
      if (!ok) {
        numUnavailable++;
        continue;
      }
      if ((!oldPod && !newPod) || (oldPod && newPod)) {
        // The manage loop creates or prunes here: count it as unavailable.
        numUnavailable++;
      } else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (!available(oldPod!)) {
        replacements.push(oldPod!);
        numUnavailable++;
      } else if (numUnavailable < maxUnavailable) {
        candidates.push(oldPod!);
      }
    }
    const room = Math.min(Math.max(maxUnavailable - numUnavailable, 0), candidates.length);
    plan.podsToDelete = [...replacements, ...candidates.slice(0, room)];
    return plan;
  }

  const shouldRunOn = (node: string) => i.verdicts.get(node)?.shouldRun ?? false;
  const oldToDelete: KObject[] = [];
  const shouldNotRunToDelete: KObject[] = [];
  const candidateNodes: string[] = [];
  const allowedNodes: string[] = [];
  let numSurge = 0;
  let numAvailable = 0;
  for (const [node, pods] of byNode) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(pods, hash, generation);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (oldPod) {
      if (available(oldPod)) numAvailable++;
    } else if (newPod && available(newPod)) numAvailable++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRunOn(node)) oldToDelete.push(oldPod);
        else allowedNodes.push(node);
      } else if (!shouldRunOn(node)) {
        shouldNotRunToDelete.push(oldPod);
      } else if (numSurge < maxSurge) {
        candidateNodes.push(node);
      }
      continue;
    }
    // Already surged here: wait for the new pod, then retire the old one.
    if (!available(newPod)) {
      numSurge++;
      continue;
    }
    oldToDelete.push(oldPod);
  }
  const deletable = Math.min(numAvailable - desired, shouldNotRunToDelete.length);
  if (deletable > 0) oldToDelete.push(...shouldNotRunToDelete.slice(0, deletable));
  const room = Math.min(Math.max(maxSurge - numSurge, 0), candidateNodes.length);
  plan.podsToDelete = oldToDelete;
  plan.nodesToCreate = [...allowedNodes, ...candidateNodes.slice(0, room)];
  return plan;
}
