// PersistentVolume (core/v1): pkg/registry/core/persistentvolume/strategy.go and
// ValidatePersistentVolume(Update). Exactly one volume source; capacity holds only `storage`.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Subdomain } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { isObject, obj, str } from './json-shape.js';
import { validateAccessModes } from './persistent-volume-claim.js';
import { validateNodeSelector } from './pod-validation-scheduling.js';
import { validatePathNoBacksteps } from './pod-validation-volumes.js';
import { quantityOf } from './resource-validation.js';
import { semanticEqual } from './semantic-diff.js';
import { AGE_COLUMN, NAME_COLUMN, accessModesString, col, since } from './table-cells.js';

type Errs = FieldError[];

const PV_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'glusterfs', 'flocker', 'nfs', 'rbd', 'quobyte', 'cephfs', 'iscsi',
  'cinder', 'fc', 'flexVolume', 'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk',
  'scaleIO', 'local', 'storageos', 'csi',
];
const SOURCE_PATH: Record<string, string> = { cephfs: 'cephFS' };
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

function validateSource(source: string, s: JsonObject, p: FieldPath): Errs {
  const errs: Errs = [];
  const req = (f: string) => !str(s[f]) && errs.push(fieldErr.required(String(p.child(f))));
  switch (source) {
    case 'hostPath':
      if (!str(s.path)) return [fieldErr.required(String(p.child('path')))];
      errs.push(...validatePathNoBacksteps(str(s.path), p.child('path')));
      if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(str(s.type))) errs.push(fieldErr.notSupported(String(p.child('type')), s.type, HOST_PATH_TYPES));
      break;
    case 'nfs':
      req('server');
      req('path');
      if (!str(s.path).startsWith('/')) errs.push(fieldErr.invalid(String(p.child('path')), str(s.path), 'must be an absolute path'));
      break;
    case 'local':
      req('path');
      errs.push(...validatePathNoBacksteps(str(s.path), p.child('path')));
      break;
    case 'csi':
      req('driver');
      req('volumeHandle');
      break;
    default:
      break;
  }
  return errs;
}

export function validatePV(pv: KObject): Errs {
  const errs: Errs = [];
  const spec = obj(pv.spec);
  const path = FieldPath.root('spec');
  errs.push(...validateAccessModes(spec.accessModes, path.child('accessModes'), ''));
  const capacity = obj(spec.capacity);
  const capKeys = Object.keys(capacity);
  if (capKeys.length === 0) errs.push(fieldErr.required(String(path.child('capacity'))));
  if (capacity.storage === undefined || capKeys.length > 1) errs.push(fieldErr.notSupported(String(path.child('capacity')), capacity, ['storage']));
  for (const k of capKeys) {
    const p = path.child('capacity').key(k);
    const q = quantityOf(capacity[k], p, errs);
    if (!q) continue;
    if (q.sign() < 0) errs.push(fieldErr.invalid(String(p), q.toString(), 'must be a valid resource quantity'));
    if (q.sign() <= 0) errs.push(fieldErr.invalid(String(p), q.toString(), 'must be greater than zero'));
  }
  const reclaim = str(spec.persistentVolumeReclaimPolicy);
  if (reclaim && !RECLAIM_POLICIES.includes(reclaim)) errs.push(fieldErr.notSupported(String(path.child('persistentVolumeReclaimPolicy')), reclaim, RECLAIM_POLICIES));
  let affinitySet = false;
  if (isObject(spec.nodeAffinity)) {
    affinitySet = true;
    const na = spec.nodeAffinity;
    if (isObject(na.required)) errs.push(...validateNodeSelector(na.required, false, path.child('nodeAffinity', 'required')));
    else errs.push(fieldErr.required(String(path.child('nodeAffinity', 'required')), 'must specify required node constraints'));
  }
  let n = 0;
  for (const source of PV_SOURCES) {
    const s = spec[source];
    if (s === undefined || s === null) continue;
    if (n > 0 && source !== 'flexVolume') {
      errs.push(fieldErr.forbidden(String(path.child(SOURCE_PATH[source] ?? source)), 'may not specify more than 1 volume type'));
      continue;
    }
    n++;
    errs.push(...validateSource(source, obj(s), path.child(source)));
    if (source === 'local' && !affinitySet) errs.push(fieldErr.required(String(path.child('nodeAffinity')), 'Local volume requires node affinity'));
  }
  if (n === 0) errs.push(fieldErr.required(String(path), 'must specify a volume type'));
  const hp = obj(spec.hostPath);
  if (isObject(spec.hostPath) && str(hp.path).replace(/\/+$/, '') === '' && str(hp.path).startsWith('/') && reclaim === 'Recycle') {
    errs.push(fieldErr.forbidden(String(path.child('persistentVolumeReclaimPolicy')), "may not be 'recycle' for a hostPath mount of '/'"));
  }
  const sc = str(spec.storageClassName);
  if (sc) errs.push(...isDNS1123Subdomain(sc).map((m) => fieldErr.invalid(String(path.child('storageClassName')), sc, m)));
  if (spec.volumeMode !== undefined && spec.volumeMode !== null && !['Block', 'Filesystem'].includes(str(spec.volumeMode))) {
    errs.push(fieldErr.notSupported(String(path.child('volumeMode')), spec.volumeMode, ['Block', 'Filesystem']));
  }
  return errs;
}

function validatePVUpdate(pv: KObject, old: KObject): Errs {
  const errs: Errs = [];
  const spec = obj(pv.spec);
  const oldSpec = obj(old.spec);
  const pick = (s: JsonObject) => Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  if (!semanticEqual(pick(spec), pick(oldSpec))) {
    errs.push(fieldErr.forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation'));
  }
  if (str(spec.volumeMode) !== str(oldSpec.volumeMode)) errs.push(fieldErr.invalid('volumeMode', spec.volumeMode ?? null, 'field is immutable'));
  if (isObject(oldSpec.nodeAffinity) && !semanticEqual(spec.nodeAffinity, oldSpec.nodeAffinity)) {
    errs.push(fieldErr.invalid('nodeAffinity', spec.nodeAffinity ?? null, 'field is immutable'));
  }
  return errs;
}

export const persistentVolumeKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  plural: 'persistentvolumes',
  singular: 'persistentvolume',
  namespaced: false,
  shortNames: ['pv'],
  defaults(pv) {
    if (isObject(pv.spec)) {
      if (!pv.spec.persistentVolumeReclaimPolicy) pv.spec.persistentVolumeReclaimPolicy = 'Retain';
      if (pv.spec.volumeMode === undefined || pv.spec.volumeMode === null) pv.spec.volumeMode = 'Filesystem';
      if (isObject(pv.spec.hostPath) && pv.spec.hostPath.type === undefined) pv.spec.hostPath.type = '';
    }
    if (isObject(pv.status) && !pv.status.phase) pv.status.phase = 'Pending';
  },
  prepareForCreate(pv) {
    // PersistentVolumeLastPhaseTransitionTime is GA in 1.31: creation counts as entering Pending.
    pv.status = { phase: 'Pending', lastPhaseTransitionTime: pv.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
  },
  validate: (pv) => validatePV(pv),
  validateUpdate: (pv, old) => validatePVUpdate(pv, old),
  status: {
    prepareForUpdate(pv, old) {
      const st = obj(pv.status);
      const oldSt = obj(old.status);
      if (st.phase !== oldSt.phase && (st.lastPhaseTransitionTime === undefined || st.lastPhaseTransitionTime === oldSt.lastPhaseTransitionTime)) {
        pv.status = { ...st, lastPhaseTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
      }
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Capacity', 'string', "capacity is the description of the persistent volume's resources and capacity."),
      col('Access Modes', 'string', 'accessModes contains all ways the volume can be mounted.'),
      col('Reclaim Policy', 'string', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.'),
      col('Status', 'string', 'phase indicates if a volume is available, bound to a claim, or released by a claim.'),
      col('Claim', 'string', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.'),
      col('StorageClass', 'string', 'StorageClass of the pv'),
      col('VolumeAttributesClass', 'string', 'VolumeAttributesClass of the pv'),
      col('Reason', 'string', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.'),
      AGE_COLUMN,
      col('VolumeMode', 'string', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', 1),
    ],
    row(pv, now) {
      const spec = obj(pv.spec);
      const status = obj(pv.status);
      const claim = isObject(spec.claimRef) ? `${str(spec.claimRef.namespace)}/${str(spec.claimRef.name)}` : '';
      const ann = obj(pv.metadata.annotations)['volume.beta.kubernetes.io/storage-class'];
      return [
        pv.metadata.name,
        str(obj(spec.capacity).storage) || '0',
        accessModesString(spec.accessModes),
        str(spec.persistentVolumeReclaimPolicy),
        pv.metadata.deletionTimestamp ? 'Terminating' : str(status.phase),
        claim,
        ann !== undefined ? str(ann) : str(spec.storageClassName),
        spec.volumeAttributesClassName ? str(spec.volumeAttributesClassName) : '<unset>',
        str(status.reason),
        since(pv.metadata.creationTimestamp, now),
        spec.volumeMode ? str(spec.volumeMode) : '<unset>',
      ];
    },
  },
};

