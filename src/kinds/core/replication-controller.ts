// ReplicationController (core/v1): pkg/registry/core/replicationcontroller/strategy.go.
// The selector is a plain map defaulted (with the object's labels) from the template labels;
// templates must use restartPolicy Always and no activeDeadlineSeconds.

import { FieldError, FieldPath, RenderedValue, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Label } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { formatLabels, hasKeys, isObject, num, obj } from './json-shape.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec } from './pod-spec.js';
import { podTemplateWarnings } from './pod-warnings.js';
import { AGE_COLUMN, NAME_COLUMN, col, containerCells, since } from './table-cells.js';

type Errs = FieldError[];

const NEGATIVE = 'must be greater than or equal to 0';

/** `%#v` of a map[string]string, keys sorted as Go's fmt prints maps. */
function goStringMap(m: JsonObject): RenderedValue {
  const body = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`)
    .join(', ');
  return new RenderedValue(`map[string]string{${body}}`, m);
}

function selectorMatches(selector: JsonObject, labels: JsonObject): boolean {
  return Object.keys(selector).every((k) => labels[k] === selector[k]);
}

export function validateReplicationController(rc: KObject): Errs {
  const errs: Errs = [];
  const spec = obj(rc.spec);
  const p = FieldPath.root('spec');
  const nonNeg = (f: string, v: number) => v < 0 && errs.push(fieldErr.invalid(String(p.child(f)), v, NEGATIVE));
  nonNeg('minReadySeconds', num(spec.minReadySeconds));
  const selector = obj(spec.selector);
  if (!hasKeys(selector)) errs.push(fieldErr.required(String(p.child('selector'))));
  nonNeg('replicas', num(spec.replicas));
  const tp = p.child('template');
  if (!isObject(spec.template)) {
    errs.push(fieldErr.required(String(tp)));
    return errs;
  }
  const tpl = spec.template;
  const labels = obj(obj(tpl.metadata).labels);
  if (hasKeys(selector) && !selectorMatches(selector, labels)) {
    errs.push(fieldErr.invalid(String(tp.child('metadata', 'labels')), goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(tpl, tp));
  const tspec = obj(tpl.spec);
  if (tspec.restartPolicy !== 'Always') errs.push(fieldErr.notSupported(String(tp.child('spec', 'restartPolicy')), tspec.restartPolicy ?? '', ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.forbidden(String(tp.child('spec', 'activeDeadlineSeconds')), 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

export function validateReplicationControllerStatus(rc: KObject): Errs {
  const errs: Errs = [];
  const st = obj(rc.status);
  const p = FieldPath.root('status');
  for (const f of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
    if (num(st[f]) < 0) errs.push(fieldErr.invalid(String(p.child(f)), num(st[f]), NEGATIVE));
  }
  const msg = 'cannot be greater than status.replicas';
  for (const f of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas']) {
    if (num(st[f]) > num(st.replicas)) errs.push(fieldErr.invalid(String(p.child(f)), num(st[f]), msg));
  }
  if (num(st.availableReplicas) > num(st.readyReplicas)) {
    errs.push(fieldErr.invalid(String(p.child('availableReplicas')), num(st.availableReplicas), 'cannot be greater than readyReplicas'));
  }
  return errs;
}

export const replicationControllerKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  listKind: 'ReplicationControllerList',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
  generation: true,
  defaults(rc) {
    if (!isObject(rc.spec)) rc.spec = {};
    const spec = rc.spec;
    const labels = isObject(spec.template) ? obj(spec.template.metadata).labels : undefined;
    if (isObject(labels)) {
      if (!hasKeys(spec.selector)) spec.selector = { ...labels };
      if (!hasKeys(rc.metadata.labels)) rc.metadata.labels = { ...(labels as Record<string, string>) };
    }
    if (spec.replicas === undefined || spec.replicas === null) spec.replicas = 1;
    if (isObject(spec.template)) defaultPodTemplateSpec(spec.template);
  },
  prepareForCreate(rc) {
    rc.status = { replicas: 0 };
  },
  validate: (rc) => validateReplicationController(rc),
  warnings(rc, ctx) {
    const w: string[] = [];
    const msgs = ctx.operation === 'create' ? isDNS1123Label(rc.metadata.name ?? '') : [];
    if (msgs.length) w.push(`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`);
    w.push(...podTemplateWarnings(obj(obj(rc.spec).template), FieldPath.root('spec').child('template')));
    return w;
  },
  fieldSelectors: {
    'status.replicas': (rc) => String(num(obj(rc.status).replicas)),
  },
  status: {
    validateUpdate: (rc) => validateReplicationControllerStatus(rc),
  },
  scale: {
    specReplicas: (rc) => num(obj(rc.spec).replicas),
    setSpecReplicas(rc, n) {
      if (!isObject(rc.spec)) rc.spec = {};
      rc.spec.replicas = n;
    },
    statusReplicas: (rc) => num(obj(rc.status).replicas),
    selector: (rc) => {
      const sel = obj(obj(rc.spec).selector);
      return Object.keys(sel)
        .sort()
        .map((k) => `${k}=${sel[k]}`)
        .join(',');
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Desired', 'integer', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
      AGE_COLUMN,
      col('Containers', 'string', 'Names of each container in the template.', 1),
      col('Images', 'string', 'Images referenced by each container in the template.', 1),
      col('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.', 1),
    ],
    row(rc, now) {
      const spec = obj(rc.spec);
      const st = obj(rc.status);
      const [names, images] = containerCells(obj(spec.template).spec);
      return [rc.metadata.name, num(spec.replicas), num(st.replicas), num(st.readyReplicas), since(rc.metadata.creationTimestamp, now), names, images, formatLabels(spec.selector)];
    },
  },
};
