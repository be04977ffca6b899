// Job status validation for writes to /status, as v1.32 runs it with the JobManagedBy gate on
// (beta, on by default): besides non-negative counters, terminal conditions may not be undone,
// counters may not go down, and a rule that concerns a field only fires when that field changed
// in this write (so a controller can still fix up a status a user's spec change made stale).

import { type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { goTimeValue } from '../../api/validation/go-format.js';
import { isObject, obj, objs, str } from '../core/json-shape.js';
import { invalidOmitValue, nonNegative, optionalNonNegative } from '../shared/field-checks.js';
import { semanticEqual } from '../shared/semantic-equal.js';
import { parseIndexes } from './job-spec-validation.js';

const STATUS = FieldPath.root('status');

export function isConditionTrue(status: unknown, type: string): boolean {
  return objs(obj(status).conditions).some((c) => c.type === type && c.status === 'True');
}

function isComplete(j: KObject): boolean {
  return isConditionTrue(j.status, 'Complete');
}
function isFailed(j: KObject): boolean {
  return isConditionTrue(j.status, 'Failed');
}
function isFinished(j: KObject): boolean {
  return isComplete(j) || isFailed(j);
}
function isFailureTarget(j: KObject): boolean {
  return isConditionTrue(j.status, 'FailureTarget');
}
function isSuccessCriteriaMet(j: KObject): boolean {
  return isConditionTrue(j.status, 'SuccessCriteriaMet');
}

function n(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function has(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** parseIndexInterval: [x, y] of "x" or "x-y", or undefined when malformed. */
function interval(s: string, completions: number): [number, number] | undefined {
  const parts = s.split('-');
  if (parts.length > 2 || !parts.every((p) => /^[+-]?[0-9]+$/.test(p))) return undefined;
  const x = Number(parts[0]);
  const y = parts.length > 1 ? Number(parts[1]) : x;
  return x >= completions || y >= completions ? undefined : [x, y];
}

/** validateFailedIndexesNotOverlapCompleted: a merge walk over both interval lists. */
function overlapError(completed: string, failed: string, completions: number): string | undefined {
  if (!completed || !failed) return undefined;
  const cs = completed.split(',').map((s) => interval(s, completions));
  const fs = failed.split(',').map((s) => interval(s, completions));
  let ci = 0;
  let fi = 0;
  while (ci < cs.length && fi < fs.length) {
    const c = cs[ci];
    const f = fs[fi];
    if (!c) ci++;
    else if (!f) fi++;
    else if (c[0] <= f[1] && f[0] <= c[1]) return `failedIndexes and completedIndexes overlap at index: ${Math.max(c[0], f[0])}`;
    else if (c[0] <= f[0]) ci++;
    else fi++;
  }
  return undefined;
}

function timeOf(v: unknown): number | undefined {
  return typeof v === 'string' ? Date.parse(v) : undefined;
}

/** ValidateJobUpdateStatus (metadata is handled by the generic layer). */
export function validateJobStatusUpdate(job: KObject, old: KObject): FieldError[] {
  const st = obj(job.status);
  const os = obj(old.status);
  const spec = obj(job.spec);
  const errs: FieldError[] = [];
  const indexed = (spec.completionMode ?? 'NonIndexed') === 'Indexed';

  const finishedChanged = isFinished(old) !== isFinished(job);
  const completeChanged = isComplete(old) !== isComplete(job);
  const failedChanged = isFailed(old) !== isFailed(job);
  const failureTargetChanged = isFailureTarget(old) !== isFailureTarget(job);
  const completedIndexesChanged = str(os.completedIndexes) !== str(st.completedIndexes);
  const failedIndexesChanged = (os.failedIndexes ?? null) !== (st.failedIndexes ?? null);
  const activeChanged = n(os.active) !== n(st.active);
  const startChanged = (os.startTime ?? null) !== (st.startTime ?? null);
  const completionChanged = (os.completionTime ?? null) !== (st.completionTime ?? null);
  const uncountedChanged = !semanticEqual(os.uncountedTerminatedPods, st.uncountedTerminatedPods);

  // validateJobStatus
  for (const f of ['active', 'succeeded', 'failed']) errs.push(...nonNegative(st[f], STATUS.child(f)));
  for (const f of ['ready', 'terminating']) errs.push(...optionalNonNegative(st[f], STATUS.child(f)));
  if (isObject(st.uncountedTerminatedPods)) {
    const p = STATUS.child('uncountedTerminatedPods');
    const seen = new Set<string>();
    for (const list of ['succeeded', 'failed']) {
      (Array.isArray(st.uncountedTerminatedPods[list]) ? (st.uncountedTerminatedPods[list] as unknown[]) : []).forEach((raw, i) => {
        const uid = str(raw);
        const ip = p.child(list).index(i);
        if (uid === '') errs.push(fieldErr.invalid(String(ip), uid, 'must not be empty'));
        else if (seen.has(uid)) errs.push(fieldErr.duplicate(String(ip), uid));
        else seen.add(uid);
      });
    }
  }
  const conds = STATUS.child('conditions');
  if ((completeChanged || failedChanged) && isComplete(job) && isFailed(job)) {
    errs.push(invalidOmitValue(conds, 'cannot set Complete=True and Failed=true conditions'));
  }
  if ((completeChanged || failureTargetChanged) && isComplete(job) && isFailureTarget(job)) {
    errs.push(invalidOmitValue(conds, 'cannot set Complete=True and FailureTarget=true conditions'));
  }
  if (completeChanged || completionChanged) {
    if (has(st.completionTime) && !isComplete(job)) {
      errs.push(fieldErr.invalid(String(STATUS.child('completionTime')), goTimeValue(st.completionTime), 'cannot set completionTime when there is no Complete=True condition'));
    }
    if (!has(st.completionTime) && isComplete(job)) errs.push(fieldErr.required(String(STATUS.child('completionTime')), 'completionTime is required for Complete jobs'));
  }
  if (startChanged || completionChanged) {
    const s = timeOf(st.startTime);
    const c = timeOf(st.completionTime);
    if (s !== undefined && c !== undefined && c < s) {
      errs.push(fieldErr.invalid(String(STATUS.child('completionTime')), goTimeValue(st.completionTime), 'completionTime cannot be set before startTime'));
    }
  }
  if ((finishedChanged || activeChanged) && n(st.active) > 0 && isFinished(job)) {
    errs.push(fieldErr.invalid(String(STATUS.child('active')), n(st.active), 'active>0 is invalid for finished job'));
  }
  if ((finishedChanged || startChanged) && !has(st.startTime) && isFinished(job)) {
    errs.push(fieldErr.required(String(STATUS.child('startTime')), 'startTime is required for finished job'));
  }
  if ((finishedChanged || uncountedChanged) && isFinished(job)) {
    const u = obj(st.uncountedTerminatedPods);
    const pending = (Array.isArray(u.failed) ? u.failed.length : 0) + (Array.isArray(u.succeeded) ? u.succeeded.length : 0);
    if (pending > 0) errs.push(fieldErr.invalid(String(STATUS.child('uncountedTerminatedPods')), st.uncountedTerminatedPods, 'uncountedTerminatedPods needs to be empty for finished job'));
  }
  const completions = typeof spec.completions === 'number' ? spec.completions : undefined;
  if (completedIndexesChanged && completions !== undefined) {
    try {
      parseIndexes(str(st.completedIndexes), completions);
    } catch (e) {
      errs.push(fieldErr.invalid(String(STATUS.child('completedIndexes')), str(st.completedIndexes), `error parsing completedIndexes: ${(e as Error).message}`));
    }
  }
  if (failedIndexesChanged && completions !== undefined && has(spec.backoffLimitPerIndex) && has(st.failedIndexes)) {
    try {
      parseIndexes(str(st.failedIndexes), completions);
    } catch (e) {
      errs.push(fieldErr.invalid(String(STATUS.child('failedIndexes')), str(st.failedIndexes), `error parsing failedIndexes: ${(e as Error).message}`));
    }
  }
  if (completedIndexesChanged && str(st.completedIndexes) !== '' && !indexed) {
    errs.push(fieldErr.invalid(String(STATUS.child('completedIndexes')), str(st.completedIndexes), 'cannot set non-empty completedIndexes when non-indexed completion mode'));
  }
  if (failedIndexesChanged && !has(spec.backoffLimitPerIndex) && has(st.failedIndexes)) {
    errs.push(fieldErr.invalid(String(STATUS.child('failedIndexes')), str(st.failedIndexes), 'cannot set non-null failedIndexes when backoffLimitPerIndex is null'));
  }
  if ((failedIndexesChanged || completedIndexesChanged) && completions !== undefined && has(st.failedIndexes)) {
    const msg = overlapError(str(st.completedIndexes), str(st.failedIndexes), completions);
    if (msg) errs.push(fieldErr.invalid(String(STATUS.child('failedIndexes')), str(st.failedIndexes), msg));
  }
  if (isSuccessCriteriaMet(job) && isFailed(job)) errs.push(invalidOmitValue(conds, 'cannot set SuccessCriteriaMet=True and Failed=true conditions'));
  if (isSuccessCriteriaMet(job) && isFailureTarget(job)) errs.push(invalidOmitValue(conds, 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'));
  if (has(spec.successPolicy) && !isSuccessCriteriaMet(job) && isComplete(job)) {
    errs.push(invalidOmitValue(conds, 'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True'));
  }

  // ValidateJobStatusUpdate
  for (const type of ['Failed', 'Complete', 'FailureTarget']) {
    if (isConditionTrue(old.status, type) && !isConditionTrue(job.status, type)) {
      errs.push(invalidOmitValue(conds, `cannot disable the terminal ${type}=True condition`));
    }
  }
  if (n(st.failed) < n(os.failed)) errs.push(fieldErr.invalid(String(STATUS.child('failed')), n(st.failed), 'cannot decrease the failed counter'));
  // Elastic Indexed Jobs (completions == parallelism) may be scaled down, succeeded with them.
  const mayDecreaseSucceeded = indexed && has(spec.completions) && spec.completions === spec.parallelism;
  if (!mayDecreaseSucceeded && n(st.succeeded) < n(os.succeeded)) {
    errs.push(fieldErr.invalid(String(STATUS.child('succeeded')), n(st.succeeded), 'cannot decrease the succeeded counter'));
  }
  if (has(st.completionTime) && has(os.completionTime) && timeOf(st.completionTime) !== timeOf(os.completionTime)) {
    errs.push(fieldErr.invalid(String(STATUS.child('completionTime')), goTimeValue(st.completionTime), 'completionTime cannot be mutated'));
  }
  if (startChanged && has(os.startTime) && spec.suspend !== true) {
    errs.push(fieldErr.required(String(STATUS.child('startTime')), 'startTime cannot be removed for unsuspended job'));
  }
  if (isSuccessCriteriaMet(old) && !isSuccessCriteriaMet(job)) errs.push(invalidOmitValue(conds, 'cannot disable the SuccessCriteriaMet=True condition'));
  if (isComplete(old) && !isSuccessCriteriaMet(old) && isSuccessCriteriaMet(job)) {
    errs.push(invalidOmitValue(conds, 'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions'));
  }
  return errs;
}
