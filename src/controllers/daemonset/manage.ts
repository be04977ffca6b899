// The DaemonSet manage loop's decisions (pkg/controller/daemon/daemon_controller.go manage and
// podsShouldBeOnNode, v1.32): per node, whether a daemon pod must be created and which pods must go.
// Pure; failed pods are reported separately because deleting them is rate limited per node.

import type { KObject } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH_LABEL_KEY } from '../history/revision.js';
import { isPodAvailable, isPodReady } from '../shared/pod-utils.js';
import { byCreationTimestampAndPhase } from './daemon-pods.js';
import type { NodeVerdict } from './node-placement.js';

export interface NodePlan {
  /** Create a daemon pod on this node. */
  create: boolean;
  /** Pods to delete (excess, misscheduled, or superseded while surging). */
  deletes: KObject[];
  /** Failed pods, to delete subject to the per-node back-off. */
  failed: KObject[];
}

export interface NodePlanInput {
  verdict: NodeVerdict;
  /** The DaemonSet's pods for this node; undefined when it has none. */
  pods: readonly KObject[] | undefined;
  /** The current revision hash. */
  hash: string;
  /** maxSurge > 0 (util.AllowsSurge). */
  allowsSurge: boolean;
  minReadySeconds: number;
  now: Date;
}

/** podsShouldBeOnNode. */
export function planNode(i: NodePlanInput): NodePlan {
  const plan: NodePlan = { create: false, deletes: [], failed: [] };
  const { verdict, pods } = i;
  const exists = pods !== undefined;
  if (verdict.shouldRun && !exists) {
    plan.create = true;
    return plan;
  }
  if (verdict.shouldContinueRunning) {
    const running: KObject[] = [];
    for (const pod of pods ?? []) {
      if (pod.metadata.deletionTimestamp) continue;
      if (pod.status?.phase === 'Failed') plan.failed.push(pod);
      else running.push(pod);
    }
    running.sort(byCreationTimestampAndPhase);
    if (!i.allowsSurge) {
      // Without surge, one pod per node: keep the oldest.
      for (let k = 1; k < running.length; k++) plan.deletes.push(running[k]);
      return plan;
    }
    if (running.length <= 1) {
      // Surging: a node needs at least one live pod.
      if (running.length === 0 && verdict.shouldRun) plan.create = true;
      return plan;
    }
    // Surging allows two pods (the oldest of the current revision and the oldest of an older one)
    // while the new one is not yet available and the old one is still ready. Everything else goes.
    let oldestNew: KObject | undefined;
    let oldestOld: KObject | undefined;
    for (const pod of running) {
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] === i.hash) {
        if (!oldestNew) {
          oldestNew = pod;
          continue;
        }
      } else if (!oldestOld) {
        oldestOld = pod;
        continue;
      }
      plan.deletes.push(pod);
    }
    if (oldestNew && oldestOld) {
      if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, i.minReadySeconds, i.now)) plan.deletes.push(oldestOld);
    }
    return plan;
  }
  if (exists) {
    // Should not run here any more: every daemon pod on the node goes.
    for (const pod of pods!) if (!pod.metadata.deletionTimestamp) plan.deletes.push(pod);
  }
  return plan;
}

/**
 * getUnscheduledPodsWithoutNode: pods pinned to a node that no longer exists and not bound yet
 * (the scheduler can never place them; bound ones are the pod GC's business).
 */
export function unscheduledPodsWithoutNode(nodeNames: ReadonlySet<string>, nodeToPods: ReadonlyMap<string, readonly KObject[]>): KObject[] {
  const out: KObject[] = [];
  for (const [node, pods] of nodeToPods) {
    if (nodeNames.has(node)) continue;
    for (const pod of pods) if (!pod.spec?.nodeName && !pod.metadata.deletionTimestamp) out.push(pod);
  }
  return out;
}
