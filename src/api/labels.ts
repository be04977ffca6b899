// Label selectors restated from apimachinery v1.32 pkg/labels (selector.go: lexer, parser,
// Requirement) and metav1 helpers (LabelSelectorAsSelector, FormatLabelSelector). The string
// syntax, the canonical String() form and every error message follow upstream, because kubectl
// sends `-l` text unchanged and prints the server's 400 message.

import { apiErr } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './validation/names.js';
import { goQuote, goStringSlice } from './validation/go-format.js';

/** selection.Operator values. */
export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** As given (parsed selectors: sorted and de-duplicated, like upstream's sets.String). */
  readonly values: readonly string[];
}

export interface Selector {
  /** Whether every requirement holds for the labels (absent labels count as an empty set). */
  matches(labels: Record<string, string> | undefined | null): boolean;
  /** True when the selector does not restrict anything (matches everything). */
  empty(): boolean;
  /** True only for the selector of a nil LabelSelector, which matches nothing. */
  matchesNothing(): boolean;
  /** Canonical text, e.g. `app=web,tier in (a,b)`; "" for both everything and nothing. */
  toString(): string;
  /** The value a requirement pins `key` to (=, == or a one-value in), if any. */
  requiresExactMatch(key: string): string | undefined;
  readonly requirements: readonly Requirement[];
}

const UNARY: readonly Operator[] = ['exists', '!'];
const BINARY: readonly Operator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const ALL_OPERATORS: readonly Operator[] = [...BINARY, ...UNARY];

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** strconv.ParseInt(s, 10, 64); undefined when Go would fail. */
function parseInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

function hasValue(r: Requirement, v: string): boolean {
  for (const x of r.values) if (x === v) return true;
  return false;
}

/** Requirement.Matches */
export function requirementMatches(r: Requirement, labels: Record<string, string> | undefined | null): boolean {
  const has = !!labels && Object.prototype.hasOwnProperty.call(labels, r.key);
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && hasValue(r, labels![r.key]);
    case 'notin':
    case '!=':
      return !has || !hasValue(r, labels![r.key]);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has) return false;
      const lv = parseInt64(labels![r.key]);
      if (lv === undefined || r.values.length !== 1) return false;
      const rv = parseInt64(r.values[0]);
      if (rv === undefined) return false;
      return r.operator === 'gt' ? lv > rv : lv < rv;
    }
    default:
      return false;
  }
}

/** Requirement.String: `key=v`, `key in (a,b)` (values sorted on output), `!key`, `key>5`. */
export function requirementToString(r: Requirement): string {
  let s = r.operator === '!' ? '!' + r.key : r.key;
  switch (r.operator) {
    case 'exists':
    case '!':
      return s;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    default:
      s += r.operator;
  }
  const set = r.operator === 'in' || r.operator === 'notin';
  const vals = r.values.length === 1 ? r.values[0] : [...r.values].sort(goCompare).join(',');
  return set ? `${s}(${vals})` : s + vals;
}

/** Go's string order (bytewise; equals UTF-16 order outside astral characters). */
function goCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

class RequirementsSelector implements Selector {
  constructor(readonly requirements: readonly Requirement[]) {}
  matches(labels: Record<string, string> | undefined | null): boolean {
    for (const r of this.requirements) if (!requirementMatches(r, labels)) return false;
    return true;
  }
  empty(): boolean {
    return this.requirements.length === 0;
  }
  matchesNothing(): boolean {
    return false;
  }
  toString(): string {
    return this.requirements.map(requirementToString).join(',');
  }
  requiresExactMatch(key: string): string | undefined {
    for (const r of this.requirements) {
      if (r.key !== key) continue;
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
      return undefined;
    }
    return undefined;
  }
}

class NothingSelector implements Selector {
  readonly requirements: readonly Requirement[] = [];
  matches(): boolean {
    return false;
  }
  empty(): boolean {
    return false;
  }
  matchesNothing(): boolean {
    return true;
  }
  toString(): string {
    return '';
  }
  requiresExactMatch(): string | undefined {
    return undefined;
  }
}

const EVERYTHING: Selector = new RequirementsSelector([]);
const NOTHING: Selector = new NothingSelector();

/** labels.Everything() */
export function everything(): Selector {
  return EVERYTHING;
}

/** labels.Nothing(): what a nil LabelSelector means. */
export function nothing(): Selector {
  return NOTHING;
}

/** Sorted by key, as Selector.Add and Parse do (stable here; Go's sort is not, for equal keys). */
function byKey(reqs: Requirement[]): Requirement[] {
  return reqs.sort((a, b) => goCompare(a.key, b.key));
}

/** labels.SelectorFromSet: key=value requirements, not validated; empty or absent set = everything. */
export function selectorFromSet(set: Record<string, string> | undefined | null): Selector {
  if (!set) return EVERYTHING;
  const keys = Object.keys(set);
  if (keys.length === 0) return EVERYTHING;
  return new RequirementsSelector(byKey(keys.map((k) => ({ key: k, operator: '=' as const, values: [set[k]] }))));
}

// ---- NewRequirement and its field errors --------------------------------------------------------

/** A field.Error rendered as Error() does: `<path>: Invalid value: <%q or %#v of value>: <detail>`. */
function fieldError(path: string, value: string | readonly string[], detail: string): string {
  const v = typeof value === 'string' ? goQuote(value) : goStringSlice(value);
  return `${path}: Invalid value: ${v}: ${detail}`;
}

/** utilerrors aggregate text: one message alone, several de-duplicated in brackets. */
function aggregate(msgs: string[]): string | undefined {
  const uniq = [...new Set(msgs)];
  if (uniq.length === 0) return undefined;
  return uniq.length === 1 ? uniq[0] : `[${uniq.join(', ')}]`;
}

/**
 * labels.NewRequirement's checks; returns the aggregated error text or undefined. `path` is the
 * field path option ("" = none: upstream's nil path, whose children print without a parent).
 */
function checkRequirement(key: string, op: string, vals: readonly string[], path: string): string | undefined {
  const errs: string[] = [];
  const child = (c: string) => (path ? `${path}.${c}` : c);
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length) errs.push(fieldError(child('key'), key, keyErrs.join('; ')));
  const vp = child('values');
  switch (op) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(fieldError(vp, vals, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(fieldError(vp, vals, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(fieldError(vp, vals, 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(fieldError(vp, vals, "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) errs.push(fieldError(`${vp}[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
    default:
      errs.push(`${child('operator')}: Unsupported value: ${goQuote(op)}: supported values: ${ALL_OPERATORS.map((o) => goQuote(o)).join(', ')}`);
  }
  vals.forEach((v, i) => {
    const ve = isValidLabelValue(v);
    if (ve.length) errs.push(fieldError(`${vp}[${i}][${key}]`, v, ve.join('; ')));
  });
  return aggregate(errs);
}

/** labels.NewRequirement: throws a 400 with upstream's aggregated field errors when invalid. */
export function newRequirement(key: string, operator: Operator, values: readonly string[]): Requirement {
  const err = checkRequirement(key, operator, values, '');
  if (err) throw apiErr.badRequest(err);
  return { key, operator, values: [...values] };
}

// ---- metav1.LabelSelector -----------------------------------------------------------------------

export interface LabelSelectorExpression {
  key?: string;
  operator?: string;
  values?: readonly string[] | null;
}

export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: readonly LabelSelectorExpression[] | null;
}

const EXPRESSION_OPS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/**
 * metav1.LabelSelectorAsSelector. A null/absent selector matches NOTHING (workload controllers rely
 * on this); an empty one ({}) matches EVERYTHING. Throws a 400 ApiError on an invalid selector.
 */
export function selectorFromLabelSelector(ls: LabelSelector | undefined | null): Selector {
  if (ls === null || ls === undefined) return NOTHING;
  const matchLabels = ls.matchLabels ?? {};
  const exprs = ls.matchExpressions ?? [];
  const keys = Object.keys(matchLabels);
  if (keys.length + exprs.length === 0) return EVERYTHING;
  const reqs: Requirement[] = [];
  for (const k of keys) reqs.push(newRequirement(k, '=', [matchLabels[k]]));
  for (const e of exprs) {
    const op = EXPRESSION_OPS[e.operator ?? ''];
    if (!op) throw apiErr.badRequest(`${goQuote(e.operator ?? '')} is not a valid label selector operator`);
    reqs.push(newRequirement(e.key ?? '', op, [...(e.values ?? [])]));
  }
  return new RequirementsSelector(byKey(reqs));
}

/** metav1.FormatLabelSelector: the canonical text, `<none>` when empty or nil, `<error>` when invalid. */
export function labelSelectorToString(ls: LabelSelector | undefined | null): string {
  let s: string;
  try {
    s = selectorFromLabelSelector(ls).toString();
  } catch {
    return '<error>';
  }
  return s.length === 0 ? '<none>' : s;
}

// ---- The string syntax: lexer ------------------------------------------------------------------

const enum Tok {
  Error,
  EndOfString,
  ClosedPar,
  Comma,
  DoesNotExist,
  DoubleEquals,
  Equals,
  GreaterThan,
  Identifier,
  In,
  LessThan,
  NotEquals,
  NotIn,
  OpenPar,
}

const STRING_TO_TOKEN: Record<string, Tok> = {
  ')': Tok.ClosedPar,
  ',': Tok.Comma,
  '!': Tok.DoesNotExist,
  '==': Tok.DoubleEquals,
  '=': Tok.Equals,
  '>': Tok.GreaterThan,
  in: Tok.In,
  '<': Tok.LessThan,
  '!=': Tok.NotEquals,
  notin: Tok.NotIn,
  '(': Tok.OpenPar,
};

interface Item {
  tok: Tok;
  lit: string;
}

const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isSpecial = (c: string) => c === '=' || c === '!' || c === '(' || c === ')' || c === ',' || c === '>' || c === '<';

/** Tokenizes like upstream's Lexer (a NUL character ends the input, as Go's read() returns 0). */
function lex(s: string): Item[] {
  const items: Item[] = [];
  let pos = 0;
  const at = (i: number) => (i < s.length && s[i] !== '\0' ? s[i] : '');
  for (;;) {
    while (at(pos) !== '' && isWhitespace(at(pos))) pos++;
    const ch = at(pos);
    if (ch === '') {
      items.push({ tok: Tok.EndOfString, lit: '' });
      return items;
    }
    if (isSpecial(ch)) {
      // Longest run of special characters that still forms a token ("!=", "==").
      let buf = '';
      let last: Item | undefined;
      while (at(pos) !== '' && isSpecial(at(pos))) {
        buf += at(pos);
        const t = STRING_TO_TOKEN[buf];
        if (t !== undefined) last = { tok: t, lit: buf };
        else if (last) break;
        pos++;
      }
      items.push(last ?? { tok: Tok.Error, lit: `error expected: keyword found '${buf}'` });
      continue;
    }
    let buf = '';
    while (at(pos) !== '' && !isSpecial(at(pos)) && !isWhitespace(at(pos))) buf += s[pos++];
    const t = Object.prototype.hasOwnProperty.call(STRING_TO_TOKEN, buf) ? STRING_TO_TOKEN[buf] : undefined;
    items.push({ tok: t ?? Tok.Identifier, lit: buf });
  }
}

// ---- The string syntax: parser -----------------------------------------------------------------

class SelectorSyntaxError extends Error {}

class Parser {
  private position = 0;
  constructor(private readonly items: Item[]) {}

  /** In a values context the keywords "in" and "notin" are plain identifiers. */
  private view(i: number, values: boolean): Item {
    const it = this.items[i];
    if (values && (it.tok === Tok.In || it.tok === Tok.NotIn)) return { tok: Tok.Identifier, lit: it.lit };
    return it;
  }
  private lookahead(values = true): Item {
    return this.view(this.position, values);
  }
  private consume(values = true): Item {
    return this.view(this.position++, values);
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const { tok, lit } = this.lookahead();
      if (tok === Tok.Identifier || tok === Tok.DoesNotExist) {
        let r: Requirement;
        try {
          r = this.parseRequirement();
        } catch (e) {
          if (e instanceof SelectorSyntaxError) throw new SelectorSyntaxError(`unable to parse requirement: ${e.message}`);
          throw e;
        }
        reqs.push(r);
        const next = this.consume();
        if (next.tok === Tok.EndOfString) return reqs;
        if (next.tok === Tok.Comma) {
          const t2 = this.lookahead();
          if (t2.tok !== Tok.Identifier && t2.tok !== Tok.DoesNotExist) {
            throw new SelectorSyntaxError(`found '${t2.lit}', expected: identifier after ','`);
          }
        } else {
          throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or 'end of string'`);
        }
      } else if (tok === Tok.EndOfString) {
        return reqs;
      } else {
        throw new SelectorSyntaxError(`found '${lit}', expected: !, identifier, or 'end of string'`);
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator();
    if (operator === 'exists' || operator === '!') return this.build(key, operator, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    // sets.String.List(): unique and sorted.
    return this.build(key, op, [...values].sort(goCompare));
  }

  private build(key: string, op: Operator, values: string[]): Requirement {
    const err = checkRequirement(key, op, values, '');
    if (err) throw new SelectorSyntaxError(err);
    return { key, operator: op, values };
  }

  private parseKeyAndInferOperator(): { key: string; operator?: Operator } {
    let operator: Operator | undefined;
    let { tok, lit } = this.consume();
    if (tok === Tok.DoesNotExist) {
      operator = '!';
      ({ tok, lit } = this.consume());
    }
    if (tok !== Tok.Identifier) throw new SelectorSyntaxError(`found '${lit}', expected: identifier`);
    const keyErrs = isQualifiedName(lit);
    // Upstream validates the key with the parser's nil field path, which prints as "<nil>".
    if (keyErrs.length) throw new SelectorSyntaxError(fieldError('<nil>', lit, keyErrs.join('; ')));
    const t = this.lookahead().tok;
    if ((t === Tok.EndOfString || t === Tok.Comma) && operator !== '!') operator = 'exists';
    return { key: lit, operator };
  }

  private parseOperator(): Operator {
    const { tok, lit } = this.consume(false);
    switch (tok) {
      case Tok.In:
        return 'in';
      case Tok.Equals:
        return '=';
      case Tok.DoubleEquals:
        return '==';
      case Tok.GreaterThan:
        return 'gt';
      case Tok.LessThan:
        return 'lt';
      case Tok.NotIn:
        return 'notin';
      case Tok.NotEquals:
        return '!=';
      default:
        throw new SelectorSyntaxError(`found '${lit}', expected: ${BINARY.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume();
    if (open.tok !== Tok.OpenPar) throw new SelectorSyntaxError(`found '${open.lit}' expected: '('`);
    const { tok, lit } = this.lookahead();
    if (tok === Tok.Identifier || tok === Tok.Comma) {
      const s = this.parseIdentifiersList();
      if (this.consume().tok !== Tok.ClosedPar) throw new SelectorSyntaxError(`found '${lit}', expected: ')'`);
      return s;
    }
    if (tok === Tok.ClosedPar) {
      this.consume();
      return new Set(['']);
    }
    throw new SelectorSyntaxError(`found '${lit}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const s = new Set<string>();
    for (;;) {
      const { tok, lit } = this.consume();
      if (tok === Tok.Identifier) {
        s.add(lit);
        const next = this.lookahead();
        if (next.tok === Tok.Comma) continue;
        if (next.tok === Tok.ClosedPar) return s;
        throw new SelectorSyntaxError(`found '${next.lit}', expected: ',' or ')'`);
      } else if (tok === Tok.Comma) {
        // "(," "(a,,b)" and ",)" each contribute the empty value.
        if (s.size === 0) s.add('');
        const next = this.lookahead().tok;
        if (next === Tok.ClosedPar) {
          s.add('');
          return s;
        }
        if (next === Tok.Comma) s.add('');
      } else {
        throw new SelectorSyntaxError(`found '${lit}', expected: ',', or identifier`);
      }
    }
  }

  private parseExactValue(): Set<string> {
    const t = this.lookahead().tok;
    if (t === Tok.EndOfString || t === Tok.Comma) return new Set(['']);
    const { tok, lit } = this.consume();
    if (tok === Tok.Identifier) return new Set([lit]);
    throw new SelectorSyntaxError(`found '${lit}', expected: identifier`);
  }
}

/**
 * labels.Parse: `x in (foo,,baz),y,z notin ()`, `a=b`, `a==b`, `a!=b`, `!a`, `a`, `a>5`, `a<5`.
 * Throws a 400 BadRequest ApiError carrying upstream's message, e.g.
 * `unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt`.
 */
export function parseSelector(s: string): Selector {
  let reqs: Requirement[];
  try {
    reqs = new Parser(lex(s)).parse();
  } catch (e) {
    if (e instanceof SelectorSyntaxError) throw apiErr.badRequest(e.message);
    throw e;
  }
  return reqs.length === 0 ? EVERYTHING : new RequirementsSelector(byKey(reqs));
}
