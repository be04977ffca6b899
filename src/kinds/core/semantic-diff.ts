// Semantic comparison of decoded specs the way apiequality.Semantic.DeepEqual sees Go structs:
// an absent field equals its zero value (null, "", [], {}), so `{}` and a missing list compare
// equal. Also renders a short, go-cmp-like listing of what differs, for the "may not change
// fields other than ..." messages (upstream prints cmp.Diff output there; ours is simplified:
// one `-`/`+` pair per changed leaf path).

import { isObject } from './json-shape.js';

function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isObject(v)) {
    for (const k in v) if (!isZero(v[k])) return false;
    return true;
  }
  return false;
}

export function semanticEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (isZero(a) && isZero(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObject(a) && isObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!semanticEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Lines like `- \tcontainers[0].ports: [...]` / `+ \t...` for each differing leaf. */
export function semanticDiff(typeName: string, a: unknown, b: unknown): string {
  const lines: string[] = [];
  walk(a, b, '', lines);
  return `  ${typeName}{\n${lines.join('\n')}\n  }\n`;
}

function walk(a: unknown, b: unknown, path: string, out: string[]): void {
  if (semanticEqual(a, b)) return;
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) walk(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  out.push(`- \t${path}: ${render(a)},`);
  out.push(`+ \t${path}: ${render(b)},`);
}

function render(v: unknown): string {
  if (isZero(v)) return v === '' ? '""' : 'nil';
  return JSON.stringify(v);
}
