// apps/v1 ControllerRevision: the immutable snapshots DaemonSets and StatefulSets keep as history.
// ValidateControllerRevision/Update and printControllerRevision.

import { type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { KindDef } from '../types.js';
import { parseApiVersion } from '../../api/types.js';
import { immutable, nonNegative } from '../shared/field-checks.js';
import { AGE_COLUMN, NAME_COLUMN, age } from '../shared/table-cells.js';

/** ValidateControllerRevision (object metadata is checked by the generic layer). */
export function validateControllerRevision(o: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (o.data === undefined || o.data === null) errs.push(fieldErr.required('data', 'data is mandatory'));
  errs.push(...nonNegative(o.revision, FieldPath.root('revision')));
  return errs;
}

/** "daemonset.apps/fluentd": the controlling owner as printers.FormatResourceName prints it, or "<none>". */
export function controllerOf(o: KObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
  if (!ref) return '<none>';
  const { group } = parseApiVersion(ref.apiVersion ?? '');
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return kind ? `${kind.toLowerCase()}/${ref.name}` : ref.name;
}

export const controllerRevisionKind: KindDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  namespaced: true,
  defaults(o) {
    // v1 always serializes revision (int64, no omitempty).
    if (o.revision === undefined || o.revision === null) o.revision = 0;
  },
  validate: (o) => validateControllerRevision(o),
  // The revision number is mutable (controllers bump it on rollback); the data is not.
  validateUpdate: (n, old) => immutable(n.data, old.data, FieldPath.root('data')),
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Controller', type: 'string', description: 'Controller of the object', priority: 0 },
      { name: 'Revision', type: 'string', description: 'Revision indicates the revision of the state represented by Data.', priority: 0 },
      AGE_COLUMN,
    ],
    row: (o, now) => [o.metadata.name, controllerOf(o), typeof o.revision === 'number' ? o.revision : 0, age(o, now)],
  },
};
