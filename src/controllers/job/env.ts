// What a Job sync needs from the outside world: the API calls (behind an interface so unit tests
// can run a sync against fakes), events, the clock, the in-memory expectations and back-off
// records, and a way to come back later.

import type { KObject } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { ControllerExpectations } from '../shared/expectations.js';
import type { BackoffStore } from './backoff.js';
import type { Job, Pod } from './types.js';

export interface JobApi {
  createPod(namespace: string, pod: Pod): Promise<Pod>;
  /** DELETE with default options; rejects with the ApiError (404 included). */
  deletePod(namespace: string, name: string): Promise<void>;
  /** Strategic-merge patch removing the tracking finalizer. */
  removeTrackingFinalizer(pod: Pod): Promise<void>;
  /** PUT /status; resolves with the stored Job. */
  updateJobStatus(job: Job): Promise<Job>;
}

export interface EventSink {
  event(obj: KObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/**
 * Pod uids whose tracking-finalizer removal was sent but not yet seen by the informer
 * (uidTrackingExpectations): the sync must not count those pods again meanwhile.
 */
export class FinalizerExpectations {
  private readonly byJob = new Map<string, Set<string>>();

  expectRemoved(jobKey: string, uids: readonly string[]): void {
    let s = this.byJob.get(jobKey);
    if (!s) this.byJob.set(jobKey, (s = new Set()));
    for (const u of uids) s.add(u);
  }

  removalObserved(jobKey: string, uid: string): void {
    const s = this.byJob.get(jobKey);
    if (!s) return;
    s.delete(uid);
    if (s.size === 0) this.byJob.delete(jobKey);
  }

  expected(jobKey: string): ReadonlySet<string> {
    return new Set(this.byJob.get(jobKey) ?? []);
  }

  delete(jobKey: string): void {
    this.byJob.delete(jobKey);
  }
}

export interface JobSyncEnv {
  clock: Clock;
  api: JobApi;
  recorder: EventSink;
  expectations: ControllerExpectations;
  finalizerExpectations: FinalizerExpectations;
  backoff: BackoffStore;
  /** Re-queue the Job's key after `ms` (the controller keeps the earliest pending time). */
  enqueueAfter(key: string, ms: number): void;
}
