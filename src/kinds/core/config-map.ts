// ConfigMap (core/v1): keys are config keys, `data` and `binaryData` may not share a key, the
// total payload is at most 1 MiB, and an `immutable: true` map can only be deleted.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { isConfigMapKey } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { deepEqual } from '../../api/equality.js';
import { obj, str } from './json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';

export const MAX_SECRET_SIZE = 1024 * 1024;

/** Bytes of a base64 payload once decoded. */
export function base64DecodedLength(s: string): number {
  const clean = s.replace(/=+$/, '');
  return Math.floor((clean.length * 3) / 4);
}

function validateConfigMap(cm: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(cm.data);
  const binary = obj(cm.binaryData);
  let total = 0;
  for (const k of Object.keys(data)) {
    errs.push(...isConfigMapKey(k).map((m) => fieldErr.invalid(String(FieldPath.root('data').key(k)), k, m)));
    if (k in binary) errs.push(fieldErr.invalid(String(FieldPath.root('data').key(k)), k, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(str(data[k]));
  }
  for (const k of Object.keys(binary)) {
    errs.push(...isConfigMapKey(k).map((m) => fieldErr.invalid(String(FieldPath.root('binaryData').key(k)), k, m)));
    total += base64DecodedLength(str(binary[k]));
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong('', '', MAX_SECRET_SIZE));
  return errs;
}

/** Shared by ConfigMap and Secret: `immutable: true` freezes data (and itself). */
export function validateImmutableData(o: KObject, old: KObject, fields: string[]): FieldError[] {
  const errs: FieldError[] = [];
  if (old.immutable !== true) return errs;
  if (o.immutable !== true) errs.push(fieldErr.forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) {
    if (!deepEqual(o[f] ?? {}, old[f] ?? {})) errs.push(fieldErr.forbidden(f, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

export const configMapKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  namespaced: true,
  shortNames: ['cm'],
  validate: (cm) => validateConfigMap(cm),
  validateUpdate: (cm, old) => validateImmutableData(cm, old, ['data', 'binaryData']),
  table: {
    columns: [NAME_COLUMN, col('Data', 'string', 'Data contains the configuration data.'), AGE_COLUMN],
    row: (cm, now) => [cm.metadata.name, Object.keys(obj(cm.data)).length + Object.keys(obj(cm.binaryData)).length, since(cm.metadata.creationTimestamp, now)],
  },
};
