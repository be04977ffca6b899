// PersistentVolumeClaim (core/v1): pkg/registry/core/persistentvolumeclaim/strategy.go and
// ValidatePersistentVolumeClaim(Update). Claims are immutable after create except for
// resources.requests (growth only) and a first-time volumeName.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/names.js';
import { validateLabelSelector } from '../../api/validation/object-meta.js';
import type { KindDef } from '../types.js';
import { cloneJson } from '../../api/equality.js';
import { arr, isObject, obj, str } from './json-shape.js';
import { defaultPVCSpec } from './pod-defaults.js';
import { quantityOf, validateResourceQuantityValue } from './resource-validation.js';
import { semanticDiff, semanticEqual } from './semantic-diff.js';
import { AGE_COLUMN, NAME_COLUMN, accessModesString, col, since } from './table-cells.js';

type Errs = FieldError[];

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const VOLUME_MODES = ['Block', 'Filesystem'];

export function validateAccessModes(modes: unknown, path: FieldPath, requiredDetail: string): Errs {
  const errs: Errs = [];
  const list = arr(modes);
  if (list.length === 0) errs.push(fieldErr.required(String(path), requiredDetail));
  let rwop = false;
  let other = false;
  for (const m of list) {
    if (!ACCESS_MODES.includes(str(m))) errs.push(fieldErr.notSupported(String(path), m, ACCESS_MODES));
    if (m === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(str(m))) other = true;
  }
  if (rwop && other) errs.push(fieldErr.forbidden(String(path), 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validateDataSource(ds: JsonObject, p: FieldPath, isRef: boolean): Errs {
  const errs: Errs = [];
  if (!str(ds.name)) errs.push(fieldErr.required(String(p.child('name'))));
  if (!str(ds.kind)) errs.push(fieldErr.required(String(p.child('kind'))));
  const group = str(ds.apiGroup);
  if (!group && ds.kind !== 'PersistentVolumeClaim') errs.push(fieldErr.invalid(String(p), str(ds.kind), "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group) errs.push(...isDNS1123Subdomain(group).map((m) => fieldErr.invalid(String(p.child('apiGroup')), group, m)));
  if (isRef && str(ds.namespace)) errs.push(...isDNS1123Label(str(ds.namespace)).map((m) => fieldErr.invalid(String(p.child('namespace')), ds.namespace, m)));
  return errs;
}

/** ValidatePersistentVolumeClaimSpec (also used for StatefulSet volumeClaimTemplates and ephemeral volumes). */
export function validatePVCSpec(spec: JsonObject, path: FieldPath): Errs {
  const errs: Errs = [];
  errs.push(...validateAccessModes(spec.accessModes, path.child('accessModes'), 'at least 1 access mode is required'));
  if (isObject(spec.selector)) errs.push(...validateLabelSelector(spec.selector, path.child('selector')));
  const requests = obj(obj(spec.resources).requests);
  const storagePath = path.child('resources').key('storage');
  if (requests.storage === undefined) {
    errs.push(fieldErr.required(String(storagePath)));
  } else {
    const q = quantityOf(requests.storage, storagePath, errs);
    if (q && q.sign() <= 0) errs.push(fieldErr.invalid(String(storagePath), q.toString(), 'must be greater than zero'));
    else if (q) errs.push(...validateResourceQuantityValue('storage', q, storagePath));
  }
  const sc = str(spec.storageClassName);
  if (sc) errs.push(...isDNS1123Subdomain(sc).map((m) => fieldErr.invalid(String(path.child('storageClassName')), sc, m)));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !VOLUME_MODES.includes(str(spec.volumeMode))) {
    errs.push(fieldErr.notSupported(String(path.child('volumeMode')), spec.volumeMode, VOLUME_MODES));
  }
  if (isObject(spec.dataSource)) errs.push(...validateDataSource(spec.dataSource, path.child('dataSource'), false));
  if (isObject(spec.dataSourceRef)) errs.push(...validateDataSource(spec.dataSourceRef, path.child('dataSourceRef'), true));
  if (isObject(spec.dataSourceRef) && str(spec.dataSourceRef.namespace)) {
    if (isObject(spec.dataSource)) errs.push(fieldErr.invalid(String(path), String(path.child('dataSource')), 'may not be specified when dataSourceRef.namespace is specified'));
  } else if (isObject(spec.dataSource) && isObject(spec.dataSourceRef)) {
    const a = spec.dataSource;
    const b = spec.dataSourceRef;
    if (str(a.apiGroup) !== str(b.apiGroup) || str(a.kind) !== str(b.kind) || str(a.name) !== str(b.name)) {
      errs.push(fieldErr.invalid(String(path), String(path.child('dataSource')), 'must match dataSourceRef'));
    }
  }
  return errs;
}

function validatePVCUpdate(pvc: KObject, old: KObject): Errs {
  const errs: Errs = [];
  const spec = cloneJson(obj(pvc.spec));
  const oldSpec = cloneJson(obj(old.spec));
  if (!str(oldSpec.volumeName)) oldSpec.volumeName = spec.volumeName;
  if (!oldSpec.storageClassName && spec.storageClassName) {
    const ann = obj(old.metadata.annotations)['volume.beta.kubernetes.io/storage-class'];
    if (ann === undefined || ann === spec.storageClassName) oldSpec.storageClassName = spec.storageClassName;
  }
  const bound = str(obj(pvc.status).phase) === 'Bound';
  if (bound && isObject(spec.resources) && isObject(spec.resources.requests)) {
    spec.resources.requests.storage = obj(obj(oldSpec.resources).requests).storage;
  }
  if (!semanticEqual(spec, oldSpec)) {
    errs.push(
      fieldErr.forbidden(
        'spec',
        `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${semanticDiff('core.PersistentVolumeClaimSpec', oldSpec, spec)}`,
      ),
    );
  }
  const p = FieldPath.root('spec').child('resources', 'requests', 'storage');
  const sink: Errs = [];
  const newQ = quantityOf(obj(obj(pvc.spec).resources).requests?.storage ?? '0', p, sink);
  const oldQ = quantityOf(obj(obj(old.spec).resources).requests?.storage ?? '0', p, sink);
  if (newQ && oldQ && newQ.cmp(oldQ) < 0) errs.push(fieldErr.forbidden(String(p), 'field can not be less than previous value'));
  if (str(obj(pvc.spec).volumeMode) !== str(obj(old.spec).volumeMode)) {
    errs.push(fieldErr.invalid('volumeMode', obj(pvc.spec).volumeMode ?? null, 'field is immutable'));
  }
  return errs;
}

export const persistentVolumeClaimKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  namespaced: true,
  shortNames: ['pvc'],
  defaults(pvc) {
    if (isObject(pvc.spec)) defaultPVCSpec(pvc.spec);
    if (isObject(pvc.status) && !pvc.status.phase) pvc.status.phase = 'Pending';
  },
  prepareForCreate(pvc) {
    pvc.status = { phase: 'Pending' };
  },
  validate: (pvc) => validatePVCSpec(obj(pvc.spec), FieldPath.root('spec')),
  validateUpdate: (pvc, old) => validatePVCUpdate(pvc, old),
  status: {
    validateUpdate(pvc) {
      const errs: Errs = [];
      if (arr(obj(pvc.spec).accessModes).length === 0) errs.push(fieldErr.required('Spec.accessModes'));
      const cap = obj(obj(pvc.status).capacity);
      for (const k of Object.keys(cap)) {
        const p = FieldPath.root('status').child('capacity').key(k);
        const q = quantityOf(cap[k], p, errs);
        if (q && q.sign() < 0) errs.push(fieldErr.invalid(String(p), q.toString(), 'must be a valid resource quantity'));
      }
      return errs;
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'phase represents the current phase of PersistentVolumeClaim.'),
      col('Volume', 'string', 'volumeName is the binding reference to the PersistentVolume backing this claim.'),
      col('Capacity', 'string', 'capacity represents the actual resources of the underlying volume.'),
      col('Access Modes', 'string', 'accessModes contains the actual access modes the volume backing the PVC has.'),
      col('StorageClass', 'string', 'StorageClass of the pvc'),
      col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pvc'),
      AGE_COLUMN,
      col('VolumeMode', 'string', 'volumeMode defines what type of volume is required by the claim.', 1),
    ],
    row(pvc, now) {
      const spec = obj(pvc.spec);
      const status = obj(pvc.status);
      const phase = pvc.metadata.deletionTimestamp ? 'Terminating' : str(status.phase);
      let capacity = '';
      let modes = '';
      if (str(spec.volumeName)) {
        modes = accessModesString(status.accessModes);
        capacity = str(obj(status.capacity).storage) || '0';
      }
      const ann = obj(pvc.metadata.annotations)['volume.beta.kubernetes.io/storage-class'];
      const storageClass = ann !== undefined ? str(ann) : str(spec.storageClassName);
      return [
        pvc.metadata.name,
        phase,
        str(spec.volumeName),
        capacity,
        modes,
        storageClass,
        spec.volumeAttributesClassName ? str(spec.volumeAttributesClassName) : '<unset>',
        since(pvc.metadata.creationTimestamp, now),
        spec.volumeMode ? str(spec.volumeMode) : '<unset>',
      ];
    },
  },
};
