// ServiceAccount (core/v1): metadata-only validation; the table counts listed secrets.

import type { KindDef } from '../types.js';
import { arr } from './json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';

export const serviceAccountKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  extraSubresources: [{ name: 'token', verbs: ['create'], kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' } }],
  table: {
    columns: [NAME_COLUMN, col('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE_COLUMN],
    row: (sa, now) => [sa.metadata.name, arr(sa.secrets).length, since(sa.metadata.creationTimestamp, now)],
  },
};
