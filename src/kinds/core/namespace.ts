// Namespace (core/v1): pkg/registry/core/namespace/strategy.go. Cluster-scoped, named by DNS
// labels; every namespace carries the `kubernetes` finalizer (spec.finalizers) from create on,
// and the `kubernetes.io/metadata.name` label always equals its name.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { isQualifiedName } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { arr, isObject, obj, str } from './json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

/** validateFinalizerName: a qualified name; unqualified names must be standard ones. */
export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = isQualifiedName(name).map((m) => fieldErr.invalid(String(path), name, m));
  if (!name.includes('/') && !STANDARD_FINALIZERS.has(name)) {
    errs.push(fieldErr.invalid(String(path), name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  return errs;
}

function ensureNameLabel(ns: KObject): void {
  const name = ns.metadata.name;
  if (!name) return;
  ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

export const namespaceKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  plural: 'namespaces',
  singular: 'namespace',
  namespaced: false,
  nameValidation: 'label',
  shortNames: ['ns'],
  extraSubresources: [{ name: 'finalize', verbs: ['update'], kind: { group: '', version: 'v1', kind: 'Namespace' } }],
  defaults(ns) {
    ensureNameLabel(ns);
    if (isObject(ns.status) && !ns.status.phase) ns.status.phase = 'Active';
  },
  prepareForCreate(ns) {
    ns.status = { phase: 'Active' };
    if (!isObject(ns.spec)) ns.spec = {};
    const finalizers = arr(ns.spec.finalizers);
    if (!finalizers.includes('kubernetes')) ns.spec.finalizers = [...finalizers, 'kubernetes'];
    ensureNameLabel(ns);
  },
  prepareForUpdate(ns, old) {
    // spec.finalizers only change through the finalize subresource.
    const oldFinalizers = obj(old.spec).finalizers;
    ns.spec = { ...obj(ns.spec) };
    if (oldFinalizers === undefined) delete ns.spec.finalizers;
    else ns.spec.finalizers = oldFinalizers;
    ensureNameLabel(ns);
  },
  validate(ns) {
    // Upstream reports these at `spec.finalizers` without an index.
    return arr(obj(ns.spec).finalizers).flatMap((f) => validateFinalizerName(str(f), FieldPath.root('spec').child('finalizers')));
  },
  status: {
    validateUpdate(ns) {
      const phase = str(obj(ns.status).phase);
      const p = String(FieldPath.root('status').child('Phase'));
      if (!ns.metadata.deletionTimestamp) {
        if (phase !== 'Active') return [fieldErr.invalid(p, phase, "may only be 'Active' if `deletionTimestamp` is empty")];
      } else if (phase !== 'Terminating') {
        return [fieldErr.invalid(p, phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")];
      }
      return [];
    },
  },
  fieldSelectors: {
    'status.phase': (ns) => str(obj(ns.status).phase),
  },
  table: {
    columns: [NAME_COLUMN, col('Status', 'string', 'The status of the namespace'), AGE_COLUMN],
    row: (ns, now) => [ns.metadata.name, str(obj(ns.status).phase), since(ns.metadata.creationTimestamp, now)],
  },
};
