// apps/v1 Deployment: SetDefaults_Deployment (replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit
// 10, progressDeadlineSeconds 600), ValidateDeploymentSpec/Status/Update, the registry strategy
// (selector immutable in apps/v1, status and spec kept apart) and printDeployment.

import { RenderedValue, type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import { type IntOrString, intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../../api/intstr.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { goIntOrStringValue, goQuote } from '../../api/validation/go-format.js';
import type { KindDef } from '../types.js';
import { isObject, obj, setDefault, setDefaultStr, str } from '../core/json-shape.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { podTemplateWarnings } from '../core/pod-warnings.js';
import { isDecremented, nonNegative, optionalNonNegative } from '../shared/field-checks.js';
import { goLabelSelectorValue, goPointer, goStruct } from '../shared/go-values.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, age, containerCells, count, selectorColumn } from '../shared/table-cells.js';
import { replicasScale, workloadWarnings } from '../shared/workload-hooks.js';
import { asSelector, ensureTemplate, selectorImmutable, validateRequiredSelector, validateTemplateForReplicaSet } from '../shared/workload-template.js';

const SPEC = FieldPath.root('spec');
const STATUS = FieldPath.root('status');

function defaults(o: KObject): void {
  if (!isObject(o.spec)) o.spec = {};
  const spec = o.spec as JsonObject;
  setDefault(spec, 'replicas', 1);
  if (!isObject(spec.strategy)) spec.strategy = {};
  const strategy = spec.strategy as JsonObject;
  setDefaultStr(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    if (!isObject(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setDefault(strategy.rollingUpdate, 'maxUnavailable', '25%');
    setDefault(strategy.rollingUpdate, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplateSpec(ensureTemplate(spec));
}

function intOrString(v: unknown): IntOrString {
  return typeof v === 'number' || typeof v === 'string' ? v : 0;
}

/** ValidateRollingUpdateDeployment */
function validateRollingUpdate(ru: JsonObject, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const mu = intOrString(ru.maxUnavailable);
  const ms = intOrString(ru.maxSurge);
  errs.push(...validatePositiveIntOrPercent(mu, path.child('maxUnavailable')));
  errs.push(...validatePositiveIntOrPercent(ms, path.child('maxSurge')));
  // Raw values are compared, so "0%" and 0 are both zero.
  if (intOrPercentValue(mu) === 0 && intOrPercentValue(ms) === 0) {
    errs.push(fieldErr.invalid(String(path.child('maxUnavailable')), goIntOrStringValue(mu), 'may not be 0 when `maxSurge` is 0'));
  }
  // Only maxUnavailable is capped: a surge above 100% is allowed.
  errs.push(...isNotMoreThan100Percent(mu, path.child('maxUnavailable')));
  return errs;
}

/** ValidateDeploymentStrategy */
function validateStrategy(strategy: JsonObject, path: FieldPath): FieldError[] {
  const type = str(strategy.type);
  switch (type) {
    case 'Recreate':
      return isObject(strategy.rollingUpdate)
        ? [fieldErr.forbidden(String(path.child('rollingUpdate')), "may not be specified when strategy `type` is 'Recreate'")]
        : [];
    case 'RollingUpdate':
      return isObject(strategy.rollingUpdate)
        ? validateRollingUpdate(strategy.rollingUpdate, path.child('rollingUpdate'))
        : [fieldErr.required(String(path.child('rollingUpdate')), 'this should be defaulted and never be nil')];
    default: {
      const bad = goStruct('apps.DeploymentStrategy', [
        ['Type', goQuote(type)],
        ['RollingUpdate', goPointer('apps.RollingUpdateDeployment', isObject(strategy.rollingUpdate))],
      ]);
      return [fieldErr.notSupported(String(path), new RenderedValue(bad, strategy), ['Recreate', 'RollingUpdate'])];
    }
  }
}

/** ValidateDeploymentSpec */
export function validateDeploymentSpec(spec: unknown): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(s.replicas, SPEC.child('replicas')));
  errs.push(...validateRequiredSelector(s.selector, 'deployment', SPEC.child('selector')));
  const selector = asSelector(s.selector);
  if (!selector) errs.push(fieldErr.invalid(String(SPEC.child('selector')), goLabelSelectorValue(s.selector), 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(s.template, selector, SPEC.child('template')));
  errs.push(...validateStrategy(obj(s.strategy), SPEC.child('strategy')));
  errs.push(...nonNegative(s.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...optionalNonNegative(s.revisionHistoryLimit, SPEC.child('revisionHistoryLimit')));
  if (typeof s.progressDeadlineSeconds === 'number') {
    errs.push(...nonNegative(s.progressDeadlineSeconds, SPEC.child('progressDeadlineSeconds')));
    if (s.progressDeadlineSeconds <= count(s.minReadySeconds)) {
      errs.push(fieldErr.invalid(String(SPEC.child('progressDeadlineSeconds')), s.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

/** ValidateDeploymentStatus plus the collisionCount rule of ValidateDeploymentStatusUpdate. */
export function validateDeploymentStatusUpdate(status: unknown, oldStatus: unknown): FieldError[] {
  const st = obj(status);
  const errs: FieldError[] = [];
  for (const f of ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount']) {
    errs.push(...nonNegative(st[f], STATUS.child(f)));
  }
  const replicas = count(st.replicas);
  for (const f of ['updatedReplicas', 'readyReplicas', 'availableReplicas']) {
    if (count(st[f]) > replicas) errs.push(fieldErr.invalid(String(STATUS.child(f)), count(st[f]), 'cannot be greater than status.replicas'));
  }
  if (count(st.availableReplicas) > count(st.readyReplicas)) {
    errs.push(fieldErr.invalid(String(STATUS.child('availableReplicas')), count(st.availableReplicas), 'cannot be greater than readyReplicas'));
  }
  if (isDecremented(st.collisionCount, obj(oldStatus).collisionCount)) {
    errs.push(fieldErr.invalid(String(STATUS.child('collisionCount')), count(st.collisionCount), 'cannot be decremented'));
  }
  return errs;
}

export const deploymentKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  listKind: 'DeploymentList',
  plural: 'deployments',
  singular: 'deployment',
  namespaced: true,
  shortNames: ['deploy'],
  categories: ['all'],
  generation: true,
  generationOnAnnotations: true,
  defaults,
  prepareForCreate(o) {
    o.status = {};
  },
  validate: (o) => validateDeploymentSpec(o.spec),
  validateUpdate: (n, old) => selectorImmutable(n.spec, old.spec, SPEC.child('selector')),
  warnings: (o, ctx) => workloadWarnings(o, ctx, true, () => podTemplateWarnings(obj(obj(o.spec).template), SPEC.child('template'))),
  status: {
    // Upstream lets Deployment status writes change annotations (the revision annotation).
    resetMetadata: ['labels'],
    // Upstream's status strategy keeps spec and metadata.labels; the generic layer already does both.
    validateUpdate: (n, old) => validateDeploymentStatusUpdate(n.status, old.status),
  },
  scale: replicasScale,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', priority: 0 },
      { name: 'Up-to-date', type: 'string', description: 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', priority: 0 },
      { name: 'Available', type: 'string', description: 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', priority: 0 },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const st = obj(o.status);
      const [names, images] = containerCells(spec.template);
      // printDeployment uses selector.String(), not FormatLabelSelector: an empty selector is "".
      const sel = asSelector(spec.selector);
      return [
        o.metadata.name,
        `${count(st.readyReplicas)}/${count(spec.replicas)}`,
        count(st.updatedReplicas),
        count(st.availableReplicas),
        age(o, now),
        names,
        images,
        sel ? sel.toString() : '<invalid>',
      ];
    },
  },
};
