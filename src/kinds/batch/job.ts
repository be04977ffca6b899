// batch/v1 Job: SetDefaults_Job, the registry strategy (selector generation with
// batch.kubernetes.io/controller-uid, status kept apart), ValidateJob/ValidateJobUpdate and printJob.

import { type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { LabelSelector } from '../../api/labels.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { validateLabelSelector } from '../../api/validation/object-meta.js';
import { isDNS1123Label } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { isObject, obj, objs, setDefault, setDefaultStr } from '../core/json-shape.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { podTemplateWarnings } from '../core/pod-warnings.js';
import { humanDuration } from '../../api/duration.js';
import { cloneJson } from '../../api/equality.js';
import { immutable } from '../shared/field-checks.js';
import { goLabelSelectorValue, goStringMapValue } from '../shared/go-values.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, age, containerCells, count, selectorCell, selectorColumn } from '../shared/table-cells.js';
import { workloadWarnings } from '../shared/workload-hooks.js';
import { asSelector, ensureTemplate, selectorMismatch } from '../shared/workload-template.js';
import { validateJobSpecFields } from './job-spec-validation.js';
import { isConditionTrue, validateJobStatusUpdate } from './job-status-validation.js';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const SPEC = FieldPath.root('spec');

/** Defaults a JobSpec embedded anywhere (a Job or a CronJob's jobTemplate): only generated per-field defaults. */
export function defaultJobSpecFields(spec: JsonObject): void {
  for (const rule of objs(obj(spec.podFailurePolicy).rules)) {
    for (const p of objs(rule.onPodConditions)) setDefaultStr(p, 'status', 'True');
  }
  defaultPodTemplateSpec(ensureTemplate(spec));
}

/** SetDefaults_Job */
function defaults(o: KObject): void {
  if (!isObject(o.spec)) o.spec = {};
  const spec = o.spec as JsonObject;
  // A non-parallel Job may leave both unset: both become 1. Only parallelism alone means a work queue.
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  if (spec.backoffLimit === undefined || spec.backoffLimit === null) {
    spec.backoffLimit = spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6;
  }
  const tplLabels = obj(spec.template).metadata?.labels;
  // Upstream assigns the very same map, so labels generated into the template later also show on
  // the Job. We alias too, and un-alias in prepareForCreate/prepareForUpdate.
  if (isObject(tplLabels) && Object.keys(o.metadata.labels ?? {}).length === 0) o.metadata.labels = tplLabels as Record<string, string>;
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  if (spec.podReplacementPolicy === undefined || spec.podReplacementPolicy === null) {
    spec.podReplacementPolicy = isObject(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  }
  setDefault(spec, 'manualSelector', false);
  defaultJobSpecFields(spec);
}

/**
 * generateSelector: unless manualSelector, label the template with the job's name and uid (legacy
 * and batch.kubernetes.io/ keys, keeping user-set values for validation to judge) and select on
 * batch.kubernetes.io/controller-uid.
 */
function generateSelector(o: KObject): void {
  const spec = obj(o.spec);
  if (spec.manualSelector === true) return;
  const tpl = ensureTemplate(spec);
  if (!isObject(tpl.metadata)) tpl.metadata = {};
  if (!isObject(tpl.metadata.labels)) tpl.metadata.labels = {};
  const labels = tpl.metadata.labels as Record<string, string>;
  const name = o.metadata.name ?? '';
  const uid = o.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  if (!isObject(spec.selector)) spec.selector = {};
  if (!isObject(spec.selector.matchLabels)) spec.selector.matchLabels = {};
  if (!(CONTROLLER_UID_LABEL in spec.selector.matchLabels)) spec.selector.matchLabels[CONTROLLER_UID_LABEL] = uid;
}

function unaliasLabels(o: KObject): void {
  if (o.metadata.labels) o.metadata.labels = { ...o.metadata.labels };
}

/** ValidateHasLabel */
function hasLabel(labels: unknown, key: string, want: string, path: FieldPath): FieldError[] {
  const l = obj(labels);
  const p = String(path.child('labels').key(key));
  if (!(key in l)) return [fieldErr.required(p, `must be '${want}'`)];
  return l[key] === want ? [] : [fieldErr.invalid(p, goStringMapValue(labels), `must be '${want}'`)];
}

/** validateGeneratedSelector (with the prefixed labels required, as for every Job created since v1.27). */
function validateGeneratedSelector(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  if (spec.manualSelector === true || !isObject(spec.selector)) return [];
  const errs: FieldError[] = [];
  const uid = o.metadata.uid ?? '';
  const name = o.metadata.name ?? '';
  if (uid === '') errs.push(fieldErr.required('metadata.uid'));
  const tplMeta = SPEC.child('template', 'metadata');
  const labels = obj(obj(spec.template).metadata).labels;
  errs.push(...hasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid, tplMeta));
  errs.push(...hasLabel(labels, LEGACY_JOB_NAME_LABEL, name, tplMeta));
  errs.push(...hasLabel(labels, CONTROLLER_UID_LABEL, uid, tplMeta));
  errs.push(...hasLabel(labels, JOB_NAME_LABEL, name, tplMeta));
  const expected = { [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: name, [LEGACY_CONTROLLER_UID_LABEL]: uid, [LEGACY_JOB_NAME_LABEL]: name };
  const selector = asSelector(spec.selector);
  if (selector && !selector.matches(expected)) {
    errs.push(fieldErr.invalid('spec.selector', goLabelSelectorValue(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

/** ValidateJob (object metadata is checked by the generic layer). */
export function validateJob(o: KObject): FieldError[] {
  const spec = obj(o.spec);
  const errs = validateGeneratedSelector(o);
  errs.push(...validateJobSpecFields(spec, SPEC));
  if (!isObject(spec.selector)) errs.push(fieldErr.required(String(SPEC.child('selector'))));
  else errs.push(...validateLabelSelector(spec.selector as LabelSelector, SPEC.child('selector')));
  // Whether manual or generated, the selector must match the pods the Job will create.
  const selector = asSelector(spec.selector);
  if (selector) errs.push(...selectorMismatch(selector, spec.template, SPEC.child('template')));
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    // Pod hostnames are "<job>-<index>".
    const host = `${o.metadata.name ?? ''}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length > 0) {
      errs.push(fieldErr.invalid('metadata.name', o.metadata.name ?? '', `will not able to create pod with invalid DNS label: ${host}`));
    }
  }
  return errs;
}

/**
 * validatePodTemplateUpdate: the template is immutable, except that a suspended Job that never
 * started may change its scheduling directives, labels and annotations.
 */
function validateTemplateUpdate(n: KObject, old: KObject): FieldError[] {
  const tpl = obj(obj(n.spec).template);
  let oldTpl = obj(obj(old.spec).template);
  const mutableScheduling = obj(old.spec).suspend === true && !obj(old.status).startTime;
  if (mutableScheduling) {
    oldTpl = cloneJson(oldTpl);
    const s = obj(tpl.spec);
    if (!isObject(oldTpl.spec)) oldTpl.spec = {};
    const os = oldTpl.spec as JsonObject;
    if (!isObject(s.affinity) && isObject(os.affinity)) {
      delete os.affinity.nodeAffinity;
      if (Object.keys(os.affinity).length === 0) delete os.affinity;
    } else if (isObject(s.affinity) && !isObject(os.affinity)) {
      os.affinity = { nodeAffinity: s.affinity.nodeAffinity };
    } else if (isObject(s.affinity) && isObject(os.affinity)) {
      os.affinity.nodeAffinity = s.affinity.nodeAffinity;
    }
    os.nodeSelector = s.nodeSelector;
    os.tolerations = s.tolerations;
    os.schedulingGates = s.schedulingGates;
    if (!isObject(oldTpl.metadata)) oldTpl.metadata = {};
    oldTpl.metadata.annotations = obj(tpl.metadata).annotations;
    oldTpl.metadata.labels = obj(tpl.metadata).labels;
  }
  return immutable(tpl, oldTpl, SPEC.child('template'));
}

/** ValidateJobSpecUpdate's immutability rules (the spec itself is validated by validateJob). */
export function validateJobUpdate(n: KObject, old: KObject): FieldError[] {
  const s = obj(n.spec);
  const os = obj(old.spec);
  const errs: FieldError[] = [];
  // validateCompletions: elastic Indexed Jobs may change completions together with parallelism.
  if (s.completionMode === 'Indexed') {
    if (s.completions !== os.completions && typeof s.completions === 'number' && s.completions !== s.parallelism) {
      errs.push(fieldErr.invalid(String(SPEC.child('completions')), s.completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else {
    errs.push(...immutable(s.completions, os.completions, SPEC.child('completions')));
  }
  errs.push(...immutable(s.selector, os.selector, SPEC.child('selector'), goLabelSelectorValue));
  errs.push(...validateTemplateUpdate(n, old));
  for (const f of ['completionMode', 'podFailurePolicy', 'backoffLimitPerIndex', 'managedBy', 'successPolicy']) {
    errs.push(...immutable(s[f], os[f], SPEC.child(f)));
  }
  return errs;
}

/** WarningsForJobSpec: very large Indexed Jobs, then the pod template's warnings. */
export function jobSpecWarnings(specIn: unknown, path: FieldPath): string[] {
  const spec = obj(specIn);
  const w: string[] = [];
  if (spec.completionMode === 'Indexed' && count(spec.completions) > 100_000 && count(spec.parallelism) > 10_000) {
    w.push(
      `${path}: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail`,
    );
  }
  w.push(...podTemplateWarnings(obj(spec.template), path.child('template')));
  return w;
}

/** printJob's Status cell: terminal conditions first, then deletion, suspension, failure target. */
export function jobStatusCell(o: KObject): string {
  if (isConditionTrue(o.status, 'Complete')) return 'Complete';
  if (isConditionTrue(o.status, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (isConditionTrue(o.status, 'Suspended')) return 'Suspended';
  if (isConditionTrue(o.status, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

/** printJob's Completions cell: "s/c", or for work-queue Jobs "s/1 of p" (p > 1) or "s/1". */
export function jobCompletionsCell(o: KObject): string {
  const spec = obj(o.spec);
  const succeeded = count(o.status?.succeeded);
  if (typeof spec.completions === 'number') return `${succeeded}/${spec.completions}`;
  const parallelism = count(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

/** printJob's Duration cell: completion - start, or now - start while running, "" before start. */
export function jobDurationCell(o: KObject, now: Date): string {
  const start = typeof o.status?.startTime === 'string' ? Date.parse(o.status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const end = typeof o.status?.completionTime === 'string' ? Date.parse(o.status.completionTime) : NaN;
  return humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
}

export const jobKind: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  listKind: 'JobList',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  generation: true,
  defaults,
  prepareForCreate(o) {
    // metadata.uid is already set: the generated selector and labels use it.
    generateSelector(o);
    // Labels copied from the template on decode (aliased in defaults, or, when the template had
    // none, copied again when the object is read back) include the generated ones.
    if (Object.keys(o.metadata.labels ?? {}).length === 0 && isObject(obj(obj(o.spec).template).metadata?.labels)) {
      o.metadata.labels = obj(o.spec).template.metadata.labels;
    }
    unaliasLabels(o);
    o.status = {};
  },
  prepareForUpdate(n, old) {
    unaliasLabels(n);
  },
  validate: (o) => validateJob(o),
  validateUpdate: (n, old) => validateJobUpdate(n, old),
  warnings: (o, ctx) => workloadWarnings(o, ctx, true, () => jobSpecWarnings(o.spec, SPEC)),
  status: {
    prepareForUpdate: (n) => unaliasLabels(n),
    validateUpdate: (n, old) => validateJobStatusUpdate(n, old),
  },
  fieldSelectors: {
    'status.successful': (o) => String(count(o.status?.succeeded)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Status', type: 'string', description: 'Status of the job.', priority: 0 },
      { name: 'Completions', type: 'string', description: 'The number of pods which reached phase Succeeded.', priority: 0 },
      { name: 'Duration', type: 'string', description: 'Time required to complete the job.', priority: 0 },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that should match the pod count. Normally, the system sets this field for you.'),
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const [names, images] = containerCells(spec.template);
      return [o.metadata.name, jobStatusCell(o), jobCompletionsCell(o), jobDurationCell(o, now), age(o, now), names, images, selectorCell(spec.selector)];
    },
  },
};
