// Renders JSON values the way Go's fmt and encoding/json name them in error messages, so patch errors read
// like the apiserver's. The apiserver decodes patches with integers preserved as int64, so integral numbers
// are treated as int64 and everything else as float64.

import { isObject } from './json-value.js';

/** Go's reflect type name of a decoded JSON value, as `mergepatch.ErrBadArgType` prints it. */
export function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (Array.isArray(v)) return '[]interface {}';
  switch (typeof v) {
    case 'object':
      return 'map[string]interface {}';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'number':
      return isGoInt(v) ? 'int64' : 'float64';
    default:
      return typeof v;
  }
}

/** The word encoding/json uses for a JSON value in "cannot unmarshal X into ..." messages. */
export function jsonKindWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  switch (typeof v) {
    case 'object':
      return 'object';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    default:
      return 'number';
  }
}

function isGoInt(n: number): boolean {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63;
}

/** Go's `%v` of a float64: strconv 'g' with shortest digits, exponent form when exp < -4 or exp >= 6. */
function goFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  const [mant, expStr] = n.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  return String(n);
}

function goNumber(n: number): string {
  return isGoInt(n) ? String(n) : goFloat(n);
}

/** Go's `%v` (fmt.Sprint) of a decoded JSON value: `map[a:1 b:[x y]]`, `<nil>`; map keys sorted. */
export function goSprint(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[' + v.map(goSprint).join(' ') + ']';
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return 'map[' + keys.map((k) => `${k}:${goSprint(v[k])}`).join(' ') + ']';
  }
  if (typeof v === 'number') return goNumber(v);
  return String(v);
}

/** Go's `%s` of a decoded JSON value: strings verbatim, other scalars as `%!s(int64=1)`. */
export function goSprintS(v: unknown): string {
  if (v === null || v === undefined) return '%!s(<nil>)';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return '[' + v.map(goSprintS).join(' ') + ']';
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return 'map[' + keys.map((k) => `${k}:${goSprintS(v[k])}`).join(' ') + ']';
  }
  if (typeof v === 'number') return `%!s(${goTypeName(v)}=${goNumber(v)})`;
  if (typeof v === 'boolean') return `%!s(bool=${v})`;
  return String(v);
}
