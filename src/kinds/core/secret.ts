// Secret (core/v1): `stringData` is write-only and merges into `data` (base64) on every write, as
// the v1 conversion does; `type` defaults to Opaque and is immutable; type-specific keys are
// required. Data values must be base64 (upstream rejects others while decoding).

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { isConfigMapKey } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { isObject, obj, str } from './json-shape.js';
import { MAX_SECRET_SIZE, base64DecodedLength, validateImmutableData } from './config-map.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decodeJSONOk(b64: string): string | undefined {
  try {
    JSON.parse(Buffer.from(b64, 'base64').toString('utf8'));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

export function validateSecret(s: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = obj(s.data);
  const dataPath = FieldPath.root('data');
  let total = 0;
  for (const k of Object.keys(data)) {
    errs.push(...isConfigMapKey(k).map((m) => fieldErr.invalid(String(dataPath.key(k)), k, m)));
    const v = data[k];
    if (typeof v !== 'string' || !BASE64.test(v)) errs.push(fieldErr.invalid(String(dataPath.key(k)), '<secret contents redacted>', 'must be base64-encoded data'));
    else total += base64DecodedLength(v);
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErr.tooLong(String(dataPath), '', MAX_SECRET_SIZE));
  const req = (k: string) => errs.push(fieldErr.required(String(dataPath.key(k))));
  switch (str(s.type)) {
    case 'kubernetes.io/service-account-token':
      if (!str(obj(s.metadata.annotations)['kubernetes.io/service-account.name'])) {
        errs.push(fieldErr.required(String(FieldPath.root('metadata').child('annotations').key('kubernetes.io/service-account.name'))));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (data[key] === undefined) {
        req(key);
        break;
      }
      const bad = decodeJSONOk(str(data[key]));
      if (bad) errs.push(fieldErr.invalid(String(dataPath.key(key)), '<secret contents redacted>', bad));
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (data.username === undefined && data.password === undefined) {
        req('username');
        req('password');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!str(data['ssh-privatekey'])) req('ssh-privatekey');
      break;
    case 'kubernetes.io/tls':
      if (data['tls.crt'] === undefined) req('tls.crt');
      if (data['tls.key'] === undefined) req('tls.key');
      break;
    default:
      break;
  }
  return errs;
}

export const secretKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Secret',
  listKind: 'SecretList',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  defaults(s) {
    if (!s.type) s.type = 'Opaque';
    if (isObject(s.stringData)) {
      const data = isObject(s.data) ? s.data : {};
      for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(str(v), 'utf8').toString('base64');
      s.data = data;
    }
    delete s.stringData;
  },
  validate: (s) => validateSecret(s),
  validateUpdate(s, old) {
    const errs: FieldError[] = [];
    if (str(s.type) !== str(old.type)) errs.push(fieldErr.invalid('type', str(s.type), 'field is immutable'));
    errs.push(...validateImmutableData(s, old, ['data']));
    return errs;
  },
  fieldSelectors: {
    type: (s) => str(s.type),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
      col('Data', 'string', 'Data contains the secret data.'),
      AGE_COLUMN,
    ],
    row: (s, now) => [s.metadata.name, str(s.type), Object.keys(obj(s.data)).length, since(s.metadata.creationTimestamp, now)],
  },
};
