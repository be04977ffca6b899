// The state of one Job sync (upstream's syncJobCtx): the working copy of the Job, its pods, and
// the counts derived from them, shared by the sync steps.

import type { BackoffRecord } from './backoff.js';
import type { OrderedIntervals } from './intervals.js';
import type { Job, JobCondition, Pod } from './types.js';

export interface SyncJobContext {
  /** Working copy of the Job; its status is what gets written. */
  job: Job;
  /** Pods the Job owns (claimed), including terminal and terminating ones. */
  pods: Pod[];
  /** Pods neither terminal nor being deleted. */
  activePods: Pod[];
  /** Set once the Job met its success or failure criteria in this or an earlier sync. */
  finishedCondition?: JobCondition;
  succeeded: number;
  failed: number;
  prevSucceededIndexes: OrderedIntervals;
  succeededIndexes: OrderedIntervals;
  /** Only with backoffLimitPerIndex. */
  failedIndexes?: OrderedIntervals;
  newBackoffRecord: BackoffRecord;
  /** Pod uids whose finalizer removal was issued but not yet observed. */
  expectedRmFinalizers: ReadonlySet<string>;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  /** With backoffLimitPerIndex: the failed pod of each index kept until its replacement exists. */
  podsWithDelayedDeletionPerIndex: Map<number, Pod>;
  terminating: number;
  ready: number;
}
