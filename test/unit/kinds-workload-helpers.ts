// Test helpers for the apps/batch kinds: run a KindDef's hooks in the order the generic store
// does (uid and timestamps, defaults, prepare, validate, warnings; on update: status restored,
// defaults, prepare, generation, validate + validateUpdate; on /status: spec restored) and return
// what a user sees: the stored object, error lines as kubectl prints them, warnings.

import type { KObject } from '../../src/api/types.js';
import type { KindDef } from '../../src/kinds/types.js';
import { cloneJson, deepEqual } from '../../src/api/equality.js';

export const NOW = new Date('2024-06-01T12:00:00Z');
export const UID = '8ad3b5f8-4c0e-4e7a-9c53-1d2a3b4c5d6e';

export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface WriteResult {
  obj: KObject;
  errors: string[];
  warnings: string[];
}

export function create(def: KindDef, input: Record<string, unknown>): WriteResult {
  const o = cloneJson(input) as KObject;
  o.metadata = o.metadata ?? {};
  if (def.namespaced && !o.metadata.namespace) o.metadata.namespace = 'default';
  o.metadata.uid = UID;
  o.metadata.creationTimestamp = o.metadata.creationTimestamp ?? ago(5 * 60_000);
  if (def.generation) o.metadata.generation = 1;
  def.defaults?.(o);
  def.prepareForCreate?.(o);
  const ctx = { namespace: o.metadata.namespace, now: NOW, operation: 'create' as const };
  const errs = def.validate?.(o, ctx) ?? [];
  const warnings = errs.length ? [] : (def.warnings?.(o, ctx) ?? []);
  return { obj: JSON.parse(JSON.stringify(o)) as KObject, errors: errs.map(String), warnings };
}

/** Creates and insists that it worked: the stored object. */
export function created(def: KindDef, input: Record<string, unknown>): KObject {
  const r = create(def, input);
  if (r.errors.length) throw new Error(`create failed: ${r.errors.join('; ')}`);
  return r.obj;
}

function specChanged(a: KObject, b: KObject): boolean {
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (k !== 'metadata' && k !== 'status' && k !== 'apiVersion' && k !== 'kind' && !deepEqual(a[k], b[k])) return true;
  }
  return false;
}

/** A PUT/PATCH of the main resource: `mutate` edits a copy of the stored object. */
export function update(def: KindDef, old: KObject, mutate: (o: KObject) => void): WriteResult {
  const o = cloneJson(old);
  mutate(o);
  if (def.status) {
    if (old.status !== undefined) o.status = cloneJson(old.status);
    else delete o.status;
  }
  def.defaults?.(o);
  def.prepareForUpdate?.(o, old);
  const generationChanged = !!def.generation && specChanged(o, old);
  if (def.generation) o.metadata.generation = (old.metadata.generation ?? 1) + (generationChanged ? 1 : 0);
  const ctx = { namespace: o.metadata.namespace, now: NOW, operation: 'update' as const, generationChanged };
  const errs = [...(def.validate?.(o, ctx) ?? []), ...(def.validateUpdate?.(o, old, ctx) ?? [])];
  const warnings = errs.length ? [] : (def.warnings?.(o, ctx) ?? []);
  return { obj: JSON.parse(JSON.stringify(o)) as KObject, errors: errs.map(String), warnings };
}

/** A write to /status: everything but status comes from the stored object. */
export function updateStatus(def: KindDef, old: KObject, status: unknown): WriteResult {
  const o = cloneJson(old);
  o.status = cloneJson(status);
  def.defaults?.(o);
  def.status?.prepareForUpdate?.(o, old);
  const errs = def.status?.validateUpdate?.(o, old, { namespace: o.metadata.namespace, now: NOW, operation: 'update' }) ?? [];
  return { obj: o, errors: errs.map(String), warnings: [] };
}

/** The row cells as the Table would carry them, keyed by column name (for readable assertions). */
export function cells(def: KindDef, o: KObject): Record<string, unknown> {
  const t = def.table!;
  const row = t.row(o, NOW);
  const out: Record<string, unknown> = {};
  t.columns.forEach((c, i) => (out[c.name] = row[i]));
  return out;
}
