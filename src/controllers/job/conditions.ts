// Job conditions (pkg/controller/job/job_controller.go and job/util, v1.32).

import { rfc3339 } from '../../util/clock.js';
import type { ConditionType, Job, JobCondition } from './types.js';

export function newCondition(type: ConditionType, status: JobCondition['status'], reason: string, message: string, now: Date): JobCondition {
  const t = rfc3339(now);
  return { type, status, lastProbeTime: t, lastTransitionTime: t, reason, message };
}

export function findCondition(list: readonly JobCondition[] | null | undefined, type: string): JobCondition | undefined {
  return list?.find((c) => c.type === type);
}

export function isConditionTrue(job: Job, type: string): boolean {
  return findCondition(job.status?.conditions, type)?.status === 'True';
}

/** IsJobFinished: Complete or Failed is True. */
export function isJobFinished(job: Job): boolean {
  return isConditionTrue(job, 'Complete') || isConditionTrue(job, 'Failed');
}

export function isJobSucceeded(job: Job): boolean {
  return isConditionTrue(job, 'Complete');
}

/** FinishedCondition: the True terminal condition, if any. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/**
 * ensureJobConditionStatus: replaces an existing condition of `type` when status, reason or
 * message differ (fresh timestamps); appends a new one unless it would be False. Returns the new
 * list and whether it changed; `list` is not modified.
 */
export function ensureConditionStatus(list: readonly JobCondition[] | null | undefined, type: ConditionType, status: JobCondition['status'], reason: string, message: string, now: Date): [JobCondition[], boolean] {
  const cur = list ? [...list] : [];
  const i = cur.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = cur[i];
    if (c.status !== status || (c.reason ?? '') !== reason || (c.message ?? '') !== message) {
      cur[i] = newCondition(type, status, reason, message, now);
      return [cur, true];
    }
    return [cur, false];
  }
  if (status !== 'False') return [[...cur, newCondition(type, status, reason, message, now)], true];
  return [cur, false];
}
