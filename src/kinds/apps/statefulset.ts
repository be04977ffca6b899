// apps/v1 StatefulSet: SetDefaults_StatefulSet (OrderedReady, RollingUpdate with partition 0,
// PVC retention Retain/Retain, replicas 1, revisionHistoryLimit 10), ValidateStatefulSetSpec/
// Update/Status, the registry strategy and printStatefulSet.
// Note: up to v1.33 upstream does NOT validate the pod spec of a StatefulSet template (only its
// labels, annotations, restartPolicy and activeDeadlineSeconds); a bad container shows up later as
// a FailedCreate event. We keep that, so users see the same behaviour.

import { RenderedValue, type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import { type IntOrString, intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../../api/intstr.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { goIntOrStringValue, goQuote } from '../../api/validation/go-format.js';
import { validateAnnotations, validateLabels } from '../../api/validation/object-meta.js';
import type { KindDef } from '../types.js';
import { isObject, obj, objs, setDefault, setDefaultStr, str } from '../core/json-shape.js';
import { defaultPodTemplateSpec, validatePodSpecificAnnotations } from '../core/pod-spec.js';
import { defaultPVCSpec } from '../core/pod-defaults.js';
import { podTemplateWarnings } from '../core/pod-warnings.js';
import { isDecremented, nonNegative } from '../shared/field-checks.js';
import { goLabelSelectorValue, goPointer, goStruct } from '../shared/go-values.js';
import { semanticEqual } from '../shared/semantic-equal.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, age, containerCells, count } from '../shared/table-cells.js';
import { replicasScale, workloadWarnings } from '../shared/workload-hooks.js';
import { alwaysRunningTemplateRules, asSelector, ensureTemplate, selectorMismatch, validateRequiredSelector } from '../shared/workload-template.js';

const SPEC = FieldPath.root('spec');
const STATUS = FieldPath.root('status');

/** Spec fields an update may change; anything else is "Forbidden: updates to statefulset spec ...". */
const MUTABLE_SPEC_FIELDS = new Set(['replicas', 'template', 'updateStrategy', 'minReadySeconds', 'ordinals', 'persistentVolumeClaimRetentionPolicy']);

function defaults(o: KObject): void {
  if (!isObject(o.spec)) o.spec = {};
  const spec = o.spec as JsonObject;
  setDefaultStr(spec, 'podManagementPolicy', 'OrderedReady');
  if (!isObject(spec.updateStrategy)) spec.updateStrategy = {};
  const us = spec.updateStrategy as JsonObject;
  if (us.type === undefined || us.type === null || us.type === '') {
    us.type = 'RollingUpdate';
    if (!isObject(us.rollingUpdate)) us.rollingUpdate = {};
  }
  // Only an existing rollingUpdate block gets a partition: `type: RollingUpdate` alone stays bare.
  if (us.type === 'RollingUpdate' && isObject(us.rollingUpdate)) setDefault(us.rollingUpdate, 'partition', 0);
  if (!isObject(spec.persistentVolumeClaimRetentionPolicy)) spec.persistentVolumeClaimRetentionPolicy = {};
  setDefaultStr(spec.persistentVolumeClaimRetentionPolicy, 'whenDeleted', 'Retain');
  setDefaultStr(spec.persistentVolumeClaimRetentionPolicy, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplateSpec(ensureTemplate(spec));
  // Each claim template is a full PersistentVolumeClaim: v1 writes its type meta and the PVC
  // defaults (volumeMode Filesystem, status.phase Pending).
  for (const pvc of objs(spec.volumeClaimTemplates)) {
    setDefault(pvc, 'apiVersion', 'v1');
    setDefault(pvc, 'kind', 'PersistentVolumeClaim');
    if (!isObject(pvc.spec)) pvc.spec = {};
    defaultPVCSpec(pvc.spec);
    if (!isObject(pvc.status)) pvc.status = {};
    setDefaultStr(pvc.status, 'phase', 'Pending');
  }
  if (isObject(o.status)) {
    setDefault(o.status, 'replicas', 0);
    setDefault(o.status, 'availableReplicas', 0);
  }
}

/**
 * rollingUpdate.maxUnavailable is behind the MaxUnavailableStatefulSet gate (off through v1.34):
 * dropped on write unless the stored object already uses it.
 */
function dropMaxUnavailable(n: KObject, old?: KObject): void {
  const ru = obj(obj(obj(n.spec).updateStrategy).rollingUpdate);
  const oldRu = old ? obj(obj(obj(old.spec).updateStrategy).rollingUpdate) : {};
  if (oldRu.maxUnavailable === undefined || oldRu.maxUnavailable === null) delete ru.maxUnavailable;
}

function validatePolicyType(v: unknown, path: FieldPath): FieldError[] {
  const s = str(v);
  return s === 'Retain' || s === 'Delete' ? [] : [fieldErr.notSupported(String(path), s, ['Retain', 'Delete'])];
}

function rollingUpdateValue(ru: JsonObject): RenderedValue {
  const text = goStruct('apps.RollingUpdateStatefulSetStrategy', [
    ['Partition', String(typeof ru.partition === 'number' ? ru.partition : 0)],
    ['MaxUnavailable', goPointer('intstr.IntOrString', ru.maxUnavailable !== undefined && ru.maxUnavailable !== null)],
  ]);
  return new RenderedValue(text, ru);
}

function validateUpdateStrategy(us: JsonObject, path: FieldPath): FieldError[] {
  const type = str(us.type);
  const ruPath = path.child('rollingUpdate');
  switch (type) {
    case '':
      return [fieldErr.required(String(path))];
    case 'OnDelete':
      return isObject(us.rollingUpdate) ? [fieldErr.invalid(String(ruPath), rollingUpdateValue(us.rollingUpdate), "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      if (!isObject(us.rollingUpdate)) return [];
      const ru = us.rollingUpdate;
      const errs = nonNegative(ru.partition, ruPath.child('partition'));
      if (ru.maxUnavailable !== undefined && ru.maxUnavailable !== null) {
        const mu: IntOrString = typeof ru.maxUnavailable === 'number' || typeof ru.maxUnavailable === 'string' ? ru.maxUnavailable : 0;
        errs.push(...validatePositiveIntOrPercent(mu, ruPath.child('maxUnavailable')));
        if (intOrPercentValue(mu) === 0) errs.push(fieldErr.invalid(String(ruPath.child('maxUnavailable')), goIntOrStringValue(mu), 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(mu, ruPath.child('maxUnavailable')));
      }
      return errs;
    }
    default: {
      const bad = goStruct('apps.StatefulSetUpdateStrategy', [
        ['Type', goQuote(type)],
        ['RollingUpdate', goPointer('apps.RollingUpdateStatefulSetStrategy', isObject(us.rollingUpdate))],
      ]);
      return [fieldErr.invalid(String(path), new RenderedValue(bad, us), "must be 'RollingUpdate' or 'OnDelete'")];
    }
  }
}

/** ValidateStatefulSetSpec */
export function validateStatefulSetSpec(spec: unknown): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  const pmp = str(s.podManagementPolicy);
  if (pmp === '') errs.push(fieldErr.required(String(SPEC.child('podManagementPolicy'))));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(fieldErr.invalid(String(SPEC.child('podManagementPolicy')), pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(obj(s.updateStrategy), SPEC.child('updateStrategy')));
  if (isObject(s.persistentVolumeClaimRetentionPolicy)) {
    const p = SPEC.child('persistentVolumeClaimRetentionPolicy');
    errs.push(...validatePolicyType(s.persistentVolumeClaimRetentionPolicy.whenDeleted, p.child('whenDeleted')));
    errs.push(...validatePolicyType(s.persistentVolumeClaimRetentionPolicy.whenScaled, p.child('whenScaled')));
  }
  errs.push(...nonNegative(s.replicas, SPEC.child('replicas')));
  errs.push(...nonNegative(s.minReadySeconds, SPEC.child('minReadySeconds')));
  if (isObject(s.ordinals)) errs.push(...nonNegative(s.ordinals.start, SPEC.child('ordinals.start')));
  errs.push(...validateRequiredSelector(s.selector, 'statefulset', SPEC.child('selector')));
  const tplPath = SPEC.child('template');
  const selector = asSelector(s.selector);
  if (!selector) errs.push(fieldErr.invalid(String(SPEC.child('selector')), goLabelSelectorValue(s.selector), ''));
  else {
    // ValidatePodTemplateSpecForStatefulSet: metadata only (upstream paths: template.labels, template.annotations).
    const tpl = obj(s.template);
    const meta = obj(tpl.metadata);
    if (!selector.empty()) errs.push(...selectorMismatch(selector, tpl, tplPath));
    errs.push(...validateLabels(isObject(meta.labels) ? (meta.labels as Record<string, string>) : undefined, tplPath.child('labels')));
    errs.push(...validateAnnotations(isObject(meta.annotations) ? (meta.annotations as Record<string, string>) : undefined, tplPath.child('annotations')));
    errs.push(...validatePodSpecificAnnotations(obj(meta.annotations), obj(tpl.spec), tplPath.child('annotations')));
  }
  errs.push(...alwaysRunningTemplateRules(s.template, tplPath, 'StatefulSet'));
  return errs;
}

/** ValidateStatefulSetUpdate: only some spec fields may change. */
export function validateStatefulSetUpdate(spec: unknown, oldSpec: unknown): FieldError[] {
  const a = obj(spec);
  const b = obj(oldSpec);
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (MUTABLE_SPEC_FIELDS.has(k)) continue;
    if (!semanticEqual(a[k], b[k])) {
      return [
        fieldErr.forbidden(
          String(SPEC),
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      ];
    }
  }
  return [];
}

/** ValidateStatefulSetStatus plus the collisionCount rule of ValidateStatefulSetStatusUpdate. */
export function validateStatefulSetStatusUpdate(status: unknown, oldStatus: unknown): FieldError[] {
  const st = obj(status);
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount']) {
    errs.push(...nonNegative(st[f], STATUS.child(f)));
  }
  const replicas = count(st.replicas);
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    if (count(st[f]) > replicas) errs.push(fieldErr.invalid(String(STATUS.child(f)), count(st[f]), 'cannot be greater than status.replicas'));
  }
  if (count(st.availableReplicas) > count(st.readyReplicas)) {
    errs.push(fieldErr.invalid(String(STATUS.child('availableReplicas')), count(st.availableReplicas), 'cannot be greater than status.readyReplicas'));
  }
  if (isDecremented(st.collisionCount, obj(oldStatus).collisionCount)) {
    errs.push(fieldErr.invalid(String(STATUS.child('collisionCount')), count(st.collisionCount), 'cannot be decremented'));
  }
  return errs;
}

export const statefulSetKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  listKind: 'StatefulSetList',
  plural: 'statefulsets',
  singular: 'statefulset',
  namespaced: true,
  // Pod hostnames come from the name, so it must be a DNS label (since v1.26).
  nameValidation: 'label',
  shortNames: ['sts'],
  categories: ['all'],
  generation: true,
  defaults,
  prepareForCreate(o) {
    o.status = { replicas: 0, availableReplicas: 0 };
    dropMaxUnavailable(o);
  },
  prepareForUpdate(n, old) {
    dropMaxUnavailable(n, old);
  },
  validate: (o) => validateStatefulSetSpec(o.spec),
  validateUpdate: (n, old) => validateStatefulSetUpdate(n.spec, old.spec),
  warnings: (o, ctx) => workloadWarnings(o, ctx, false, () => podTemplateWarnings(obj(obj(o.spec).template), SPEC.child('template'))),
  status: {
    validateUpdate: (n, old) => validateStatefulSetStatusUpdate(n.status, old.status),
  },
  scale: replicasScale,
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Ready', type: 'string', description: 'Number of the pod with ready state', priority: 0 },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const [names, images] = containerCells(spec.template);
      return [o.metadata.name, `${count(o.status?.readyReplicas)}/${count(spec.replicas)}`, age(o, now), names, images];
    },
  },
};
