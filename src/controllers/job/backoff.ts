// The pod-failure back-off (pkg/controller/job/backoff_utils.go, v1.32): after the n-th failure
// since the last success, the next pod is created no sooner than 10 s × 2^(n-1) (capped at 10 min)
// after the last failure finished. The record lives in the controller's memory, keyed by Job, and
// is only advanced when the pods that changed it have been written to the Job's status (so a
// failed status write does not count a failure twice). With backoffLimitPerIndex the count comes
// from each index's failure-count annotation instead.

import { finishedTime, indexAbsoluteFailureCount } from './job-pods.js';
import { MAX_POD_FAILURE_BACKOFF_MS, POD_FAILURE_BACKOFF_MS, type Pod } from './types.js';

export interface BackoffRecord {
  key: string;
  failuresAfterLastSuccess: number;
  /** ms since the epoch. */
  lastFailureTime?: number;
}

export class BackoffStore {
  private readonly records = new Map<string, BackoffRecord>();

  get(key: string): BackoffRecord | undefined {
    return this.records.get(key);
  }

  update(record: BackoffRecord): void {
    this.records.set(record.key, { ...record });
  }

  remove(key: string): void {
    this.records.delete(key);
  }

  get size(): number {
    return this.records.size;
  }

  /**
   * newBackoffRecord: the record after these newly finished pods. A success resets the count to
   * the failures that finished after the latest success.
   */
  next(key: string, newSucceeded: readonly Pod[], newFailed: readonly Pod[]): BackoffRecord {
    const old = this.records.get(key);
    const rec: BackoffRecord = old ? { ...old } : { key, failuresAfterLastSuccess: 0 };
    const failedTimes = newFailed.map(finishedTime).sort((a, b) => a - b);
    if (newSucceeded.length === 0) {
      if (failedTimes.length === 0) return rec;
      rec.failuresAfterLastSuccess += failedTimes.length;
      rec.lastFailureTime = failedTimes[failedTimes.length - 1];
      return rec;
    }
    rec.failuresAfterLastSuccess = 0;
    rec.lastFailureTime = undefined;
    if (failedTimes.length === 0) return rec;
    const lastSuccess = Math.max(...newSucceeded.map(finishedTime));
    for (let i = failedTimes.length - 1; i >= 0; i--) {
      if (failedTimes[i] <= lastSuccess) break;
      rec.lastFailureTime ??= failedTimes[i];
      rec.failuresAfterLastSuccess++;
    }
    return rec;
  }
}

/** getRemainingTimeForFailuresCount (ms): how long until a pod may be created again. */
export function remainingBackoffMs(now: number, failures: number, lastFailureTime: number | undefined, baseMs = POD_FAILURE_BACKOFF_MS, maxMs = MAX_POD_FAILURE_BACKOFF_MS): number {
  if (failures <= 0 || lastFailureTime === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < failures; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = now - lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** getRemainingTimePerIndex: the back-off of an index whose last failed pod is `lastFailed`. */
export function remainingBackoffPerIndexMs(now: number, lastFailed: Pod | undefined): number {
  if (!lastFailed) return 0;
  return remainingBackoffMs(now, indexAbsoluteFailureCount(lastFailed) + 1, finishedTime(lastFailed));
}
