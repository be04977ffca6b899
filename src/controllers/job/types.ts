// The shapes the Job controller reads and writes (batch/v1 Job as the API server returns it, with
// defaults applied), and the names of pkg/controller/job and k8s.io/api/batch/v1 (v1.32).

import type { LabelSelector } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { PodTemplateSpec } from '../shared/pod-utils.js';

export const COMPONENT = 'job-controller';
/** The manager name the controller's writes carry in managedFields. */
export const FIELD_MANAGER = 'kube-controller-manager';

/** batch.JobTrackingFinalizer: on every pod the controller creates, removed once the pod is counted. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** Annotation and (PodIndexLabel, GA 1.32) label of Indexed Job pods. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_INDEX_FAILURE_COUNT = 'batch.kubernetes.io/job-index-failure-count';
export const JOB_INDEX_IGNORED_FAILURE_COUNT = 'batch.kubernetes.io/job-index-ignored-failure-count';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** spec.managedBy value that means "this controller" (absent means the same). */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

/** DefaultJobPodFailureBackOff / MaxJobPodFailureBackOff (the docs say six minutes; the code caps at ten). */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 10 * 60_000;
/** DefaultJobApiBackOff / MaxJobApiBackOff: the work queue's per-key retry back-off. */
export const API_BACKOFF_MS = 1_000;
export const MAX_API_BACKOFF_MS = 60_000;
/** syncJobBatchPeriod: pod events and status-only Job updates are folded into one sync per second. */
export const SYNC_BATCH_PERIOD_MS = 1_000;
/** MaxUncountedPods: cap of status.uncountedTerminatedPods (keeps the status under ~20 KB). */
export const MAX_UNCOUNTED_PODS = 500;
/** MaxPodCreateDeletePerSync. */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** names.MaxGeneratedNameLength: generateName prefixes are cut to leave room for 5 random characters. */
export const MAX_GENERATED_NAME_LENGTH = 58;

export type ConditionType = 'Suspended' | 'Complete' | 'Failed' | 'FailureTarget' | 'SuccessCriteriaMet';

export const Reason = {
  BackoffLimitExceeded: 'BackoffLimitExceeded',
  DeadlineExceeded: 'DeadlineExceeded',
  PodFailurePolicy: 'PodFailurePolicy',
  MaxFailedIndexesExceeded: 'MaxFailedIndexesExceeded',
  FailedIndexes: 'FailedIndexes',
  SuccessPolicy: 'SuccessPolicy',
  CompletionsReached: 'CompletionsReached',
} as const;

export const Message = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
  MaxFailedIndexesExceeded: 'Job has exceeded the specified maximal number of failed indexes',
  FailedIndexes: 'Job has failed indexes',
  CompletionsReached: 'Reached expected number of succeeded pods',
} as const;

export interface JobCondition {
  type: ConditionType | string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
  reason?: string;
  message?: string;
}

export interface OnExitCodes {
  containerName?: string | null;
  operator: 'In' | 'NotIn' | string;
  values: number[];
}

export interface OnPodConditionsPattern {
  type: string;
  status?: string;
}

export interface PodFailurePolicyRule {
  action: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex' | string;
  onExitCodes?: OnExitCodes | null;
  onPodConditions?: OnPodConditionsPattern[] | null;
}

export interface SuccessPolicyRule {
  succeededIndexes?: string | null;
  succeededCount?: number | null;
}

export interface JobSpec {
  parallelism?: number | null;
  completions?: number | null;
  activeDeadlineSeconds?: number | null;
  backoffLimit?: number | null;
  backoffLimitPerIndex?: number | null;
  maxFailedIndexes?: number | null;
  podFailurePolicy?: { rules: PodFailurePolicyRule[] } | null;
  successPolicy?: { rules: SuccessPolicyRule[] } | null;
  selector?: LabelSelector | null;
  manualSelector?: boolean | null;
  template: PodTemplateSpec;
  ttlSecondsAfterFinished?: number | null;
  completionMode?: 'NonIndexed' | 'Indexed' | string | null;
  suspend?: boolean | null;
  podReplacementPolicy?: 'TerminatingOrFailed' | 'Failed' | string | null;
  managedBy?: string | null;
}

export interface UncountedTerminatedPods {
  succeeded?: string[] | null;
  failed?: string[] | null;
}

export interface JobStatus {
  conditions?: JobCondition[] | null;
  startTime?: string | null;
  completionTime?: string | null;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number | null;
  completedIndexes?: string;
  failedIndexes?: string | null;
  uncountedTerminatedPods?: UncountedTerminatedPods | null;
  ready?: number | null;
}

export interface Job extends KObject {
  spec: JobSpec;
  status?: JobStatus;
}

export type Pod = KObject;

export const JOB_GVK = { apiVersion: 'batch/v1', kind: 'Job' } as const;

/** The Job with kind and apiVersion set (list items may lack them; events and PUT bodies need both). */
export function withGvk<T extends KObject>(job: T): T {
  return job.kind && job.apiVersion ? job : { ...job, ...JOB_GVK };
}
