// When must a pod leave a node with NoExecute taints? The taint eviction controller's rule
// (pkg/controller/tainteviction): a taint the pod does not tolerate evicts it at once; otherwise
// the pod stays for the smallest tolerationSeconds among the tolerations used, or forever when
// none of them is bounded; tolerationSeconds <= 0 means at once.
//
// k8ts counts the seconds from the taint's timeAdded (see taintStart), and not earlier than the
// pod's creation. Upstream counts from when the
// controller processed the taint; the two agree in the normal flow, but a restarted controller
// here does not grant every pod a new full toleration period.

import type { KObject } from '../../api/types.js';
import { matchingTolerations, podTolerations, type Taint } from './taints.js';

export type EvictionDeadline = { kind: 'now' } | { kind: 'never' } | { kind: 'at'; ms: number };

/**
 * @param taints the node's NoExecute taints (non-empty)
 * @param taintSince when each taint counts from (timeAdded, or first seen) in epoch ms
 */
export function evictionDeadline(pod: KObject, taints: Taint[], taintSince: (t: Taint) => number): EvictionDeadline {
  const used = matchingTolerations(taints, podTolerations(pod));
  if (!used) return { kind: 'now' };
  const created = Date.parse(pod.metadata.creationTimestamp ?? '');
  let at = Infinity;
  for (let i = 0; i < taints.length; i++) {
    const secs = used[i].tolerationSeconds;
    if (secs === undefined || secs === null) continue;
    if (secs <= 0) return { kind: 'now' };
    const base = Math.max(taintSince(taints[i]), Number.isNaN(created) ? -Infinity : created);
    at = Math.min(at, base + secs * 1000);
  }
  return at === Infinity ? { kind: 'never' } : { kind: 'at', ms: at };
}

/**
 * When a taint counts from: its timeAdded, which has whole seconds only, refined by the moment
 * this controller first saw the taint when that falls within the same second (so a short
 * toleration is not cut by up to a second). Without timeAdded, the first sighting.
 */
export function taintStart(timeAddedMs: number | undefined, firstSeenMs: number): number {
  if (timeAddedMs === undefined) return firstSeenMs;
  return firstSeenMs >= timeAddedMs && firstSeenMs - timeAddedMs < 1000 ? firstSeenMs : timeAddedMs;
}

/** A taint's timeAdded in epoch ms, if it has a valid one. */
export function taintTimeAdded(t: Taint): number | undefined {
  if (!t.timeAdded) return undefined;
  const ms = Date.parse(t.timeAdded);
  return Number.isNaN(ms) ? undefined : ms;
}
