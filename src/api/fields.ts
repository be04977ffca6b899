// Field selectors restated from apimachinery v1.32 pkg/fields/selector.go: comma-separated terms
// `field=value`, `field==value`, `field!=value`; in values `\`, `,` and `=` are escaped with a
// backslash. Errors are 400 BadRequest with upstream's wording (kubectl prints them).

import { apiErr } from './errors.js';

export type FieldOperator = '=' | '!=';

export interface FieldRequirement {
  readonly field: string;
  /** `==` parses to `=`, as upstream's hasTerm. */
  readonly op: FieldOperator;
  readonly value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  /** `get` returns a field's value; an absent field compares as "" (upstream's Fields.Get). */
  matches(get: (field: string) => string | undefined): boolean;
  /** True when the selector does not restrict anything. */
  empty(): boolean;
  /** Canonical text with values escaped, e.g. `metadata.name=a\,b,status.phase!=Running`. */
  toString(): string;
  /** The value an `=` term pins `field` to, if any. */
  requiresExactMatch(field: string): string | undefined;
}

/** fields.EscapeValue */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => '\\' + c);
}

class TermsSelector implements FieldSelector {
  constructor(readonly requirements: readonly FieldRequirement[]) {}
  matches(get: (field: string) => string | undefined): boolean {
    for (const r of this.requirements) {
      const v = get(r.field) ?? '';
      if (r.op === '=' ? v !== r.value : v === r.value) return false;
    }
    return true;
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements.map((r) => `${r.field}${r.op}${escapeFieldValue(r.value)}`).join(',');
  }
  requiresExactMatch(field: string): string | undefined {
    for (const r of this.requirements) if (r.field === field && r.op === '=') return r.value;
    return undefined;
  }
}

const EVERYTHING: FieldSelector = new TermsSelector([]);

/** fields.Everything() */
export function everythingFields(): FieldSelector {
  return EVERYTHING;
}

/** fields.SelectorFromSet / OneTermEqualSelector: field=value terms. */
export function fieldSelectorFromSet(set: Record<string, string> | undefined | null): FieldSelector {
  if (!set) return EVERYTHING;
  return new TermsSelector(Object.keys(set).map((field) => ({ field, op: '=' as const, value: set[field] })));
}

/** splitTerms: split on commas that are not escaped; the backslashes stay in the terms. */
function splitTerms(s: string): string[] {
  if (s.length === 0) return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

/** splitTerm: the first operator occurrence splits (the field part has no escaping); `!=` and `==` win over `=`. */
function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ['!=', '==', '=']) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/**
 * fields.UnescapeValue. Upstream prints the offending rune with %v, i.e. as its number
 * ("unescaped character in value: 61" for '='); kept for fidelity.
 */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') out += c;
      else throw apiErr.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
      inSlash = false;
      continue;
    }
    if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw apiErr.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    else out += c;
  }
  if (inSlash) throw apiErr.badRequest('invalid field selector: invalid escape sequence: \\');
  return out;
}

/**
 * fields.ParseSelector. Terms are sorted by their raw text, as upstream does before parsing.
 * Throws a 400 BadRequest ApiError, e.g. `invalid selector: 'abc'; can't understand 'abc'`.
 */
export function parseFieldSelector(s: string): FieldSelector {
  const parts = splitTerms(s).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const reqs: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw apiErr.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    reqs.push({ field: t.lhs, op: t.op === '!=' ? '!=' : '=', value });
  }
  return reqs.length === 0 ? EVERYTHING : new TermsSelector(reqs);
}
