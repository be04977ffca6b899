// Counting finished pods without ever losing or double-counting one
// (trackJobStatusAndRemoveFinalizers and friends, pkg/controller/job/job_controller.go, v1.32):
//  1. finished pods that still hold the tracking finalizer go into
//     status.uncountedTerminatedPods (Indexed Jobs: succeeded pods straight into completedIndexes),
//     and the interim FailureTarget/SuccessCriteriaMet condition is added; this is written first;
//  2. then their finalizers are removed;
//  3. uids whose finalizer is gone move from uncountedTerminatedPods into succeeded/failed;
//  4. once nothing is uncounted and no pod is terminating, the terminal condition
//     (Complete/Failed, same reason and message) and completionTime are added, with events.
// A controller restart between any two steps finds the pods either still holding the finalizer
// or listed as uncounted, so each is counted exactly once.

import { ApiError } from '../../api/errors.js';
import { newCondition, ensureConditionStatus, findCondition } from './conditions.js';
import type { JobSyncEnv } from './env.js';
import { completionIndexOf, completionsOf, hasTrackingFinalizer, isIndexedJob, isPodFailed, UNKNOWN_INDEX, hasBackoffLimitPerIndex } from './job-pods.js';
import { sortedUnique } from './intervals.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import type { SyncJobContext } from './sync-context.js';
import { MAX_UNCOUNTED_PODS, withGvk, type Job, type JobCondition, type JobStatus, type Pod } from './types.js';

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;

export function isSuccessCriteriaMet(c: JobCondition | undefined): boolean {
  return !!c && c.type === 'SuccessCriteriaMet' && c.status === 'True';
}

function uncountedOf(status: JobStatus): { succeeded: string[]; failed: string[] } {
  const u = status.uncountedTerminatedPods ?? {};
  const out = { succeeded: [...(u.succeeded ?? [])], failed: [...(u.failed ?? [])] };
  status.uncountedTerminatedPods = out;
  return out;
}

/**
 * cleanUncountedPodsWithoutFinalizers: uids no longer holding a finalizer leave the uncounted
 * lists and bump succeeded/failed. Returns whether anything changed.
 */
export function cleanUncountedPods(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): boolean {
  const u = uncountedOf(status);
  let changed = false;
  const keepS = u.succeeded.filter((uid) => uidsWithFinalizer.has(uid));
  if (keepS.length !== u.succeeded.length) {
    changed = true;
    status.succeeded = (status.succeeded ?? 0) + (u.succeeded.length - keepS.length);
    u.succeeded = keepS;
  }
  const keepF = u.failed.filter((uid) => uidsWithFinalizer.has(uid));
  if (keepF.length !== u.failed.length) {
    changed = true;
    status.failed = (status.failed ?? 0) + (u.failed.length - keepF.length);
    u.failed = keepF;
  }
  status.uncountedTerminatedPods = u;
  return changed;
}

/**
 * canRemoveFinalizer: always once the Job is being deleted or finishing, or for a succeeded pod;
 * for a failed pod unless it is the one kept until its index's replacement exists.
 */
function canRemoveFinalizer(ctx: SyncJobContext, pod: Pod, considerFailed: boolean): boolean {
  if (ctx.job.metadata.deletionTimestamp || ctx.finishedCondition || pod.status?.phase === 'Succeeded') return true;
  if (!considerFailed) return false;
  if (hasBackoffLimitPerIndex(ctx.job)) {
    const ix = completionIndexOf(pod);
    if (ix !== UNKNOWN_INDEX && ctx.podsWithDelayedDeletionPerIndex.get(ix)?.metadata.uid === pod.metadata.uid) return false;
  }
  return true;
}

/** The status as written: zero counters left out, as Go's omitempty does (ready and terminating stay). */
function wireStatus(status: JobStatus): JobStatus {
  const s: JobStatus = { ...status };
  for (const k of ['active', 'succeeded', 'failed'] as const) if (!s[k]) delete s[k];
  const u = s.uncountedTerminatedPods;
  if (u) {
    const w: { succeeded?: string[]; failed?: string[] } = {};
    if (u.succeeded?.length) w.succeeded = u.succeeded;
    if (u.failed?.length) w.failed = u.failed;
    s.uncountedTerminatedPods = w;
  }
  if (s.completedIndexes === '') delete s.completedIndexes;
  return s;
}

export class StatusTracker {
  constructor(private readonly env: JobSyncEnv) {}

  private async writeStatus(job: Job): Promise<Job> {
    const stored = await this.env.api.updateJobStatus({ ...job, status: wireStatus(job.status ?? {}) });
    // Keep working on what the server stored, with our (possibly richer) in-memory status.
    return { ...stored, status: { ...job.status, ...stored.status, uncountedTerminatedPods: uncountedCopy(stored.status) } };
  }

  async track(key: string, ctx: SyncJobContext, needsFlushIn: boolean): Promise<void> {
    let needsFlush = needsFlushIn;
    const job = ctx.job;
    const status = (job.status ??= {});
    const indexed = isIndexedJob(job);
    const completions = completionsOf(job) ?? 0;
    const pods = indexed ? [...ctx.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : ctx.pods;
    const uidsWithFinalizer = new Set<string>();
    for (const p of pods) {
      const uid = p.metadata.uid ?? '';
      if (hasTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
    }
    if (cleanUncountedPods(status, uidsWithFinalizer)) needsFlush = true;
    const uncounted = status.uncountedTerminatedPods as { succeeded: string[]; failed: string[] };
    const toRemove: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMax = false;
    for (const pod of pods) {
      const uid = pod.metadata.uid ?? '';
      if (!hasTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue; // counted in an earlier sync
      const considerFailed = isPodFailed(pod, job);
      if (!canRemoveFinalizer(ctx, pod, considerFailed)) continue;
      toRemove.push(pod);
      if (pod.status?.phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
        if (indexed) {
          // The index is enough to never count it twice; no uid needed.
          const ix = completionIndexOf(pod);
          if (ix !== UNKNOWN_INDEX && ix < completions && !ctx.prevSucceededIndexes.has(ix)) {
            newSucceededIndexes.push(ix);
            needsFlush = true;
          }
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          needsFlush = true;
          uncounted.succeeded.push(uid);
        }
      } else if (considerFailed || (ctx.finishedCondition && !isSuccessCriteriaMet(ctx.finishedCondition))) {
        // A failing Job counts every pod it stops as failed.
        const ix = completionIndexOf(pod);
        if (!ctx.uncounted.failed.has(uid) && (!indexed || (ix !== UNKNOWN_INDEX && ix < completions))) {
          if (!job.spec.podFailurePolicy || matchPodFailurePolicy(job.spec.podFailurePolicy, pod).countFailed) {
            needsFlush = true;
            uncounted.failed.push(uid);
          }
        }
      }
      if (newSucceededIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
        // Bounded status size and bounded work per sync; the status write brings the Job back.
        reachedMax = true;
        break;
      }
    }
    if (indexed) {
      ctx.succeededIndexes = ctx.succeededIndexes.withIndexes(sortedUnique(newSucceededIndexes));
      const s = ctx.succeededIndexes.toString();
      if (s !== (status.completedIndexes ?? '')) needsFlush = true;
      status.succeeded = ctx.succeededIndexes.total();
      status.completedIndexes = s;
      const failed = ctx.failedIndexes?.toString();
      if (failed !== (status.failedIndexes ?? undefined)) {
        status.failedIndexes = failed;
        needsFlush = true;
      }
    }
    const now = () => this.env.clock.now();
    if (ctx.finishedCondition?.type === 'FailureTarget') {
      // Written before any finalizer goes, so the reason survives a controller restart.
      status.conditions = [...(status.conditions ?? []), ctx.finishedCondition];
      needsFlush = true;
      ctx.finishedCondition = newCondition('Failed', 'True', ctx.finishedCondition.reason ?? '', ctx.finishedCondition.message ?? '', now());
    }
    if (isSuccessCriteriaMet(ctx.finishedCondition)) {
      const c = ctx.finishedCondition!;
      if (findCondition(status.conditions, 'SuccessCriteriaMet')?.status !== 'True') {
        status.conditions = [...(status.conditions ?? []), c];
        needsFlush = true;
      }
      ctx.finishedCondition = newCondition('Complete', 'True', c.reason ?? '', c.message ?? '', now());
    }
    needsFlush = await this.flushAndRemoveFinalizers(key, ctx, toRemove, uidsWithFinalizer, needsFlush);
    const finished = !reachedMax && this.enactFinished(ctx);
    if (finished) needsFlush = true;
    if (needsFlush) {
      ctx.job = await this.writeStatus(ctx.job);
      if (finished) this.recordFinished(withGvk(ctx.job), ctx.finishedCondition!);
    }
  }

  /**
   * flushUncountedAndRemoveFinalizers: write the uncounted uids (and interim condition), remove
   * the finalizers, move the uids whose finalizer is gone into the counters. Returns whether a
   * status write is still pending; throws the first finalizer-removal error after writing what
   * progress was made.
   */
  private async flushAndRemoveFinalizers(key: string, ctx: SyncJobContext, toRemove: Pod[], uidsWithFinalizer: Set<string>, needsFlushIn: boolean): Promise<boolean> {
    let needsFlush = needsFlushIn;
    if (needsFlush) {
      ctx.job = await this.writeStatus(ctx.job);
      // Only now that the pods that moved it are recorded does the back-off advance.
      this.env.backoff.update(ctx.newBackoffRecord);
      needsFlush = false;
    }
    let rmErr: unknown;
    if (toRemove.length > 0) {
      const uids = toRemove.map((p) => p.metadata.uid ?? '');
      this.env.finalizerExpectations.expectRemoved(key, uids);
      await Promise.all(
        toRemove.map(async (pod) => {
          const uid = pod.metadata.uid ?? '';
          try {
            await this.env.api.removeTrackingFinalizer(pod);
          } catch (err) {
            // No pod update will show this removal.
            this.env.finalizerExpectations.removalObserved(key, uid);
            if (!isNotFound(err)) {
              rmErr ??= err;
              return;
            }
          }
          uidsWithFinalizer.delete(uid);
        }),
      );
    }
    if (cleanUncountedPods(ctx.job.status ??= {}, uidsWithFinalizer)) needsFlush = true;
    if (rmErr !== undefined) {
      if (needsFlush) ctx.job = await this.writeStatus(ctx.job);
      throw rmErr;
    }
    return needsFlush;
  }

  /** enactJobFinished: the terminal condition, once nothing is uncounted or terminating. */
  private enactFinished(ctx: SyncJobContext): boolean {
    const fc = ctx.finishedCondition;
    if (!fc) return false;
    const status = (ctx.job.status ??= {});
    const u = status.uncountedTerminatedPods;
    if ((u?.succeeded?.length ?? 0) + (u?.failed?.length ?? 0) > 0) return false;
    if (ctx.terminating > 0) return false;
    const now = this.env.clock.now();
    [status.conditions] = ensureConditionStatus(status.conditions, fc.type as 'Complete' | 'Failed', fc.status, fc.reason ?? '', fc.message ?? '', now);
    if (fc.type === 'Complete') status.completionTime = findCondition(status.conditions, 'Complete')?.lastTransitionTime ?? fc.lastTransitionTime;
    return true;
  }

  /** recordJobFinished: events for the terminal condition. */
  private recordFinished(job: Job, fc: JobCondition): void {
    if (fc.type === 'Complete') {
      const completions = completionsOf(job);
      if (completions !== undefined && (job.status?.succeeded ?? 0) > completions) {
        this.env.recorder.event(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
      }
      this.env.recorder.event(job, 'Normal', 'Completed', 'Job completed');
    } else {
      this.env.recorder.event(job, 'Warning', fc.reason ?? '', fc.message ?? '');
    }
  }
}

function uncountedCopy(status: JobStatus | undefined): { succeeded: string[]; failed: string[] } {
  const u = status?.uncountedTerminatedPods ?? {};
  return { succeeded: [...(u.succeeded ?? [])], failed: [...(u.failed ?? [])] };
}
