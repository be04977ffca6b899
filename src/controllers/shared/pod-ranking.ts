// Which pods a controller deletes first when scaling down: k8s.io/kubernetes
// pkg/controller/controller_utils.go ActivePodsWithRanks.Less (v1.32, with PodDeletionCost and
// LogarithmicScaleDown enabled as they are by default) and replica_set.go
// getPodsRankedByRelatedPodsOnSameNode. Sorting puts the preferred victims first.

import type { KObject } from '../../api/types.js';
import { isPodActive, isPodReady, podReadyCondition, timeMs } from './pod-utils.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** GetDeletionCostFromPodAnnotations: an int32, 0 when absent or invalid. */
export function podDeletionCost(pod: KObject): number {
  const v = pod.metadata.annotations?.[POD_DELETION_COST];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return 0;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}

/** The Ready condition's transition time when Ready (podReadyTime); 0 (zero time) otherwise. */
function podReadyTime(pod: KObject): number {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? timeMs(c.lastTransitionTime) : 0;
}

/** Highest restart count of regular containers and of sidecars (restartable init containers). */
function maxContainerRestarts(pod: KObject): [number, number] {
  let regular = 0;
  for (const c of (pod.status?.containerStatuses ?? []) as { restartCount?: number }[]) regular = Math.max(regular, c.restartCount ?? 0);
  let sidecar = 0;
  const initContainers = (pod.spec?.initContainers ?? []) as { name: string; restartPolicy?: string }[];
  if (initContainers.length) {
    const names = new Set(initContainers.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
    for (const c of (pod.status?.initContainerStatuses ?? []) as { name: string; restartCount?: number }[]) {
      if (names.has(c.name)) sidecar = Math.max(sidecar, c.restartCount ?? 0);
    }
  }
  return [regular, sidecar];
}

/** ⌊log2(now - t)⌋ in nanoseconds, -1 when t is not in the past (logarithmicRankDiff). */
function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** afterOrZero: a zero time first, then the later time first. */
function afterOrZero(t1: number, t2: number): boolean {
  if (t1 === 0 || t2 === 0) return t1 === 0;
  return t1 > t2;
}

/** Compares times with LogarithmicScaleDown: same power-of-two age bucket falls back to the lower UID. */
function timeLess(t1: number, t2: number, now: number, a: KObject, b: KObject): boolean {
  if (now === 0 || t1 === 0 || t2 === 0) return afterOrZero(t1, t2);
  const diff = logRank(t1, now) - logRank(t2, now);
  if (diff === 0) return (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
  return diff < 0;
}

/**
 * ActivePodsWithRanks.Less: whether `a` should be deleted before `b`. `rankA`/`rankB` are the
 * numbers of active related pods on each pod's node (more = deleted first).
 */
export function podLessForDeletion(a: KObject, b: KObject, rankA: number, rankB: number, now: number): boolean {
  // 1. Unassigned < assigned.
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending < Unknown < Running (any other phase counts as Pending).
  const pa = PHASE_ORDINAL[a.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  // 3. Not ready < ready.
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return !ra;
  // 4. Lower pod-deletion-cost first.
  const ca = podDeletionCost(a);
  const cb = podDeletionCost(b);
  if (ca !== cb) return ca < cb;
  // 5. Doubled-up (more related pods on the same node) first.
  if (rankA !== rankB) return rankA > rankB;
  // 6. Both ready: ready more recently first (log buckets).
  if (ra && rb) {
    const ta = podReadyTime(a);
    const tb = podReadyTime(b);
    if (ta !== tb) return timeLess(ta, tb, now, a, b);
  }
  // 7. Higher restart count first (regular containers, then sidecars).
  const [ga, sa] = maxContainerRestarts(a);
  const [gb, sb] = maxContainerRestarts(b);
  if (ga !== gb) return ga > gb;
  if (sa !== sb) return sa > sb;
  // 8. Newer first (zero creation time first).
  const ka = timeMs(a.metadata.creationTimestamp);
  const kb = timeMs(b.metadata.creationTimestamp);
  if (ka !== kb) return timeLess(ka, kb, now, a, b);
  return false;
}

/**
 * Ranks: for each pod, the number of active pods among `related` on the same node
 * (getPodsRankedByRelatedPodsOnSameNode). `related` should include `pods`.
 */
export function ranksByRelatedPodsOnSameNode(pods: readonly KObject[], related: readonly KObject[]): number[] {
  const onNode = new Map<string, number>();
  for (const p of related) {
    if (!isPodActive(p)) continue;
    const n = p.spec?.nodeName ?? '';
    onNode.set(n, (onNode.get(n) ?? 0) + 1);
  }
  return pods.map((p) => onNode.get(p.spec?.nodeName ?? '') ?? 0);
}

/** Sorts `pods` (a copy) so that the preferred victims come first. */
export function sortPodsForDeletion(pods: readonly KObject[], related: readonly KObject[], now: Date): KObject[] {
  const ranks = ranksByRelatedPodsOnSameNode(pods, related);
  const idx = pods.map((_, i) => i);
  const t = now.getTime();
  idx.sort((i, j) => (podLessForDeletion(pods[i], pods[j], ranks[i], ranks[j], t) ? -1 : podLessForDeletion(pods[j], pods[i], ranks[j], ranks[i], t) ? 1 : 0));
  return idx.map((i) => pods[i]);
}

/** The `diff` pods to delete (getPodsToDelete): unsorted when all go, else the first by rank. */
export function podsToDelete(pods: readonly KObject[], related: readonly KObject[], diff: number, now: Date): KObject[] {
  if (diff >= pods.length) return pods.slice();
  return sortPodsForDeletion(pods, related, now).slice(0, diff);
}
