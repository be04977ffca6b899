// Field-set path elements in their serialized fieldsV1 form (`f:`, `k:`, `v:`, `i:`; see
// field-set.ts): construction, canonical form, upstream's order, and display as upstream's
// Path.String(). Also the Go-compatible JSON/quoting these forms are built from.

import { isObject } from './json-value.js';

/** A path element, kept serialized; the string doubles as a map key. */
export type PathElement = string;


export function fieldPE(name: string): PathElement {
  return 'f:' + name;
}

/** A list-map item element from its key fields (sorted by name, as upstream's FieldList.Sort). */
export function keyPE(fields: Iterable<readonly [string, unknown]>): PathElement {
  const list = [...fields].sort((x, y) => compareStrings(x[0], y[0]));
  return 'k:{' + list.map(([n, v]) => goJson(n) + ':' + goJson(v)).join(',') + '}';
}

export function valuePE(v: unknown): PathElement {
  return 'v:' + goJson(v);
}

export function indexPE(i: number): PathElement {
  return 'i:' + i;
}

/**
 * Parses a serialized element into canonical form (so that decoded sets compare equal to built ones).
 * Returns undefined for element types this version does not know (dropped, as upstream); throws on malformed ones.
 */
export function normalizePathElement(s: string): PathElement | undefined {
  if (s.length < 2) throw new Error('key must be 2 characters long:');
  if (s[1] !== ':') throw new Error(`missing colon: ${s}`);
  const body = s.slice(2);
  switch (s[0]) {
    case 'f':
      return s;
    case 'v':
      return valuePE(JSON.parse(body));
    case 'k': {
      const o: unknown = JSON.parse(body);
      if (!isObject(o)) throw new Error(`expected an object key in ${s}`);
      return keyPE(Object.entries(o));
    }
    case 'i': {
      if (!/^-?\d+$/.test(body)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(body)}: invalid syntax`);
      return indexPE(Number(body));
    }
    default:
      return undefined;
  }
}

const TYPE_RANK: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Upstream PathElement.Compare: fields < keys < values < indexes, each by its own order. */
export function comparePathElements(a: PathElement, b: PathElement, parse = (k: PathElement): unknown => JSON.parse(k.slice(2))): number {
  const ra = TYPE_RANK[a[0]] ?? 4;
  const rb = TYPE_RANK[b[0]] ?? 4;
  if (ra !== rb) return ra - rb;
  if (a[0] === 'f') return compareStrings(a, b);
  if (a[0] === 'k') return compareFieldLists(parse(a) as Record<string, unknown>, parse(b) as Record<string, unknown>);
  if (a[0] === 'v') return compareValues(parse(a), parse(b));
  return Number(a.slice(2)) - Number(b.slice(2));
}

/** Sorts `keys` in place in upstream order (used when serializing fieldsV1). */
export function sortPathElements(keys: PathElement[]): PathElement[] {
  // Field names (the common case) sort as plain strings; k:/v: elements are parsed once each.
  if (keys.every((k) => k[0] === 'f')) return keys.sort(compareStrings);
  const parsed = new Map<PathElement, unknown>();
  const parse = (k: PathElement) => {
    if (!parsed.has(k)) parsed.set(k, JSON.parse(k.slice(2)));
    return parsed.get(k);
  };
  return keys.sort((a, b) => comparePathElements(a, b, parse));
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareFieldLists(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = Object.keys(a).sort(compareStrings);
  const kb = Object.keys(b).sort(compareStrings);
  for (let i = 0; ; i++) {
    if (i >= ka.length || i >= kb.length) return ka.length - kb.length;
    const c = compareStrings(ka[i], kb[i]) || compareValues(a[ka[i]], b[kb[i]]);
    if (c !== 0) return c;
  }
}

/** Upstream value.Compare: numbers < strings < booleans < lists < maps < null. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return (a as number) - (b as number);
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return Number(a) - Number(b);
    case 3: {
      const la = a as unknown[];
      const lb = b as unknown[];
      for (let i = 0; i < la.length && i < lb.length; i++) {
        const c = compareValues(la[i], lb[i]);
        if (c !== 0) return c;
      }
      return la.length - lb.length;
    }
    case 4:
      return compareFieldLists(a as Record<string, unknown>, b as Record<string, unknown>);
    default:
      return 0;
  }
}

function valueRank(v: unknown): number {
  if (typeof v === 'number') return 0;
  if (typeof v === 'string') return 1;
  if (typeof v === 'boolean') return 2;
  if (Array.isArray(v)) return 3;
  if (v !== null && typeof v === 'object') return 4;
  return 5;
}

/** Upstream Path.String(): `.spec.template.spec.containers[name="nginx"].image`. */
export function pathToString(path: readonly PathElement[]): string {
  let s = '';
  for (const pe of path) s += peToString(pe);
  return s;
}

/** One element as upstream PathElement.String() shows it. */
export function peToString(pe: PathElement): string {
  const body = pe.slice(2);
  switch (pe[0]) {
    case 'f':
      return '.' + body;
    case 'k': {
      const o = JSON.parse(body) as Record<string, unknown>;
      return '[' + Object.keys(o).map((k) => `${k}=${goValueString(o[k])}`).join(',') + ']';
    }
    case 'v':
      return `[=${goValueString(JSON.parse(body))}]`;
    case 'i':
      return `[${body}]`;
    default:
      return '{{invalid path element}}';
  }
}

/** Upstream value.ToString: strings quoted as Go's %q, numbers and booleans plain. */
function goValueString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (Array.isArray(v)) return '[' + v.map(goValueString).join(',') + ']';
  if (typeof v === 'object') return Object.keys(v).sort(compareStrings).map((k) => `${k}=${goValueString((v as Record<string, unknown>)[k])}`).join('');
  return String(v);
}

/** Go's strconv.Quote for the characters that occur in practice. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** JSON as Go's encoding/json writes it: sorted object keys, HTML-safe string escapes. */
export function goJson(v: unknown): string {
  if (typeof v === 'string') {
    const s = JSON.stringify(v);
    return /[<>&\u2028\u2029]/.test(s)
      ? s.replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
      : s;
  }
  if (v === null || v === undefined || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(goJson).join(',') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).sort(compareStrings).map((k) => goJson(k) + ':' + goJson(o[k])).join(',') + '}';
}
