// apps/v1 ReplicaSet: pkg/apis/apps/v1/defaults.go (SetDefaults_ReplicaSet),
// pkg/apis/apps/validation (ValidateReplicaSet*), pkg/registry/apps/replicaset/strategy.go and
// printReplicaSet.

import { type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { KindDef } from '../types.js';
import { isObject, obj, setDefault } from '../core/json-shape.js';
import { defaultPodTemplateSpec } from '../core/pod-spec.js';
import { podTemplateWarnings } from '../core/pod-warnings.js';
import { nonNegative } from '../shared/field-checks.js';
import { goLabelSelectorValue } from '../shared/go-values.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, SELECTOR_DESC, age, containerCells, count, selectorColumn, selectorCell } from '../shared/table-cells.js';
import { replicasScale, workloadWarnings } from '../shared/workload-hooks.js';
import { asSelector, ensureTemplate, selectorImmutable, validateRequiredSelector, validateTemplateForReplicaSet } from '../shared/workload-template.js';

const SPEC = FieldPath.root('spec');
const STATUS = FieldPath.root('status');

function defaults(o: KObject): void {
  if (!isObject(o.spec)) o.spec = {};
  setDefault(o.spec, 'replicas', 1);
  defaultPodTemplateSpec(ensureTemplate(o.spec));
  if (isObject(o.status)) setDefault(o.status, 'replicas', 0);
}

/** ValidateReplicaSetSpec */
export function validateReplicaSetSpec(spec: unknown): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  errs.push(...nonNegative(s.replicas, SPEC.child('replicas')));
  errs.push(...nonNegative(s.minReadySeconds, SPEC.child('minReadySeconds')));
  errs.push(...validateRequiredSelector(s.selector, 'deployment', SPEC.child('selector')));
  const selector = asSelector(s.selector);
  if (!selector) errs.push(fieldErr.invalid(String(SPEC.child('selector')), goLabelSelectorValue(s.selector), 'invalid label selector'));
  else errs.push(...validateTemplateForReplicaSet(s.template, selector, SPEC.child('template')));
  return errs;
}

/** ValidateReplicaSetStatus */
export function validateReplicaSetStatus(status: unknown): FieldError[] {
  const st = obj(status);
  const errs: FieldError[] = [];
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    errs.push(...nonNegative(st[f], STATUS.child(f)));
  }
  const replicas = count(st.replicas);
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    if (count(st[f]) > replicas) errs.push(fieldErr.invalid(String(STATUS.child(f)), count(st[f]), msg));
  }
  if (count(st.availableReplicas) > count(st.readyReplicas)) {
    errs.push(fieldErr.invalid(String(STATUS.child('availableReplicas')), count(st.availableReplicas), 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export const replicaSetKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  listKind: 'ReplicaSetList',
  plural: 'replicasets',
  singular: 'replicaset',
  namespaced: true,
  shortNames: ['rs'],
  categories: ['all'],
  generation: true,
  defaults,
  prepareForCreate(o) {
    // Create cannot set status; v1 always serializes status.replicas.
    o.status = { replicas: 0 };
  },
  validate: (o) => validateReplicaSetSpec(o.spec),
  validateUpdate: (n, old) => selectorImmutable(n.spec, old.spec, SPEC.child('selector')),
  warnings: (o, ctx) => workloadWarnings(o, ctx, true, () => podTemplateWarnings(obj(obj(o.spec).template), SPEC.child('template'))),
  status: {
    validateUpdate: (n) => validateReplicaSetStatus(n.status),
  },
  scale: replicasScale,
  fieldSelectors: {
    'status.replicas': (o) => String(count(o.status?.replicas)),
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Desired', type: 'integer', description: 'Replicas is the number of desired pods.', priority: 0 },
      { name: 'Current', type: 'integer', description: 'Replicas is the most recently observed number of replicas.', priority: 0 },
      { name: 'Ready', type: 'integer', description: 'The number of ready replicas for this replica set.', priority: 0 },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn(SELECTOR_DESC),
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const [names, images] = containerCells(spec.template);
      return [o.metadata.name, count(spec.replicas), count(o.status?.replicas), count(o.status?.readyReplicas), age(o, now), names, images, selectorCell(spec.selector)];
    },
  },
};
