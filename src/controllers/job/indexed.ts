// Indexed Jobs (pkg/controller/job/indexed_job_utils.go, v1.32): which indexes succeeded or
// failed, which ones still need a pod, which duplicate pods to remove, and the per-index failure
// bookkeeping of backoffLimitPerIndex.

import { sortPodsForDeletion } from '../shared/pod-ranking.js';
import { OrderedIntervals, sortedUnique } from './intervals.js';
import {
  completionIndexOf,
  completionsOf,
  finishedTime,
  hasTrackingFinalizer,
  indexAbsoluteFailureCount,
  indexFailureCount,
  indexIgnoredFailureCount,
  isPodFailed,
  isPodTerminating,
  onlyReplaceFailedPods,
  UNKNOWN_INDEX,
} from './job-pods.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import type { SyncJobContext } from './sync-context.js';
import type { Job, Pod } from './types.js';

const validIndex = (ix: number, completions: number) => ix !== UNKNOWN_INDEX && ix < completions;

/** calculateSucceededIndexes: [previous (from status), previous + newly succeeded pods still holding the finalizer]. */
export function calculateSucceededIndexes(job: Job, pods: readonly Pod[]): [OrderedIntervals, OrderedIntervals] {
  const completions = completionsOf(job) ?? 0;
  const prev = OrderedIntervals.parse(job.status?.completedIndexes, completions);
  const fresh: number[] = [];
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (p.status?.phase === 'Succeeded' && validIndex(ix, completions) && hasTrackingFinalizer(p)) fresh.push(ix);
  }
  return [prev, prev.withIndexes(sortedUnique(fresh))];
}

/** isIndexFailed: a FailIndex rule matched, or the counted failures of the index reached backoffLimitPerIndex. */
export function isIndexFailed(job: Job, pod: Pod): boolean {
  let counted = false;
  if (isPodFailed(pod, job)) {
    if (job.spec.podFailurePolicy) {
      const m = matchPodFailurePolicy(job.spec.podFailurePolicy, pod);
      if (m.action === 'FailIndex') return true;
      counted = m.countFailed;
    } else {
      counted = true;
    }
  }
  return counted && indexFailureCount(pod) >= (job.spec.backoffLimitPerIndex ?? 0);
}

/** calculateFailedIndexes: status.failedIndexes plus indexes failed by pods not yet counted. */
export function calculateFailedIndexes(job: Job, pods: readonly Pod[]): OrderedIntervals {
  const completions = completionsOf(job) ?? 0;
  const prev = OrderedIntervals.parse(job.status?.failedIndexes, completions);
  const fresh: number[] = [];
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (validIndex(ix, completions) && hasTrackingFinalizer(p) && isIndexFailed(job, p)) fresh.push(ix);
  }
  return prev.withIndexes(sortedUnique(fresh));
}

function indexesOf(pods: readonly Pod[]): number[] {
  const out: number[] = [];
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix !== UNKNOWN_INDEX) out.push(ix);
  }
  return sortedUnique(out);
}

/**
 * firstPendingIndexes: up to `count` indexes below `completions` that have no active pod, did not
 * succeed and did not fail (nor, when only failed pods are replaced, have a terminating pod).
 */
export function firstPendingIndexes(ctx: SyncJobContext, count: number, completions: number): number[] {
  if (count === 0) return [];
  let nonPending = ctx.succeededIndexes.withIndexes(indexesOf(ctx.activePods));
  if (onlyReplaceFailedPods(ctx.job)) nonPending = nonPending.withIndexes(indexesOf(ctx.pods.filter(isPodTerminating)));
  if (ctx.failedIndexes) nonPending = nonPending.merge(ctx.failedIndexes);
  const result: number[] = [];
  let candidate = 0;
  for (const iv of nonPending.items) {
    for (; candidate < completions && result.length < count && candidate < iv.first; candidate++) result.push(candidate);
    if (candidate < iv.last + 1) candidate = iv.last + 1;
  }
  for (; candidate < completions && result.length < count; candidate++) result.push(candidate);
  return result;
}

/**
 * appendDuplicatedIndexPodsForRemoval: among active pods, everything without a valid index and,
 * for each repeated index, all but the pod ranked to keep. Returns [remove, keep].
 */
export function duplicatedIndexPods(pods: readonly Pod[], completions: number, now: Date): [Pod[], Pod[]] {
  const rm: Pod[] = [];
  const left: Pod[] = [];
  const byIndex = new Map<number, Pod[]>();
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (ix === UNKNOWN_INDEX || ix >= completions) {
      rm.push(p);
      continue;
    }
    const group = byIndex.get(ix);
    if (group) group.push(p);
    else byIndex.set(ix, [p]);
  }
  for (const ix of [...byIndex.keys()].sort((a, b) => a - b)) {
    const group = byIndex.get(ix)!;
    if (group.length === 1) {
      left.push(group[0]);
      continue;
    }
    // Upstream sorts with ActivePods (victims first) and keeps the last one.
    const sorted = sortPodsForDeletion(group, [], now);
    rm.push(...sorted.slice(0, -1));
    left.push(sorted[sorted.length - 1]);
  }
  return [rm, left];
}

/**
 * getValidPodsWithFilter: pods still holding the finalizer, not in `uncounted` and not awaiting a
 * finalizer removal, with a valid index for Indexed Jobs, that pass `filter`.
 */
export function validPodsWithFilter(ctx: SyncJobContext, uncounted: ReadonlySet<string> | undefined, filter: (p: Pod) => boolean): Pod[] {
  const indexed = ctx.job.spec.completionMode === 'Indexed';
  const completions = completionsOf(ctx.job) ?? 0;
  const out: Pod[] = [];
  for (const p of ctx.pods) {
    const uid = p.metadata.uid ?? '';
    if (!hasTrackingFinalizer(p) || uncounted?.has(uid) || ctx.expectedRmFinalizers.has(uid)) continue;
    if (indexed && !validIndex(completionIndexOf(p), completions)) continue;
    if (filter(p)) out.push(p);
  }
  return out;
}

/**
 * getPodsWithDelayedDeletionPerIndex: for each index with no active pod that neither succeeded nor
 * failed, its latest failed pod, whose finalizer stays until the replacement pod carries its
 * failure count forward.
 */
export function podsWithDelayedDeletionPerIndex(ctx: SyncJobContext): Map<number, Pod> {
  const active = new Set(indexesOf(ctx.activePods));
  const completions = completionsOf(ctx.job) ?? 0;
  const out = new Map<number, Pod>();
  validPodsWithFilter(ctx, undefined, (p) => {
    if (!isPodFailed(p, ctx.job)) return false;
    const ix = completionIndexOf(p);
    if (!validIndex(ix, completions)) return false;
    if (ctx.succeededIndexes.has(ix) || ctx.failedIndexes?.has(ix) || active.has(ix)) return false;
    const last = out.get(ix);
    if (!last || (indexAbsoluteFailureCount(last) <= indexAbsoluteFailureCount(p) && finishedTime(p) >= finishedTime(last))) out.set(ix, p);
    return false;
  });
  return out;
}

/** getNewIndexFailureCounts: the failure-count annotations of the pod replacing `replaced`. */
export function newIndexFailureCounts(job: Job, replaced: Pod | undefined): { failed: number; ignored: number } {
  if (!replaced) return { failed: 0, ignored: 0 };
  let failed = indexFailureCount(replaced);
  let ignored = indexIgnoredFailureCount(replaced);
  if (job.spec.podFailurePolicy && !matchPodFailurePolicy(job.spec.podFailurePolicy, replaced).countFailed) ignored++;
  else failed++;
  return { failed, ignored };
}
