// apps/v1 DaemonSet: SetDefaults_DaemonSet (RollingUpdate with maxUnavailable 1 / maxSurge 0,
// revisionHistoryLimit 10), ValidateDaemonSet*, the registry strategy (template generation,
// selector immutable in apps/v1) and printDaemonSet.

import { RenderedValue, type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import { type IntOrString, intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../../api/intstr.js';
import type { LabelSelector } from '../../api/labels.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { validateLabelSelector } from '../../api/validation/object-meta.js';
import { goIntOrStringValue, goQuote } from '../../api/validation/go-format.js';
import type { KindDef } from '../types.js';
import { formatLabels, isObject, obj, setDefault, setDefaultStr, str } from '../core/json-shape.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from '../core/pod-spec.js';
import { podTemplateWarnings } from '../core/pod-warnings.js';
import { isDecremented, nonNegative, optionalNonNegative } from '../shared/field-checks.js';
import { goPointer, goStruct } from '../shared/go-values.js';
import { semanticEqual } from '../shared/semantic-equal.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, age, containerCells, count, selectorCell, selectorColumn } from '../shared/table-cells.js';
import { workloadWarnings } from '../shared/workload-hooks.js';
import { alwaysRunningTemplateRules, asSelector, emptySelectorError, ensureTemplate, isEmptySelector, selectorImmutable, selectorMismatch } from '../shared/workload-template.js';

const SPEC = FieldPath.root('spec');
const STATUS = FieldPath.root('status');

/**
 * apps/v1 has no spec.templateGeneration: the internal field travels in this annotation, which the
 * server always writes (1 on create, +1 whenever the template changes).
 */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function defaults(o: KObject): void {
  if (!isObject(o.spec)) o.spec = {};
  const spec = o.spec as JsonObject;
  if (!isObject(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy as JsonObject;
  setDefaultStr(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    if (!isObject(us.rollingUpdate)) us.rollingUpdate = {};
    setDefault(us.rollingUpdate, 'maxUnavailable', 1);
    setDefault(us.rollingUpdate, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureTemplate(spec));
  if (isObject(o.status)) {
    for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']) setDefault(o.status, f, 0);
  }
}

function templateGeneration(o: KObject): number {
  const v = o.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  return v !== undefined && /^[+-]?\d+$/.test(v) ? Number(v) : 0;
}

function setTemplateGeneration(o: KObject, g: number): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(g) };
}

function intOrString(v: unknown): IntOrString {
  return typeof v === 'number' || typeof v === 'string' ? v : 0;
}

/** ValidateRollingUpdateDaemonSet: exactly one of maxSurge and maxUnavailable must be non-zero. */
function validateRollingUpdate(ru: JsonObject, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mu = intOrString(ru.maxUnavailable);
  const ms = intOrString(ru.maxSurge);
  errs.push(...validatePositiveIntOrPercent(mu, path.child('maxUnavailable')));
  errs.push(...validatePositiveIntOrPercent(ms, path.child('maxSurge')));
  errs.push(...isNotMoreThan100Percent(mu, path.child('maxUnavailable')));
  errs.push(...isNotMoreThan100Percent(ms, path.child('maxSurge')));
  const hasUnavailable = intOrPercentValue(mu) !== 0;
  const hasSurge = intOrPercentValue(ms) !== 0;
  if (hasUnavailable && hasSurge) {
    errs.push(fieldErr.invalid(String(path.child('maxSurge')), goIntOrStringValue(ms), 'may not be set when maxUnavailable is non-zero'));
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(fieldErr.required(String(path.child('maxUnavailable')), 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

/** ValidateDaemonSetUpdateStrategy */
function validateUpdateStrategy(us: JsonObject, path: FieldPath): FieldError[] {
  const type = str(us.type);
  if (type === 'OnDelete') return [];
  if (type === 'RollingUpdate') {
    return isObject(us.rollingUpdate) ? validateRollingUpdate(us.rollingUpdate, path.child('rollingUpdate')) : [fieldErr.required(String(path.child('rollingUpdate')))];
  }
  const bad = goStruct('apps.DaemonSetUpdateStrategy', [
    ['Type', goQuote(type)],
    ['RollingUpdate', goPointer('apps.RollingUpdateDaemonSet', isObject(us.rollingUpdate))],
  ]);
  return [fieldErr.notSupported(String(path), new RenderedValue(bad, us), ['RollingUpdate', 'OnDelete'])];
}

/** ValidateDaemonSetSpec */
export function validateDaemonSetSpec(spec: unknown): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  const selPath = SPEC.child('selector');
  const tplPath = SPEC.child('template');
  // Unlike Deployments, a missing selector is reported only as not matching the labels.
  if (isObject(s.selector)) errs.push(...validateLabelSelector(s.selector as LabelSelector, selPath));
  const selector = asSelector(s.selector);
  if (selector) errs.push(...selectorMismatch(selector, s.template, tplPath));
  if (isObject(s.selector) && isEmptySelector(s.selector)) errs.push(emptySelectorError(s.selector, 'daemonset', selPath));
  errs.push(...validatePodTemplateSpec(obj(s.template), tplPath));
  errs.push(...alwaysRunningTemplateRules(s.template, tplPath, 'DaemonSet'));
  errs.push(...nonNegative(s.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...validateUpdateStrategy(obj(s.updateStrategy), SPEC.child('updateStrategy')));
  errs.push(...optionalNonNegative(s.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  return errs;
}

/** validateDaemonSetStatus plus the collisionCount rule of ValidateDaemonSetStatusUpdate. */
export function validateDaemonSetStatusUpdate(status: unknown, oldStatus: unknown): FieldError[] {
  const st = obj(status);
  const errs: FieldError[] = [];
  for (const f of [
    'currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'observedGeneration',
    'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable', 'collisionCount',
  ]) {
    errs.push(...nonNegative(st[f], STATUS.child(f)));
  }
  if (isDecremented(st.collisionCount, obj(oldStatus).collisionCount)) {
    errs.push(fieldErr.invalid(String(STATUS.child('collisionCount')), count(st.collisionCount), 'cannot be decremented'));
  }
  return errs;
}

export const daemonSetKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'DaemonSet',
  listKind: 'DaemonSetList',
  plural: 'daemonsets',
  singular: 'daemonset',
  namespaced: true,
  shortNames: ['ds'],
  categories: ['all'],
  generation: true,
  defaults,
  prepareForCreate(o) {
    o.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
    setTemplateGeneration(o, Math.max(1, templateGeneration(o)));
  },
  prepareForUpdate(n, old) {
    // Users cannot set the template generation; it moves only with the template.
    const prev = templateGeneration(old);
    setTemplateGeneration(n, semanticEqual(obj(n.spec).template, obj(old.spec).template) ? prev : prev + 1);
  },
  validate: (o) => validateDaemonSetSpec(o.spec),
  validateUpdate: (n, old) => selectorImmutable(n.spec, old.spec, SPEC.child('selector')),
  warnings: (o, ctx) => workloadWarnings(o, ctx, false, () => podTemplateWarnings(obj(obj(o.spec).template), SPEC.child('template'))),
  status: {
    validateUpdate: (n, old) => validateDaemonSetStatusUpdate(n.status, old.status),
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod).', priority: 0 },
      { name: 'Current', type: 'integer', description: 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', priority: 0 },
      { name: 'Ready', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', priority: 0 },
      { name: 'Up-to-date', type: 'integer', description: 'The total number of nodes that are running updated daemon pod', priority: 0 },
      { name: 'Available', type: 'integer', description: 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)', priority: 0 },
      { name: 'Node Selector', type: 'string', description: "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node.", priority: 0 },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that are managed by the daemon set. Must match in order to be controlled. It must match the pod template\'s labels.'),
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const st = obj(o.status);
      const [names, images] = containerCells(spec.template);
      return [
        o.metadata.name,
        count(st.desiredNumberScheduled),
        count(st.currentNumberScheduled),
        count(st.numberReady),
        count(st.updatedNumberScheduled),
        count(st.numberAvailable),
        formatLabels(obj(obj(spec.template).spec).nodeSelector),
        age(o, now),
        names,
        images,
        selectorCell(spec.selector),
      ];
    },
  },
};
