// What the Job controller reads off a Job's spec and its pods (pkg/controller/job: utils,
// indexed_job_utils.go, backoff_utils.go, v1.32): completion indexes, failure-count annotations,
// when a pod counts as failed or terminating, when it finished, and the pod template a Job creates
// pods from (tracking finalizer; for Indexed Jobs the index annotation, label, env and hostname).

import { cloneJson } from '../../api/equality.js';
import { timeMs, type PodTemplateSpec } from '../shared/pod-utils.js';
import {
  COMPLETION_INDEX_ENV,
  JOB_COMPLETION_INDEX,
  JOB_INDEX_FAILURE_COUNT,
  JOB_INDEX_IGNORED_FAILURE_COUNT,
  JOB_TRACKING_FINALIZER,
  MAX_GENERATED_NAME_LENGTH,
  type Job,
  type Pod,
} from './types.js';

export const UNKNOWN_INDEX = -1;
const INT32_MAX = 2147483647;

export const isIndexedJob = (job: Job): boolean => job.spec.completionMode === 'Indexed';
export const jobSuspended = (job: Job): boolean => job.spec.suspend === true;
export const hasBackoffLimitPerIndex = (job: Job): boolean => typeof job.spec.backoffLimitPerIndex === 'number';
/** spec.completions, or undefined for a work-queue Job. */
export const completionsOf = (job: Job): number | undefined => (typeof job.spec.completions === 'number' ? job.spec.completions : undefined);
export const parallelismOf = (job: Job): number => (typeof job.spec.parallelism === 'number' ? job.spec.parallelism : 1);
export const backoffLimitOf = (job: Job): number => (typeof job.spec.backoffLimit === 'number' ? job.spec.backoffLimit : 6);

/** onlyReplaceFailedPods: podReplacementPolicy Failed (always the case with a podFailurePolicy). */
export function onlyReplaceFailedPods(job: Job): boolean {
  return job.spec.podReplacementPolicy === 'Failed' || !!job.spec.podFailurePolicy;
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

const phaseOf = (pod: Pod): string | undefined => pod.status?.phase;

export function isPodTerminal(pod: Pod): boolean {
  const p = phaseOf(pod);
  return p === 'Succeeded' || p === 'Failed';
}

/** IsPodTerminating: being deleted and not yet terminal. */
export function isPodTerminating(pod: Pod): boolean {
  return !!pod.metadata.deletionTimestamp && !isPodTerminal(pod);
}

/**
 * isPodFailed: phase Failed; or, unless only failed pods are replaced, deleted before succeeding
 * (orphaned pods that never reach a terminal phase must count too).
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (phaseOf(pod) === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata.deletionTimestamp && phaseOf(pod) !== 'Succeeded';
}

/** getCompletionIndex: the index annotation as a non-negative integer, else UNKNOWN_INDEX. */
export function completionIndexOf(pod: Pod): number {
  const v = pod.metadata.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return UNKNOWN_INDEX;
  const n = Number(v);
  return n < 0 || !Number.isSafeInteger(n) ? UNKNOWN_INDEX : n;
}

function int32Annotation(pod: Pod, key: string): number {
  const v = pod.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?[0-9]+$/.test(v)) return 0;
  const n = Number(v);
  return n < 0 || n > INT32_MAX ? 0 : n;
}

/** The job-index-failure-count annotation (0 when absent or invalid). */
export const indexFailureCount = (pod: Pod): number => int32Annotation(pod, JOB_INDEX_FAILURE_COUNT);
export const indexIgnoredFailureCount = (pod: Pod): number => int32Annotation(pod, JOB_INDEX_IGNORED_FAILURE_COUNT);
export const indexAbsoluteFailureCount = (pod: Pod): number => indexFailureCount(pod) + indexIgnoredFailureCount(pod);

interface ContainerStatus {
  name: string;
  restartCount?: number;
  state?: { terminated?: { exitCode?: number; finishedAt?: string | null } | null } | null;
}

const containerStatuses = (pod: Pod): ContainerStatus[] => (pod.status?.containerStatuses ?? []) as ContainerStatus[];
const initContainerStatuses = (pod: Pod): ContainerStatus[] => (pod.status?.initContainerStatuses ?? []) as ContainerStatus[];

/** Latest finishedAt of the given statuses, or undefined when one of them has not finished. */
function latestFinish(prev: number | undefined, statuses: ContainerStatus[], include?: (s: ContainerStatus) => boolean): number | undefined {
  let t = prev;
  for (const s of statuses) {
    if (include && !include(s)) continue;
    const at = timeMs(s.state?.terminated?.finishedAt);
    if (!s.state?.terminated || at === 0) return undefined;
    if (t === undefined || t < at) t = at;
  }
  return t;
}

/**
 * getFinishedTime (ms): all containers' latest finishedAt (sidecars included); else the Ready=False
 * transition; else deletionTimestamp - grace period; else creation.
 */
export function finishedTime(pod: Pod): number {
  let t = latestFinish(undefined, containerStatuses(pod));
  if (t !== undefined) {
    const sidecars = new Set(((pod.spec?.initContainers ?? []) as { name: string; restartPolicy?: string }[]).filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
    t = latestFinish(t, initContainerStatuses(pod), (s) => sidecars.has(s.name));
    if (t !== undefined) return t;
  }
  const ready = ((pod.status?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find((c) => c.type === 'Ready');
  if (ready && ready.status === 'False' && timeMs(ready.lastTransitionTime) !== 0) return timeMs(ready.lastTransitionTime);
  if (pod.metadata.deletionTimestamp) return timeMs(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return timeMs(pod.metadata.creationTimestamp);
}

/** Sum of restartCounts of a Running/Pending pod's containers and init containers (pastBackoffLimitOnFailure). */
export function podRestarts(pod: Pod): number {
  const phase = phaseOf(pod);
  if (phase !== 'Running' && phase !== 'Pending') return 0;
  let n = 0;
  for (const s of initContainerStatuses(pod)) n += s.restartCount ?? 0;
  for (const s of containerStatuses(pod)) n += s.restartCount ?? 0;
  return n;
}

/** The terminated state of the pod's containers (then init containers), for failure-policy matching. */
export function terminatedContainers(pod: Pod): { regular: ContainerStatus[]; init: ContainerStatus[] } {
  return { regular: containerStatuses(pod), init: initContainerStatuses(pod) };
}

/** podGenerateNameWithIndex: `<job>-<index>-`, the job part cut to fit MaxGeneratedNameLength. */
export function podGenerateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  const prefix = jobName + suffix;
  return prefix.length > MAX_GENERATED_NAME_LENGTH ? jobName.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix : prefix;
}

interface Container {
  name: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  [k: string]: unknown;
}

/**
 * The template every pod of this Job is created from (a deep copy): the tracking finalizer and,
 * for Indexed Jobs, JOB_COMPLETION_INDEX in every container and init container, read through the
 * downward API from the index label (PodIndexLabel is GA in 1.32).
 */
export function jobPodTemplate(job: Job): PodTemplateSpec {
  const tpl = cloneJson(job.spec.template ?? {}) as PodTemplateSpec;
  tpl.metadata = tpl.metadata ?? {};
  if (isIndexedJob(job)) {
    const spec = (tpl.spec ??= {}) as { containers?: Container[]; initContainers?: Container[] };
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      if (c.env?.some((e) => e.name === COMPLETION_INDEX_ENV)) continue;
      c.env = [...(c.env ?? []), { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${JOB_COMPLETION_INDEX}']` } } }];
    }
  }
  const finalizers = tpl.metadata.finalizers ?? [];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) tpl.metadata.finalizers = [...finalizers, JOB_TRACKING_FINALIZER];
  return tpl;
}

/** The per-index variant of `base`: index annotation and label, hostname, failure-count annotations. */
export function indexedPodTemplate(base: PodTemplateSpec, job: Job, index: number, failureCounts?: { failed: number; ignored: number }): PodTemplateSpec {
  const tpl = cloneJson(base);
  const meta = (tpl.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  meta.labels = { ...(meta.labels ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
  (tpl.spec ??= {}).hostname = `${job.metadata.name}-${index}`;
  if (failureCounts) {
    meta.annotations[JOB_INDEX_FAILURE_COUNT] = String(failureCounts.failed);
    if (failureCounts.ignored > 0) meta.annotations[JOB_INDEX_IGNORED_FAILURE_COUNT] = String(failureCounts.ignored);
  }
  return tpl;
}
