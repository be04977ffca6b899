// Lease (coordination.k8s.io/v1): pkg/apis/coordination/validation ValidateLease.

import { FieldError, fieldErr } from '../../api/errors.js';
import type { KindDef } from '../types.js';
import { obj, str } from '../core/json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from '../core/table-cells.js';

function validateLease(spec: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) {
    errs.push(fieldErr.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  }
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) {
    errs.push(fieldErr.invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  }
  if (spec.preferredHolder !== undefined && spec.preferredHolder !== null && spec.preferredHolder !== '' && !str(spec.strategy)) {
    errs.push(fieldErr.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
  }
  return errs;
}

export const leaseKind: KindDef = {
  group: 'coordination.k8s.io',
  version: 'v1',
  kind: 'Lease',
  listKind: 'LeaseList',
  plural: 'leases',
  singular: 'lease',
  namespaced: true,
  validate: (l) => validateLease(obj(l.spec)),
  table: {
    columns: [NAME_COLUMN, col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), AGE_COLUMN],
    row: (l, now) => [l.metadata.name, str(obj(l.spec).holderIdentity), since(l.metadata.creationTimestamp, now)],
  },
};
