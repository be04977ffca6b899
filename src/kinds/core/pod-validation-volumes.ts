// PodSpec volume validation (ValidateVolumes / validateVolumeSource and the per-source checks a
// user is likely to meet). Returns the set of valid volume names with their source kind so that
// volumeMounts/volumeDevices can be checked against it.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain } from '../../api/validation/names.js';
import { volumeSourceNames } from './pod-defaults.js';
import { isObject, num, objs, str } from './json-shape.js';

type Errs = FieldError[];

export interface VolumeInfo {
  /** The volume source's field name, e.g. "emptyDir", "persistentVolumeClaim". */
  source: string;
  isImage: boolean;
  isPVC: boolean;
}

const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];
// Where upstream's error path differs from the field name (kept for identical messages).
const SOURCE_PATH_ALIASES: Record<string, string> = { downwardAPI: 'downwarAPI', cephfs: 'cephFS' };

export function validateVolumes(volumes: unknown, podName: string | undefined, path: FieldPath): { vols: Map<string, VolumeInfo>; errs: Errs } {
  const errs: Errs = [];
  const vols = new Map<string, VolumeInfo>();
  const list = objs(volumes);
  const createdPVCs = new Set<string>();
  if (podName) for (const v of list) if (isObject(v.ephemeral)) createdPVCs.add(`${podName}-${str(v.name)}`);
  list.forEach((v, i) => {
    const p = path.index(i);
    const name = str(v.name);
    const el: Errs = validateVolumeSource(v, p, name, podName);
    if (name.length === 0) el.push(fieldErr.required(String(p.child('name'))));
    else for (const m of isDNS1123Label(name)) el.push(fieldErr.invalid(String(p.child('name')), name, m));
    if (vols.has(name)) el.push(fieldErr.duplicate(String(p.child('name')), name));
    if (el.length === 0) {
      const source = volumeSourceNames.find((s) => v[s] !== undefined && v[s] !== null) ?? '';
      vols.set(name, { source, isImage: source === 'image', isPVC: source === 'persistentVolumeClaim' || source === 'ephemeral' });
    } else {
      errs.push(...el);
    }
    if (isObject(v.persistentVolumeClaim) && createdPVCs.has(str(v.persistentVolumeClaim.claimName))) {
      errs.push(fieldErr.invalid(String(p.child('persistentVolumeClaim').child('claimName')), v.persistentVolumeClaim.claimName, 'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return { vols, errs };
}

function validateVolumeSource(v: JsonObject, p: FieldPath, volName: string, podName: string | undefined): Errs {
  const errs: Errs = [];
  let count = 0;
  for (const source of volumeSourceNames) {
    const s = v[source];
    if (s === undefined || s === null) continue;
    if (count > 0) {
      errs.push(fieldErr.forbidden(String(p.child(SOURCE_PATH_ALIASES[source] ?? source)), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    errs.push(...validateOneSource(source, isObject(s) ? s : {}, p, volName, podName));
  }
  if (count === 0) errs.push(fieldErr.required(String(p), 'must specify a volume type'));
  return errs;
}

function validateOneSource(source: string, s: JsonObject, volPath: FieldPath, volName: string, podName: string | undefined): Errs {
  const errs: Errs = [];
  const p = volPath.child(source);
  const required = (f: string) => {
    if (!str(s[f])) errs.push(fieldErr.required(String(p.child(f))));
  };
  switch (source) {
    case 'hostPath':
      if (!str(s.path)) return [fieldErr.required(String(p.child('path')))];
      errs.push(...validatePathNoBacksteps(str(s.path), p.child('path')));
      if (s.type !== undefined && s.type !== null && !HOST_PATH_TYPES.includes(str(s.type))) {
        errs.push(fieldErr.notSupported(String(p.child('type')), s.type, HOST_PATH_TYPES));
      }
      break;
    case 'secret':
      required('secretName');
      errs.push(...validateModeAndItems(s, p));
      break;
    case 'configMap':
      required('name');
      errs.push(...validateModeAndItems(s, p));
      break;
    case 'persistentVolumeClaim':
      required('claimName');
      break;
    case 'nfs':
      required('server');
      required('path');
      if (!str(s.path).startsWith('/')) errs.push(fieldErr.invalid(String(p.child('path')), str(s.path), 'must be an absolute path'));
      break;
    case 'gitRepo':
      required('repository');
      errs.push(...validateLocalDescendingPath(str(s.directory), p.child('directory')));
      break;
    case 'csi':
      required('driver');
      break;
    case 'downwardAPI':
      errs.push(...validateDefaultMode(s, p));
      for (const f of objs(s.items)) errs.push(...validateDownwardAPIFile(f, p));
      break;
    case 'projected':
      errs.push(...validateDefaultMode(s, p));
      errs.push(...validateProjectionSources(s, p));
      break;
    case 'emptyDir':
      if (typeof s.sizeLimit === 'string' && s.sizeLimit.startsWith('-')) {
        errs.push(fieldErr.forbidden(String(p.child('sizeLimit')), 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    case 'ephemeral':
      if (!isObject(s.volumeClaimTemplate)) errs.push(fieldErr.required(String(p.child('volumeClaimTemplate'))));
      if (podName && volName) {
        const pvcName = `${podName}-${volName}`;
        for (const m of isDNS1123Subdomain(pvcName)) {
          errs.push(fieldErr.invalid(String(volPath.child('name')), volName, `PVC name "${pvcName}": ${m}`));
        }
      }
      break;
    case 'image':
      // ImageVolume is alpha (off) in 1.32: upstream drops the field; refuse it explicitly.
      errs.push(fieldErr.forbidden(String(p), 'image volumes are not supported (ImageVolume feature gate is disabled)'));
      break;
    default:
      break;
  }
  return errs;
}

function validateDefaultMode(s: JsonObject, p: FieldPath): Errs {
  const m = s.defaultMode;
  if (typeof m === 'number' && (m > 0o777 || m < 0)) return [fieldErr.invalid(String(p.child('defaultMode')), m, FILE_MODE_MSG)];
  return [];
}

function validateModeAndItems(s: JsonObject, p: FieldPath): Errs {
  const errs = validateDefaultMode(s, p);
  objs(s.items).forEach((kp, i) => errs.push(...validateKeyToPath(kp, p.child('items').index(i))));
  return errs;
}

function validateKeyToPath(kp: JsonObject, p: FieldPath): Errs {
  const errs: Errs = [];
  if (!str(kp.key)) errs.push(fieldErr.required(String(p.child('key'))));
  if (!str(kp.path)) errs.push(fieldErr.required(String(p.child('path'))));
  errs.push(...validateLocalNonReservedPath(str(kp.path), p.child('path')));
  if (typeof kp.mode === 'number' && (kp.mode > 0o777 || kp.mode < 0)) errs.push(fieldErr.invalid(String(p.child('mode')), kp.mode, FILE_MODE_MSG));
  return errs;
}

const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];

function validateDownwardAPIFile(f: JsonObject, p: FieldPath): Errs {
  const errs: Errs = [];
  if (!str(f.path)) errs.push(fieldErr.required(String(p.child('path'))));
  errs.push(...validateLocalNonReservedPath(str(f.path), p.child('path')));
  if (isObject(f.fieldRef)) {
    errs.push(...validateObjectFieldSelector(f.fieldRef, VOLUME_FIELD_PATHS, p.child('fieldRef')));
    if (isObject(f.resourceFieldRef)) errs.push(fieldErr.invalid(String(p), 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  } else if (isObject(f.resourceFieldRef)) {
    if (!str(f.resourceFieldRef.containerName)) errs.push(fieldErr.required(String(p.child('resourceFieldRef').child('containerName'))));
  } else {
    errs.push(fieldErr.required(String(p), 'one of fieldRef and resourceFieldRef is required'));
  }
  if (typeof f.mode === 'number' && (f.mode > 0o777 || f.mode < 0)) errs.push(fieldErr.invalid(String(p.child('mode')), f.mode, FILE_MODE_MSG));
  return errs;
}

/** validateObjectFieldSelector for the downward API (env and volume files). */
export function validateObjectFieldSelector(fs: JsonObject, allowed: string[], p: FieldPath): Errs {
  if (!str(fs.apiVersion)) return [fieldErr.required(String(p.child('apiVersion')))];
  const fieldPath = str(fs.fieldPath);
  if (!fieldPath) return [fieldErr.required(String(p.child('fieldPath')))];
  const m = /^(metadata\.(?:annotations|labels))\['(.*)'\]$/.exec(fieldPath);
  if (m) return [];
  if (fieldPath.includes('[')) return [fieldErr.invalid(String(p), fieldPath.slice(0, fieldPath.indexOf('[')), 'does not support subscript')];
  if (!allowed.includes(fieldPath)) return [fieldErr.notSupported(String(p.child('fieldPath')), fieldPath, allowed)];
  return [];
}

function validateProjectionSources(s: JsonObject, p: FieldPath): Errs {
  const errs: Errs = [];
  const allPaths = new Set<string>();
  const claim = (path: string, bad: unknown) => {
    if (!path) return;
    if (allPaths.has(path)) errs.push(fieldErr.invalid(String(p), bad, 'conflicting duplicate paths'));
    else allPaths.add(path);
  };
  objs(s.sources).forEach((src, i) => {
    const sp = p.child('sources').index(i);
    let n = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      if (!isObject(src[kind])) continue;
      n++;
      const k = src[kind];
      if (!str(k.name)) errs.push(fieldErr.required(String(sp.child(kind).child('name'))));
      objs(k.items).forEach((kp, j) => {
        errs.push(...validateKeyToPath(kp, sp.child(kind).child('items').index(j)));
        claim(str(kp.path), str(k.name));
      });
    }
    if (isObject(src.downwardAPI)) {
      n++;
      for (const f of objs(src.downwardAPI.items)) {
        errs.push(...validateDownwardAPIFile(f, sp.child('downwardAPI')));
        claim(str(f.path), str(f.path));
      }
    }
    if (isObject(src.serviceAccountToken)) {
      n++;
      const t = src.serviceAccountToken;
      const exp = num(t.expirationSeconds);
      const ep = sp.child('serviceAccountToken').child('expirationSeconds');
      if (exp < 600) errs.push(fieldErr.invalid(String(ep), exp, 'may not specify a duration less than 10 minutes'));
      if (exp > 2 ** 32) errs.push(fieldErr.invalid(String(ep), exp, 'may not specify a duration larger than 2^32 seconds'));
      if (!str(t.path)) errs.push(fieldErr.required(String(p.child('path'))));
      else errs.push(...validateLocalNonReservedPath(str(t.path), p.child('path')));
    }
    if (isObject(src.clusterTrustBundle)) {
      n++;
      if (!str(src.clusterTrustBundle.path)) errs.push(fieldErr.required(String(sp.child('clusterTrustBundle').child('path'))));
    }
    if (n > 1) errs.push(fieldErr.forbidden(String(sp), 'may not specify more than 1 volume type per source'));
  });
  return errs;
}

export function validatePathNoBacksteps(target: string, p: FieldPath): Errs {
  return target.split('/').includes('..') ? [fieldErr.invalid(String(p), target, "must not contain '..'")] : [];
}

export function validateLocalDescendingPath(target: string, p: FieldPath): Errs {
  const errs: Errs = [];
  if (target.startsWith('/')) errs.push(fieldErr.invalid(String(p), target, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(target, p));
  return errs;
}

function validateLocalNonReservedPath(target: string, p: FieldPath): Errs {
  const errs = validateLocalDescendingPath(target, p);
  if (target.startsWith('..') && !target.startsWith('../')) errs.push(fieldErr.invalid(String(p), target, "must not start with '..'"));
  return errs;
}

/** Keys referenced by configMapKeyRef/secretKeyRef. */
export function validateKeySelector(s: JsonObject, p: FieldPath): Errs {
  const errs: Errs = [];
  for (const m of isDNS1123Subdomain(str(s.name))) errs.push(fieldErr.invalid(String(p.child('name')), str(s.name), m));
  const key = str(s.key);
  if (!key) errs.push(fieldErr.required(String(p.child('key'))));
  else for (const m of isConfigMapKey(key)) errs.push(fieldErr.invalid(String(p.child('key')), key, m));
  return errs;
}

