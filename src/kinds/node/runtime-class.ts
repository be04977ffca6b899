// RuntimeClass (node.k8s.io/v1): pkg/apis/node/validation. The handler is a DNS label and immutable.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import { isDNS1123Label } from '../../api/validation/names.js';
import { validateLabels } from '../../api/validation/object-meta.js';
import type { KindDef } from '../types.js';
import { isObject, obj, str } from '../core/json-shape.js';
import { validateTolerations } from '../core/pod-validation-scheduling.js';
import { quantityOf, validateResourceQuantityValue } from '../core/resource-validation.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from '../core/table-cells.js';

export const runtimeClassKind: KindDef = {
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  listKind: 'RuntimeClassList',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  namespaced: false,
  validate(rc) {
    const errs: FieldError[] = [];
    const handler = str(rc.handler);
    if (!handler) errs.push(fieldErr.required('handler'));
    else errs.push(...isDNS1123Label(handler).map((m) => fieldErr.invalid('handler', handler, m)));
    const overhead = obj(obj(rc.overhead).podFixed);
    for (const k of Object.keys(overhead)) {
      const p = FieldPath.root('overhead').child('podFixed').key(k);
      const q = quantityOf(overhead[k], p, errs);
      if (q) errs.push(...validateResourceQuantityValue(k, q, p));
    }
    if (isObject(rc.scheduling)) {
      errs.push(...validateLabels(obj(rc.scheduling.nodeSelector), FieldPath.root('scheduling').child('nodeSelector')));
      errs.push(...validateTolerations(rc.scheduling.tolerations, FieldPath.root('scheduling').child('tolerations')));
    }
    return errs;
  },
  validateUpdate(rc, old) {
    return str(rc.handler) !== str(old.handler) ? [fieldErr.invalid('handler', str(rc.handler), 'field is immutable')] : [];
  },
  table: {
    columns: [NAME_COLUMN, col('Handler', 'string', 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), AGE_COLUMN],
    row: (rc, now) => [rc.metadata.name, str(rc.handler), since(rc.metadata.creationTimestamp, now)],
  },
};
