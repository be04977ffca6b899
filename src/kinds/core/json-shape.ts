// Small readers for loosely typed JSON objects. Kinds receive decoded JSON (JsonObject), so every
// field may be missing or of the wrong type; these helpers keep the validation code short without
// pretending the input is well typed.

import type { JsonObject } from '../../api/types.js';

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The array at `v`, or an empty array when absent or not an array. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The object array at `v` (non-objects replaced by `{}` so callers can index safely). */
export function objs(v: unknown): JsonObject[] {
  if (!Array.isArray(v)) return [];
  return v.map((x) => (isObject(x) ? x : {}));
}

export function obj(v: unknown): JsonObject {
  return isObject(v) ? v : {};
}

/** A string field ('' when absent or not a string), as Go's zero value would read. */
export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A number field (0 when absent), as Go's zero value would read. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** Sets `o[k] = v` only when the field is absent (undefined or null). */
export function setDefault(o: JsonObject, k: string, v: unknown): void {
  if (o[k] === undefined || o[k] === null) o[k] = v;
}

/** Sets `o[k] = v` when the field is absent or the empty string (Go `if x == ""` defaulting). */
export function setDefaultStr(o: JsonObject, k: string, v: string): void {
  if (o[k] === undefined || o[k] === null || o[k] === '') o[k] = v;
}

export function hasKeys(o: unknown): boolean {
  if (!isObject(o)) return false;
  for (const _ in o) return true;
  return false;
}

/** "a=b,c=d" with keys sorted, as labels.FormatLabels prints; "<none>" when empty. */
export function formatLabels(m: unknown): string {
  if (!isObject(m)) return '<none>';
  const keys = Object.keys(m).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${m[k]}`).join(',');
}
