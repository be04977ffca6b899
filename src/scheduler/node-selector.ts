// Node selector terms compiled once per pod, as component-helpers/scheduling/corev1/nodeaffinity
// (v1.32) parses them: terms are ORed, a term's expressions and fields are ANDed, an empty term
// matches nothing, and a term that does not parse (bad operator, key or values) matches nothing
// while the other terms still count ("lazy errors").

import { newRequirement, requirementMatches, type Operator, type Requirement } from '../api/labels.js';
import type { KObject } from '../api/types.js';

const OPS: Record<string, Operator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!', Gt: 'gt', Lt: 'lt' };

interface FieldReq {
  negate: boolean;
  value: string;
}

export interface CompiledTerm {
  labels?: Requirement[];
  fields?: FieldReq[];
  /** True when the term failed to parse or is empty: it never matches. */
  never: boolean;
}

function compileLabels(exprs: KObject[]): Requirement[] | undefined {
  const out: Requirement[] = [];
  for (const e of exprs) {
    const op = OPS[e?.operator];
    if (!op) return undefined;
    try {
      out.push(newRequirement(String(e.key ?? ''), op, Array.isArray(e.values) ? e.values.map(String) : []));
    } catch {
      return undefined;
    }
  }
  return out;
}

function compileFields(exprs: KObject[]): FieldReq[] | undefined {
  const out: FieldReq[] = [];
  for (const e of exprs) {
    // Only metadata.name is a node field; In and NotIn take exactly one value.
    if (e?.key !== 'metadata.name') return undefined;
    if (e.operator !== 'In' && e.operator !== 'NotIn') return undefined;
    if (!Array.isArray(e.values) || e.values.length !== 1) return undefined;
    out.push({ negate: e.operator === 'NotIn', value: String(e.values[0]) });
  }
  return out;
}

export function compileTerm(term: KObject | undefined): CompiledTerm {
  const me = Array.isArray(term?.matchExpressions) ? term!.matchExpressions : [];
  const mf = Array.isArray(term?.matchFields) ? term!.matchFields : [];
  if (me.length === 0 && mf.length === 0) return { never: true };
  const t: CompiledTerm = { never: false };
  if (me.length) {
    const l = compileLabels(me);
    if (!l) return { never: true };
    t.labels = l;
  }
  if (mf.length) {
    const f = compileFields(mf);
    if (!f) return { never: true };
    t.fields = f;
  }
  return t;
}

export function termMatches(t: CompiledTerm, labels: Record<string, string>, nodeName: string): boolean {
  if (t.never) return false;
  if (t.labels) for (const r of t.labels) if (!requirementMatches(r, labels)) return false;
  if (t.fields) for (const f of t.fields) if ((f.value === nodeName) === f.negate) return false;
  return true;
}

export function anyTermMatches(terms: readonly CompiledTerm[], labels: Record<string, string>, nodeName: string): boolean {
  for (const t of terms) if (termMatches(t, labels, nodeName)) return true;
  return false;
}

/** A nodeSelector map (labels.SelectorFromSet): every key must be present with that value. */
export function nodeSelectorMatches(sel: Record<string, string>, labels: Record<string, string>): boolean {
  for (const k in sel) if (labels[k] !== sel[k]) return false;
  return true;
}
