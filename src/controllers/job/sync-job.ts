// One sync of a Job (syncJob and manageJob, pkg/controller/job/job_controller.go, v1.32), given
// the Job from the cache and the pods it owns. In order:
//  - count: new finished pods, succeeded/failed (uncounted ones included), ready, terminating;
//  - set startTime on first start (not while suspended);
//  - decide whether the Job is finishing: an existing SuccessCriteriaMet/FailureTarget, a FailJob
//    rule of the podFailurePolicy, backoffLimit (failed > backoffLimit, or for OnFailure the sum of
//    restarts), activeDeadlineSeconds, per-index limits, the successPolicy;
//  - finishing: delete the active pods; otherwise manage pods (create with the failure back-off and
//    slow start, delete extras, suspend) and check for completion;
//  - write the status through the finalizer-safe tracker (track-status.ts).

import { cloneJson } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import type { OwnerReference } from '../../api/types.js';
import { isPodActive, isPodReady, newPodFromTemplate, type PodTemplateSpec } from '../shared/pod-utils.js';
import { sortPodsForDeletion } from '../shared/pod-ranking.js';
import { remainingBackoffMs, remainingBackoffPerIndexMs } from './backoff.js';
import { ensureConditionStatus, findCondition, isJobFinished, newCondition } from './conditions.js';
import type { JobSyncEnv } from './env.js';
import {
  calculateFailedIndexes,
  calculateSucceededIndexes,
  duplicatedIndexPods,
  firstPendingIndexes,
  newIndexFailureCounts,
  podsWithDelayedDeletionPerIndex,
  validPodsWithFilter,
} from './indexed.js';
import { OrderedIntervals } from './intervals.js';
import {
  backoffLimitOf,
  completionsOf,
  hasBackoffLimitPerIndex,
  hasTrackingFinalizer,
  indexedPodTemplate,
  isIndexedJob,
  isPodFailed,
  isPodTerminating,
  jobPodTemplate,
  jobSuspended,
  onlyReplaceFailedPods,
  parallelismOf,
  podGenerateNameWithIndex,
  podRestarts,
} from './job-pods.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';
import { matchSuccessPolicy } from './success-policy.js';
import type { SyncJobContext } from './sync-context.js';
import { StatusTracker } from './track-status.js';
import { rfc3339 } from '../../util/clock.js';
import { JOB_CONTROLLER_NAME, JOB_GVK, MAX_POD_CREATE_DELETE_PER_SYNC, Message, Reason, SYNC_BATCH_PERIOD_MS, withGvk, type Job, type Pod } from './types.js';

const SLOW_START_INITIAL_BATCH_SIZE = 1;

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === 404;
const isNamespaceTerminating = (err: unknown) =>
  err instanceof ApiError && !!err.details?.causes?.some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');

/** managedByExternalController: the controller name when another controller manages the Job. */
export function managedByExternal(job: Job): string | undefined {
  const m = job.spec?.managedBy;
  return m && m !== JOB_CONTROLLER_NAME ? m : undefined;
}

/** pastBackoffLimitOnFailure: for OnFailure pods, the restarts of running/pending pods reached the limit. */
export function pastBackoffLimitOnFailure(job: Job, pods: readonly Pod[]): boolean {
  if ((job.spec.template?.spec as { restartPolicy?: string } | undefined)?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) restarts += podRestarts(p);
  const limit = backoffLimitOf(job);
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** pastActiveDeadline: running (not suspended) for activeDeadlineSeconds or longer. */
export function pastActiveDeadline(job: Job, now: Date): boolean {
  const ads = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (typeof ads !== 'number' || !start || jobSuspended(job)) return false;
  return now.getTime() - Date.parse(start) >= ads * 1000;
}

/** The number of pods a Job wants running (manageJob's wantActive). */
export function wantActive(job: Job, active: number, succeeded: number): number {
  const completions = completionsOf(job);
  const parallelism = parallelismOf(job);
  // Work queue: once any pod succeeded, no new pods; leave running ones alone.
  if (completions === undefined) return succeeded > 0 ? active : parallelism;
  return Math.max(0, Math.min(completions - succeeded, parallelism));
}

export class JobSyncer {
  private readonly tracker: StatusTracker;

  constructor(private readonly env: JobSyncEnv) {
    this.tracker = new StatusTracker(env);
  }

  private now(): Date {
    return this.env.clock.now();
  }

  /**
   * Syncs `shared` (from the cache; not modified) with its claimed `pods`. `satisfied` says
   * whether the Job's create/delete expectations were met before the pods were listed.
   */
  async sync(key: string, shared: Job, pods: Pod[], satisfied: boolean): Promise<void> {
    if (managedByExternal(shared)) return;
    const job = cloneJson(shared);
    if (isJobFinished(job)) {
      this.env.backoff.remove(key);
      return;
    }
    const mode = job.spec.completionMode;
    if (mode != null && mode !== 'NonIndexed' && mode !== 'Indexed') {
      this.env.recorder.event(withGvk(job), 'Warning', 'UnknownCompletionMode', 'Skipped Job sync because completion mode is unknown');
      return;
    }
    const status = (job.status ??= {});
    const u = status.uncountedTerminatedPods ?? {};
    status.uncountedTerminatedPods = { succeeded: [...(u.succeeded ?? [])], failed: [...(u.failed ?? [])] };
    const activePods = pods.filter(isPodActive);
    const ctx: SyncJobContext = {
      job,
      pods,
      activePods,
      succeeded: 0,
      failed: 0,
      prevSucceededIndexes: OrderedIntervals.empty(),
      succeededIndexes: OrderedIntervals.empty(),
      newBackoffRecord: { key, failuresAfterLastSuccess: 0 },
      expectedRmFinalizers: this.env.finalizerExpectations.expected(key),
      uncounted: { succeeded: new Set(u.succeeded ?? []), failed: new Set(u.failed ?? []) },
      podsWithDelayedDeletionPerIndex: new Map(),
      terminating: pods.filter(isPodTerminating).length,
      ready: activePods.filter(isPodReady).length,
    };
    let active = activePods.length;
    const newSucceeded = validPodsWithFilter(ctx, ctx.uncounted.succeeded, (p) => p.status?.phase === 'Succeeded');
    const newFailed = validPodsWithFilter(ctx, ctx.uncounted.failed, (p) => isPodFailed(p, job));
    const countedNewFailed = job.spec.podFailurePolicy ? newFailed.filter((p) => matchPodFailurePolicy(job.spec.podFailurePolicy, p).countFailed).length : newFailed.length;
    ctx.succeeded = (status.succeeded ?? 0) + newSucceeded.length + ctx.uncounted.succeeded.size;
    ctx.failed = (status.failed ?? 0) + countedNewFailed + ctx.uncounted.failed.size;

    const now = this.now();
    // First start. A Job created suspended gets its startTime when resumed.
    if (!status.startTime && !jobSuspended(job)) status.startTime = rfc3339(now);
    ctx.newBackoffRecord = this.env.backoff.next(key, newSucceeded, newFailed);

    this.decideFinish(key, ctx);

    let manageErr: unknown;
    let suspendCondChanged = false;
    if (ctx.finishedCondition) {
      const [deletedReady, deleted, err] = await this.deleteActivePods(job, ctx.activePods);
      // Pods not yet deleted, or creations not yet seen: not finished yet.
      if (deleted !== active || !satisfied) ctx.finishedCondition = undefined;
      active -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageErr = err;
    } else {
      let manageCalled = false;
      if (satisfied && !job.metadata.deletionTimestamp) {
        [active, manageErr] = await this.manageJob(key, job, ctx);
        manageCalled = true;
      }
      const completions = completionsOf(job);
      const complete = completions === undefined ? ctx.succeeded > 0 && active === 0 : ctx.succeeded >= completions && active === 0;
      if (complete) {
        ctx.finishedCondition = newCondition('SuccessCriteriaMet', 'True', Reason.CompletionsReached, Message.CompletionsReached, this.now());
      } else if (manageCalled) {
        suspendCondChanged = this.updateSuspendCondition(job);
      }
    }

    const needsStatusUpdate =
      suspendCondChanged || active !== (status.active ?? 0) || ctx.ready !== (status.ready ?? undefined) || ctx.terminating !== (status.terminating ?? undefined);
    status.active = active;
    status.ready = ctx.ready;
    status.terminating = ctx.terminating;
    await this.tracker.track(key, ctx, needsStatusUpdate);
    if (manageErr !== undefined) throw manageErr;
  }

  /** The finishing decision, in upstream's order; sets ctx.finishedCondition and per-index state. */
  private decideFinish(key: string, ctx: SyncJobContext): void {
    const job = ctx.job;
    const now = this.now();
    const failure = (reason: string, message: string) => newCondition('FailureTarget', 'True', reason, message, now);
    const scm = findCondition(job.status?.conditions, 'SuccessCriteriaMet');
    if (scm?.status === 'True') ctx.finishedCondition = scm;
    // Once SuccessCriteriaMet is recorded, failures no longer matter.
    if (!ctx.finishedCondition) {
      const ft = findCondition(job.status?.conditions, 'FailureTarget');
      if (ft?.status === 'True') {
        ctx.finishedCondition = newCondition('Failed', 'True', ft.reason ?? '', ft.message ?? '', now);
      } else if (job.spec.podFailurePolicy) {
        for (const p of ctx.pods) {
          if (!isPodFailed(p, job)) continue;
          const m = matchPodFailurePolicy(job.spec.podFailurePolicy, p);
          if (m.failJobMessage) {
            ctx.finishedCondition = failure(Reason.PodFailurePolicy, m.failJobMessage);
            break;
          }
        }
      }
    }
    if (!ctx.finishedCondition) {
      if (ctx.failed > backoffLimitOf(job) || pastBackoffLimitOnFailure(job, ctx.pods)) {
        ctx.finishedCondition = failure(Reason.BackoffLimitExceeded, Message.BackoffLimitExceeded);
      } else if (pastActiveDeadline(job, now)) {
        ctx.finishedCondition = failure(Reason.DeadlineExceeded, Message.DeadlineExceeded);
      } else if (typeof job.spec.activeDeadlineSeconds === 'number' && !jobSuspended(job) && job.status?.startTime) {
        const left = job.spec.activeDeadlineSeconds * 1000 - (now.getTime() - Date.parse(job.status.startTime));
        this.env.enqueueAfter(key, left);
      }
    }
    if (isIndexedJob(job)) {
      const completions = completionsOf(job) ?? 0;
      [ctx.prevSucceededIndexes, ctx.succeededIndexes] = calculateSucceededIndexes(job, ctx.pods);
      ctx.succeeded = ctx.succeededIndexes.total();
      if (hasBackoffLimitPerIndex(job)) {
        const failedIndexes = calculateFailedIndexes(job, ctx.pods);
        ctx.failedIndexes = failedIndexes;
        if (!ctx.finishedCondition) {
          const max = job.spec.maxFailedIndexes;
          if (typeof max === 'number' && failedIndexes.total() > max) {
            ctx.finishedCondition = failure(Reason.MaxFailedIndexesExceeded, Message.MaxFailedIndexesExceeded);
          } else if (failedIndexes.total() > 0 && failedIndexes.total() + ctx.succeededIndexes.total() >= completions) {
            ctx.finishedCondition = failure(Reason.FailedIndexes, Message.FailedIndexes);
          }
        }
        ctx.podsWithDelayedDeletionPerIndex = podsWithDelayedDeletionPerIndex(ctx);
      }
      if (!ctx.finishedCondition) {
        const msg = matchSuccessPolicy(job.spec.successPolicy, completions, ctx.succeededIndexes);
        if (msg) ctx.finishedCondition = newCondition('SuccessCriteriaMet', 'True', Reason.SuccessPolicy, msg, now);
      }
    }
  }

  /** The Suspended condition and its events; on resume, startTime restarts the deadline clock. */
  private updateSuspendCondition(job: Job): boolean {
    const status = job.status!;
    const now = this.now();
    if (jobSuspended(job)) {
      const [conds, changed] = ensureConditionStatus(status.conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      if (changed) status.conditions = conds;
      if (changed) this.env.recorder.event(withGvk(job), 'Normal', 'Suspended', 'Job suspended');
      // The API (JobManagedBy, 1.32) refuses to move the startTime of an unsuspended Job, so the
      // reset on resume only passes from an unset startTime: clear it while suspended (what
      // upstream does since KEP-5440; 1.32 itself fails the resume write, kubernetes#134521).
      if (status.startTime) {
        delete status.startTime;
        return true;
      }
      return changed;
    }
    const [conds, changed] = ensureConditionStatus(status.conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
    if (changed) {
      status.conditions = conds;
      this.env.recorder.event(withGvk(job), 'Normal', 'Resumed', 'Job resumed');
      status.startTime = rfc3339(now);
    }
    return changed;
  }

  /**
   * manageJob: suspend deletes every active pod; otherwise delete extras (or duplicate indexes),
   * or create the missing pods once the failure back-off allows. Returns the new active count.
   */
  private async manageJob(key: string, job: Job, ctx: SyncJobContext): Promise<[number, unknown]> {
    let active = ctx.activePods.length;
    if (jobSuspended(job)) {
      const victims = this.activePodsForRemoval(job, ctx.activePods, active);
      this.env.expectations.expectDeletions(key, victims.length);
      const [removedReady, removed, err] = await this.deleteJobPods(key, job, victims);
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      return [active - removed, err];
    }
    const want = wantActive(job, active, ctx.succeeded);
    let victims = this.activePodsForRemoval(job, ctx.activePods, Math.max(active - want, 0));
    if (victims.length > MAX_POD_CREATE_DELETE_PER_SYNC) victims = victims.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
    if (victims.length > 0) {
      // Deletions take precedence over creations within one sync.
      this.env.expectations.expectDeletions(key, victims.length);
      const [removedReady, removed, err] = await this.deleteJobPods(key, job, victims);
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      return [active - removed, err];
    }
    // With podReplacementPolicy Failed, a terminating pod still holds its place.
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = want - terminating - active;
    if (diff <= 0) return [active, undefined];
    const now = this.now().getTime();
    if (!hasBackoffLimitPerIndex(job)) {
      const wait = remainingBackoffMs(now, ctx.newBackoffRecord.failuresAfterLastSuccess, ctx.newBackoffRecord.lastFailureTime);
      if (wait > 0) {
        this.env.enqueueAfter(key, Math.max(wait, SYNC_BATCH_PERIOD_MS));
        return [active, undefined];
      }
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] | undefined;
    if (isIndexedJob(job)) {
      indexes = firstPendingIndexes(ctx, diff, completionsOf(job) ?? 0);
      if (hasBackoffLimitPerIndex(job)) {
        let minWait: number | undefined;
        const ready: number[] = [];
        for (const ix of indexes) {
          const w = remainingBackoffPerIndexMs(now, ctx.podsWithDelayedDeletionPerIndex.get(ix));
          if (w === 0) ready.push(ix);
          else if (minWait === undefined || w < minWait) minWait = w;
        }
        if (ready.length === 0 && minWait !== undefined) {
          this.env.enqueueAfter(key, Math.max(minWait, SYNC_BATCH_PERIOD_MS));
          return [active, undefined];
        }
        indexes = ready;
      }
      diff = indexes.length;
    }
    return this.createPods(key, job, ctx, diff, indexes, active);
  }

  private async createPods(key: string, job: Job, ctx: SyncJobContext, count: number, indexes: number[] | undefined, activeIn: number): Promise<[number, unknown]> {
    let active = activeIn + count;
    this.env.expectations.expectCreations(key, count);
    const base = jobPodTemplate(job);
    const ref: OwnerReference = { ...JOB_GVK, name: job.metadata.name ?? '', uid: job.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
    const subject = withGvk(job);
    const ns = job.metadata.namespace ?? 'default';
    let firstErr: unknown;
    let next = 0;
    let remaining = count;
    // Slow start: batches of 1, 2, 4...; a batch with an error stops the rest.
    for (let batch = Math.min(remaining, SLOW_START_INITIAL_BATCH_SIZE); remaining > 0; batch = Math.min(2 * batch, remaining)) {
      let failed = false;
      await Promise.all(
        Array.from({ length: batch }, async () => {
          const ix = indexes?.[next++];
          let tpl: PodTemplateSpec = base;
          if (ix !== undefined) {
            const counts = hasBackoffLimitPerIndex(job) ? newIndexFailureCounts(job, ctx.podsWithDelayedDeletionPerIndex.get(ix)) : undefined;
            tpl = indexedPodTemplate(base, job, ix, counts);
          }
          const pod = newPodFromTemplate(tpl, job, ref);
          if (ix !== undefined) pod.metadata.generateName = podGenerateNameWithIndex(job.metadata.name ?? '', ix);
          try {
            const created = await this.env.api.createPod(ns, pod);
            this.env.recorder.event(subject, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
          } catch (err) {
            // A terminating namespace refuses every create; nothing to report or retry.
            if (isNamespaceTerminating(err)) return;
            this.env.recorder.event(subject, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
            // This pod will never be observed.
            this.env.expectations.creationObserved(key);
            active--;
            failed = true;
            firstErr ??= err;
          }
        }),
      );
      remaining -= batch;
      if (failed && remaining > 0) {
        // Never attempted: not expected either; the next sync retries.
        active -= remaining;
        this.env.expectations.lower(key, remaining, 0);
        break;
      }
    }
    return [active, firstErr];
  }

  /**
   * activePodsForRemoval: pods to delete so that at least `rmAtLeast` go: for Indexed Jobs first
   * pods without a valid index and duplicates of an index, then the lowest-ranked.
   */
  private activePodsForRemoval(job: Job, pods: Pod[], rmAtLeast: number): Pod[] {
    const now = this.now();
    let rm: Pod[] = [];
    let left: Pod[] = pods;
    if (isIndexedJob(job)) [rm, left] = duplicatedIndexPods(pods, completionsOf(job) ?? 0, now);
    if (rm.length < rmAtLeast) rm = rm.concat(sortPodsForDeletion(left, [], now).slice(0, rmAtLeast - rm.length));
    return rm;
  }

  /**
   * deleteJobPods: remove each pod's finalizer (so it is not counted as a failure) and delete it.
   * Returns [ready pods removed, pods removed, first error].
   */
  private async deleteJobPods(key: string, job: Job, pods: Pod[]): Promise<[number, number, unknown]> {
    let removed = pods.length;
    let removedReady = 0;
    let firstErr: unknown;
    const subject = withGvk(job);
    const fail = (err: unknown) => {
      // This deletion will never be observed.
      this.env.expectations.deletionObserved(key);
      if (!isNotFound(err)) {
        removed--;
        firstErr ??= err;
      }
    };
    await Promise.all(
      pods.map(async (pod) => {
        if (isPodReady(pod)) removedReady++;
        if (hasTrackingFinalizer(pod)) {
          try {
            await this.env.api.removeTrackingFinalizer(pod);
          } catch (err) {
            fail(err instanceof ApiError ? err : new Error(`removing completion finalizer: ${(err as Error).message}`));
            return;
          }
        }
        try {
          await this.deletePod(subject, pod);
        } catch (err) {
          fail(err);
        }
      }),
    );
    return [removedReady, removed, firstErr];
  }

  /** deleteActivePods: DELETE keeping finalizers (the tracker counts these pods). */
  private async deleteActivePods(job: Job, pods: Pod[]): Promise<[number, number, unknown]> {
    let deleted = pods.length;
    let deletedReady = 0;
    let firstErr: unknown;
    const subject = withGvk(job);
    await Promise.all(
      pods.map(async (pod) => {
        try {
          await this.deletePod(subject, pod);
        } catch (err) {
          if (!isNotFound(err)) {
            deleted--;
            firstErr ??= err;
          }
        }
        if (isPodReady(pod)) deletedReady++;
      }),
    );
    return [deletedReady, deleted, firstErr];
  }

  /** PodControl.DeletePod with its events. */
  private async deletePod(subject: Job, pod: Pod): Promise<void> {
    try {
      await this.env.api.deletePod(pod.metadata.namespace ?? 'default', pod.metadata.name ?? '');
    } catch (err) {
      if (!isNotFound(err)) this.env.recorder.event(subject, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
    this.env.recorder.event(subject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
  }
}

