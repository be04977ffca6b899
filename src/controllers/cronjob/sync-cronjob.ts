// One sync of a CronJob (CronJobControllerV2.sync, syncCronJob and cleanupFinishedJobs,
// pkg/controller/cronjob/cronjob_controllerv2.go, v1.32), given the CronJob from the cache and the
// Jobs it controls:
//  1. history: delete the oldest finished Jobs beyond successfulJobsHistoryLimit/failedJobsHistoryLimit;
//  2. reconcile status.active with the children (SawCompletedJob, UnexpectedJob, MissingJob) and
//     lastSuccessfulTime;
//  3. unless being deleted, suspended, or the zone/schedule is unusable: find the most recent
//     unmet schedule time; skip it when too late (MissSchedule), already done, or Forbid with a
//     running Job; Replace deletes the running Jobs; create the Job and record it;
//  4. write the status once if anything changed, and come back just after the next schedule time.

import { goQuote } from '../../api/cron/go-duration.js';
import { CronParseError, parseCronSchedule, type CronSchedule } from '../../api/cron/schedule.js';
import { loadLocationError } from '../../api/cron/time-zone.js';
import { cloneJson } from '../../api/equality.js';
import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { rfc3339, type Clock } from '../../util/clock.js';
import { CRONJOB_GVK, jobFromTemplate, jobNameFor, rfc1123zUtc } from './job-from-template.js';
import { nextScheduleTime, nextScheduleTimeDuration, type CronTimes } from './schedule-times.js';

export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

export interface CronJobStatus {
  active?: ObjectReference[] | null;
  lastScheduleTime?: string | null;
  lastSuccessfulTime?: string | null;
}

export interface CronJob extends KObject {
  spec: {
    schedule: string;
    timeZone?: string | null;
    startingDeadlineSeconds?: number | null;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace' | string;
    suspend?: boolean | null;
    jobTemplate: { metadata?: KObject['metadata']; spec?: unknown };
    successfulJobsHistoryLimit?: number | null;
    failedJobsHistoryLimit?: number | null;
  };
  status?: CronJobStatus;
}

export interface CronJobApi {
  getCronJob(namespace: string, name: string): Promise<CronJob>;
  /** Rejects with the ApiError (404 when missing). */
  getJob(namespace: string, name: string): Promise<KObject>;
  createJob(namespace: string, job: KObject): Promise<KObject>;
  /** DELETE with background propagation. */
  deleteJob(namespace: string, name: string): Promise<void>;
  updateStatus(cj: CronJob): Promise<CronJob>;
}

export interface CronJobEventSink {
  event(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface CronJobSyncEnv {
  clock: Clock;
  api: CronJobApi;
  recorder: CronJobEventSink;
}

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;
const isNamespaceTerminating = (err: unknown) =>
  err instanceof ApiError && !!err.details?.causes?.some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');

interface Condition {
  type: string;
  status: string;
}

/** The True Complete or Failed condition type of a Job, if finished. */
export function finishedType(job: KObject): 'Complete' | 'Failed' | undefined {
  for (const c of (job.status?.conditions ?? []) as Condition[]) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

const timeOf = (t: string | null | undefined): number | undefined => (t ? Date.parse(t) : undefined);

/** byJobStartTime: by status.startTime (unset last), then name. */
export function compareByStartTime(a: KObject, b: KObject): number {
  const sa = timeOf(a.status?.startTime);
  const sb = timeOf(b.status?.startTime);
  if (sa === undefined && sb !== undefined) return 1;
  if (sa !== undefined && sb === undefined) return -1;
  if (sa === sb) return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
  return sa! - sb!;
}

/** The ObjectReference status.active holds for a Job (ref.GetReference). */
export function jobRef(job: KObject): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

/**
 * formatSchedule: the schedule with the CronJob's zone as a TZ= prefix. A schedule that carries
 * TZ itself is kept (legacy objects), with a warning when `warn` is given.
 */
export function formatSchedule(cj: CronJob, warn?: CronJobEventSink): string {
  const schedule = cj.spec.schedule ?? '';
  if (schedule.includes('TZ')) {
    warn?.event(cj, 'Warning', 'UnsupportedSchedule', `CRON_TZ or TZ used in schedule ${goQuote(schedule)} is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details`);
    return schedule;
  }
  const tz = cj.spec.timeZone;
  if (tz != null) return loadLocationError(tz) ? schedule : `TZ=${tz} ${schedule}`;
  return schedule;
}

export interface SyncResult {
  requeueAfterMs?: number;
}

export class CronJobSyncer {
  /** Parsed schedules by their formatted text (parsing is the costly part of a sync). */
  private readonly schedules = new Map<string, CronSchedule>();

  constructor(private readonly env: CronJobSyncEnv) {}

  /** Parses `spec` (cached, with memoized next times); throws CronParseError. */
  parse(spec: string): CronSchedule {
    let s = this.schedules.get(spec);
    if (!s) {
      s = new MemoSchedule(parseCronSchedule(spec));
      if (this.schedules.size > 10_000) this.schedules.clear();
      this.schedules.set(spec, s);
    }
    return s;
  }

  private withKind(cj: CronJob): CronJob {
    return cj.kind && cj.apiVersion ? cj : { ...cj, ...CRONJOB_GVK };
  }

  /** The whole sync: history cleanup, syncCronJob, one status write. Throws to be retried with back-off. */
  async sync(shared: CronJob, jobs: readonly KObject[]): Promise<SyncResult> {
    const cj = this.withKind(cloneJson(shared));
    cj.status ??= {};
    const cleaned = await this.cleanupFinishedJobs(cj, jobs);
    const { requeueAfterMs, updateStatus, error } = await this.syncCronJob(cj, jobs);
    if (cleaned || updateStatus) {
      // An empty list is left out, as Go's omitempty does.
      if (cj.status?.active && cj.status.active.length === 0) delete cj.status.active;
      await this.env.api.updateStatus(cj);
    }
    if (requeueAfterMs !== undefined) return { requeueAfterMs };
    if (error !== undefined) throw error;
    return {};
  }

  private event(cj: CronJob, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.env.recorder.event(cj, type, reason, message);
  }

  /** deleteJob: the Job (background cascade), then its entry in status.active. */
  private async deleteJob(cj: CronJob, job: KObject): Promise<boolean> {
    try {
      await this.env.api.deleteJob(job.metadata.namespace ?? '', job.metadata.name ?? '');
    } catch (err) {
      this.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      return false;
    }
    removeActive(cj, job.metadata.uid);
    this.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
    return true;
  }

  /** cleanupFinishedJobs: returns whether status.active changed. */
  private async cleanupFinishedJobs(cj: CronJob, jobs: readonly KObject[]): Promise<boolean> {
    const successLimit = cj.spec.successfulJobsHistoryLimit;
    const failedLimit = cj.spec.failedJobsHistoryLimit;
    if (successLimit == null && failedLimit == null) return false;
    const succeeded: KObject[] = [];
    const failed: KObject[] = [];
    for (const j of jobs) {
      const t = finishedType(j);
      if (t === 'Complete') succeeded.push(j);
      else if (t === 'Failed') failed.push(j);
    }
    let changed = false;
    if (successLimit != null && (await this.removeOldestJobs(cj, succeeded, successLimit))) changed = true;
    if (failedLimit != null && (await this.removeOldestJobs(cj, failed, failedLimit))) changed = true;
    return changed;
  }

  private async removeOldestJobs(cj: CronJob, jobs: KObject[], max: number): Promise<boolean> {
    const n = jobs.length - max;
    if (n <= 0) return false;
    const sorted = [...jobs].sort(compareByStartTime);
    let changed = false;
    for (let i = 0; i < n; i++) if (await this.deleteJob(cj, sorted[i])) changed = true;
    return changed;
  }

  /** syncCronJob: reconcile status with the children, then maybe start a Job. */
  private async syncCronJob(cjIn: CronJob, jobs: readonly KObject[]): Promise<{ requeueAfterMs?: number; updateStatus: boolean; error?: unknown }> {
    let cj = cjIn;
    const now = this.env.clock.now().getTime();
    let updateStatus = false;
    const children = new Set<string>();
    for (const j of jobs) {
      const uid = j.metadata.uid ?? '';
      children.add(uid);
      const found = inActive(cj, uid);
      const finished = finishedType(j);
      if (!found && !finished) {
        // Maybe our own status write is not in the cache yet.
        const fresh = this.withKind(await this.env.api.getCronJob(cj.metadata.namespace ?? '', cj.metadata.name ?? ''));
        if (inActive(fresh, uid)) {
          // Carry on from the fresher object, as upstream does.
          Object.assign(cj, { metadata: fresh.metadata, spec: fresh.spec, status: cloneJson(fresh.status ?? {}) });
          continue;
        }
        this.event(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata.name}`);
      } else if (finished) {
        if (found) {
          removeActive(cj, uid);
          this.event(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata.name}, condition: ${finished}`);
          updateStatus = true;
        }
        if (finished === 'Complete') {
          // Finished Jobs need not be active to move lastSuccessfulTime.
          const ct = timeOf(j.status?.completionTime);
          if (ct !== undefined && ct > (timeOf(cj.status!.lastSuccessfulTime) ?? -Infinity)) {
            cj.status!.lastSuccessfulTime = j.status?.completionTime;
            updateStatus = true;
          }
        }
      }
    }
    // Active entries whose Job is gone (checked live: the cache may just be slow).
    for (const ref of [...(cj.status!.active ?? [])]) {
      if (children.has(ref.uid ?? '')) continue;
      try {
        await this.env.api.getJob(ref.namespace ?? '', ref.name ?? '');
      } catch (err) {
        if (!isCode(err, 404)) return { updateStatus, error: err };
        this.event(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        removeActive(cj, ref.uid);
        updateStatus = true;
      }
    }
    if (cj.metadata.deletionTimestamp) return { updateStatus };

    const tz = cj.spec.timeZone;
    if (tz != null) {
      const err = loadLocationError(tz);
      if (err) {
        this.event(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${goQuote(tz)}: ${err}`);
        return { updateStatus };
      }
    }
    if (cj.spec.suspend === true) return { updateStatus };

    let sched: CronSchedule;
    try {
      sched = this.parse(formatSchedule(cj, this.env.recorder));
    } catch (err) {
      if (!(err instanceof CronParseError)) throw err;
      this.event(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${goQuote(cj.spec.schedule)} : ${err.message}`);
      return { updateStatus };
    }
    const times: CronTimes = { creationTimestamp: cj.metadata.creationTimestamp, lastScheduleTime: cj.status!.lastScheduleTime, startingDeadlineSeconds: cj.spec.startingDeadlineSeconds };
    const next = nextScheduleTime(times, now, sched);
    if (next.tooManyMissed) this.event(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    if (next.error) {
      this.event(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec.schedule} : ${next.error}`);
      return { updateStatus };
    }
    const requeue = () => nextScheduleTimeDuration({ ...times, lastScheduleTime: cj.status!.lastScheduleTime }, now, sched);
    const scheduled = next.time;
    if (scheduled === undefined) return { requeueAfterMs: requeue(), updateStatus };

    const sds = cj.spec.startingDeadlineSeconds;
    if (typeof sds === 'number' && scheduled + sds * 1000 < now) {
      // Too late. lastScheduleTime stays, so this is noticed (and reported) again each sync.
      this.event(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123zUtc(scheduled)}`);
      return { requeueAfterMs: requeue(), updateStatus };
    }
    const name = jobNameFor(cj.metadata.name ?? '', scheduled);
    const alreadyDone = (cj.status!.active ?? []).some((r) => r.name === name && r.namespace === cj.metadata.namespace) || timeOf(cj.status!.lastScheduleTime) === scheduled;
    if (alreadyDone) return { requeueAfterMs: requeue(), updateStatus };
    const policy = cj.spec.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (cj.status!.active ?? []).length > 0) {
      // The time stays unmet: it may still start when the running Job ends (within the deadline).
      this.event(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      return { requeueAfterMs: requeue(), updateStatus };
    }
    if (policy === 'Replace') {
      for (const ref of [...(cj.status!.active ?? [])]) {
        let job: KObject;
        try {
          job = await this.env.api.getJob(ref.namespace ?? '', ref.name ?? '');
        } catch (err) {
          this.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
          return { updateStatus, error: err };
        }
        if (!(await this.deleteJob(cj, job))) return { updateStatus, error: new Error(`could not replace job ${job.metadata.namespace}/${job.metadata.name}`) };
        updateStatus = true;
      }
    }

    const req = jobFromTemplate(cj, scheduled);
    let created: KObject;
    try {
      created = await this.env.api.createJob(cj.metadata.namespace ?? '', req);
      this.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    } catch (err) {
      if (isNamespaceTerminating(err)) return { updateStatus, error: err };
      if (!isCode(err, 409)) {
        this.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        return { updateStatus, error: err };
      }
      // The name is the lock: this run exists. If it is ours but not recorded (a crash between the
      // create and the status write), record it now; otherwise someone else handles it.
      try {
        created = await this.env.api.getJob(cj.metadata.namespace ?? '', req.metadata.name!);
      } catch (getErr) {
        return { updateStatus, error: getErr };
      }
      const owner = created.metadata.ownerReferences?.find((r) => r.controller);
      if (!owner || owner.uid !== cj.metadata.uid) return { updateStatus };
      if (inActive(cj, created.metadata.uid ?? '')) return { updateStatus };
    }
    cj.status!.active = [...(cj.status!.active ?? []), jobRef(created)];
    cj.status!.lastScheduleTime = rfc3339(new Date(scheduled));
    updateStatus = true;
    return { requeueAfterMs: requeue(), updateStatus };
  }
}

/**
 * A schedule whose next() answers are remembered: every sync asks for the times after
 * lastScheduleTime (or creation) again until the next run, and robfig's Next only depends on the
 * whole second it starts from.
 */
class MemoSchedule implements CronSchedule {
  private readonly memo = new Map<number, number | null>();

  constructor(private readonly inner: CronSchedule) {}

  get location(): string | undefined {
    return this.inner.location;
  }

  next(after: Date, timeZone?: string): Date | null {
    if (timeZone !== undefined) return this.inner.next(after, timeZone);
    const key = Math.floor(after.getTime() / 1000);
    let v = this.memo.get(key);
    if (v === undefined) {
      v = this.inner.next(after)?.getTime() ?? null;
      if (this.memo.size >= 256) this.memo.clear();
      this.memo.set(key, v);
    }
    return v === null ? null : new Date(v);
  }
}

function inActive(cj: CronJob, uid: string): boolean {
  return (cj.status?.active ?? []).some((r) => r.uid === uid);
}

function removeActive(cj: CronJob, uid: string | undefined): void {
  const status = (cj.status ??= {});
  status.active = (status.active ?? []).filter((r) => r.uid !== uid);
}

/** For the controller's update handler: when a schedule change needs the next sync (ms), or the parse error. */
export function requeueForScheduleChange(syncer: CronJobSyncer, cj: CronJob, now: number): { ms?: number; error?: string } {
  try {
    const sched = syncer.parse(formatSchedule(cj));
    return { ms: nextScheduleTimeDuration({ creationTimestamp: cj.metadata.creationTimestamp, lastScheduleTime: cj.status?.lastScheduleTime, startingDeadlineSeconds: cj.spec.startingDeadlineSeconds }, now, sched) };
  } catch (err) {
    if (err instanceof CronParseError) return { error: err.message };
    throw err;
  }
}
