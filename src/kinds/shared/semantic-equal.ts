// Equality as apimachinery's equality.Semantic.DeepEqual sees decoded objects, approximated on JSON:
// Go decodes an absent field, null, "" (for strings), [] and {} (for maps and value structs) to the
// same zero value, so immutability and "did the spec change" checks must not tell them apart.
// Numbers and booleans are compared as written: 0/false are meaningful for pointer fields.

import { isObject } from '../core/json-shape.js';

function isZeroish(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) {
    for (const k in v) if (!isZeroish(v[k])) return false;
    return true;
  }
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const az = isZeroish(a);
  const bz = isZeroish(b);
  if (az || bz) return az && bz;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a)) {
    if (!isObject(b)) return false;
    for (const k in a) if (!semanticEqual(a[k], b[k])) return false;
    for (const k in b) if (!(k in a) && !isZeroish(b[k])) return false;
    return true;
  }
  return false;
}
