// Test helpers: run a kind's create/update hooks the way the generic registry does (defaults,
// prepare, validate) and return what a user would see (error strings, the stored object).

import type { KObject } from '../../src/api/types.js';
import type { KindDef } from '../../src/kinds/types.js';
import { addDefaultTolerations } from '../../src/controllers/node-lifecycle/default-tolerations.js';

export const NOW = new Date('2024-06-01T12:00:00Z');

export function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function create(def: KindDef, obj: Partial<KObject> & Record<string, unknown>): { obj: KObject; errors: string[]; warnings: string[] } {
  const o = JSON.parse(JSON.stringify(obj)) as KObject;
  o.metadata = o.metadata ?? {};
  if (def.namespaced && !o.metadata.namespace) o.metadata.namespace = 'default';
  o.metadata.creationTimestamp = o.metadata.creationTimestamp ?? ago(5 * 60_000);
  // The API server's DefaultTolerationSeconds admission runs for pods on create.
  if (def.kind === 'Pod' && def.group === '') addDefaultTolerations(o, { notReadySeconds: 300, unreachableSeconds: 300 });
  def.defaults?.(o);
  def.prepareForCreate?.(o);
  const ctx = { namespace: o.metadata.namespace, now: NOW, operation: 'create' as const };
  const errs = def.validate?.(o, ctx) ?? [];
  const warnings = def.warnings?.(o, ctx) ?? [];
  return { obj: o, errors: errs.map(String), warnings };
}

export function update(def: KindDef, old: KObject, next: KObject): { obj: KObject; errors: string[] } {
  const o = JSON.parse(JSON.stringify(next)) as KObject;
  if (def.status && old.status !== undefined) o.status = JSON.parse(JSON.stringify(old.status));
  def.defaults?.(o);
  def.prepareForUpdate?.(o, old);
  const ctx = { namespace: o.metadata.namespace, now: NOW, operation: 'update' as const };
  const errs = [...(def.validate?.(o, ctx) ?? []), ...(def.validateUpdate?.(o, old, ctx) ?? [])];
  return { obj: o, errors: errs.map(String) };
}

export function pod(spec: Record<string, unknown>, meta: Record<string, unknown> = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec } as KObject;
}
