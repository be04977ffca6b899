// DaemonSet status (pkg/controller/daemon/daemon_controller.go updateDaemonSetStatus and
// storeDaemonSetStatus, v1.32). Each node that should run the pod counts once, judged by its
// oldest daemon pod (bound pods first).

import type { KObject } from '../../api/types.js';
import { isPodAvailable, isPodReady, msUntilAvailable } from '../shared/pod-utils.js';
import { byCreationTimestampAndPhase, isPodUpdated } from './daemon-pods.js';
import type { NodeVerdict } from './node-placement.js';

export interface DaemonSetCounts {
  desiredNumberScheduled: number;
  currentNumberScheduled: number;
  numberMisscheduled: number;
  numberReady: number;
  updatedNumberScheduled: number;
  numberAvailable: number;
  numberUnavailable: number;
}

export interface StatusInput {
  verdicts: ReadonlyMap<string, NodeVerdict>;
  nodeToPods: ReadonlyMap<string, readonly KObject[]>;
  hash: string;
  generation: number | undefined;
  minReadySeconds: number;
  now: Date;
}

export function calculateDaemonSetCounts(i: StatusInput): DaemonSetCounts {
  const c: DaemonSetCounts = { desiredNumberScheduled: 0, currentNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, updatedNumberScheduled: 0, numberAvailable: 0, numberUnavailable: 0 };
  for (const [node, v] of i.verdicts) {
    const pods = i.nodeToPods.get(node);
    const scheduled = !!pods && pods.length > 0;
    if (!v.shouldRun) {
      if (scheduled) c.numberMisscheduled++;
      continue;
    }
    c.desiredNumberScheduled++;
    if (!scheduled) continue;
    c.currentNumberScheduled++;
    const pod = [...pods!].sort(byCreationTimestampAndPhase)[0];
    if (isPodReady(pod)) {
      c.numberReady++;
      if (isPodAvailable(pod, i.minReadySeconds, i.now)) c.numberAvailable++;
    }
    if (isPodUpdated(pod, i.hash, i.generation)) c.updatedNumberScheduled++;
  }
  c.numberUnavailable = c.desiredNumberScheduled - c.numberAvailable;
  return c;
}

/** storeDaemonSetStatus' short cut: nothing to write when every count matches and the generation was observed. */
export function daemonSetStatusUpToDate(ds: KObject, c: DaemonSetCounts): boolean {
  const s = (ds.status ?? {}) as Record<string, number | undefined>;
  for (const k of Object.keys(c) as (keyof DaemonSetCounts)[]) if ((s[k] ?? 0) !== c[k]) return false;
  return (s.observedGeneration ?? 0) >= (ds.metadata.generation ?? 0);
}

/**
 * The status to PUT: the counts (the four required fields always, the optional ones when
 * non-zero, as Go's omitempty writes them), observedGeneration when `observe`, and the
 * collisionCount and conditions the object already has.
 */
export function daemonSetStatus(ds: KObject, c: DaemonSetCounts, observe: boolean): Record<string, unknown> {
  const old = (ds.status ?? {}) as Record<string, unknown>;
  const s: Record<string, unknown> = {
    currentNumberScheduled: c.currentNumberScheduled,
    numberMisscheduled: c.numberMisscheduled,
    desiredNumberScheduled: c.desiredNumberScheduled,
    numberReady: c.numberReady,
  };
  const observed = observe ? (ds.metadata.generation ?? 0) : ((old.observedGeneration as number | undefined) ?? 0);
  if (observed) s.observedGeneration = observed;
  if (c.updatedNumberScheduled) s.updatedNumberScheduled = c.updatedNumberScheduled;
  if (c.numberAvailable) s.numberAvailable = c.numberAvailable;
  if (c.numberUnavailable) s.numberUnavailable = c.numberUnavailable;
  if (old.collisionCount !== undefined && old.collisionCount !== null) s.collisionCount = old.collisionCount;
  if (Array.isArray(old.conditions) && old.conditions.length) s.conditions = old.conditions;
  return s;
}

/**
 * When to look again so availability shows without a pod event: the soonest moment a Ready daemon
 * pod passes minReadySeconds (upstream requeues after minReadySeconds whenever ready != available).
 */
export function availabilityRequeueMs(nodeToPods: ReadonlyMap<string, readonly KObject[]>, minReadySeconds: number, now: Date): number | undefined {
  if (!minReadySeconds) return undefined;
  let soonest: number | undefined;
  for (const pods of nodeToPods.values()) {
    for (const pod of pods) {
      const d = msUntilAvailable(pod, minReadySeconds, now);
      if (d !== undefined && (soonest === undefined || d < soonest)) soonest = d;
    }
  }
  return soonest;
}
