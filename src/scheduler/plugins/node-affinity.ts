// NodeAffinity (pkg/scheduler/framework/plugins/nodeaffinity, v1.32). PreFilter: a required term
// that pins nodes by `matchFields metadata.name In` narrows the candidates (the other nodes count
// as "didn't satisfy plugin(s) [NodeAffinity]"); terms whose names cannot overlap reject the pod.
// Filter: spec.nodeSelector and the required terms must match the node's labels. Score: the sum of
// the weights of matching preferred terms, normalized to 0..100.

import type { KObject } from '../../api/types.js';
import { defaultNormalize, type Plugin, type PodInfo } from '../framework.js';
import { anyTermMatches, compileTerm, nodeSelectorMatches, termMatches, type CompiledTerm } from '../node-selector.js';
import { MAX_NODE_SCORE, status } from '../types.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

const REJECT = status(NODE_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_POD);
const CONFLICT = status(NODE_AFFINITY, 'UnschedulableAndUnresolvable', ERR_REASON_CONFLICT);

interface Required {
  selector?: Record<string, string>;
  /** undefined: no required affinity; [] (no terms) matches nothing. */
  terms?: CompiledTerm[];
}

interface Preferred {
  weight: number;
  term: CompiledTerm;
}

const REQ_KEY = 'NodeAffinity/required';
const PREF_KEY = 'NodeAffinity/preferred';

function nodeAffinityOf(pod: PodInfo): KObject | undefined {
  return pod.pod.spec?.affinity?.nodeAffinity;
}

/** The node names the required terms allow, if every term pins names (upstream PreFilter). */
function pinnedNodeNames(terms: KObject[]): Set<string> | undefined {
  let union: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of Array.isArray(t?.matchFields) ? t.matchFields : []) {
      if (r?.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set<string>(Array.isArray(r.values) ? r.values.map(String) : []);
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    // A term without a name pin admits every node; the terms are ORed.
    if (!termNames) return undefined;
    union = union ? new Set([...union, ...termNames]) : termNames;
  }
  return union;
}

export const nodeAffinity: Plugin = {
  name: NODE_AFFINITY,
  preFilter(pod, state) {
    const sel = pod.pod.spec?.nodeSelector;
    const required = nodeAffinityOf(pod)?.requiredDuringSchedulingIgnoredDuringExecution;
    const hasSel = sel && typeof sel === 'object';
    if (!required && !hasSel) return 'skip';
    const rawTerms: KObject[] = required ? (Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : []) : [];
    const req: Required = { selector: hasSel ? sel : undefined, terms: required ? rawTerms.map(compileTerm) : undefined };
    state.set(REQ_KEY, req);
    if (!required || rawTerms.length === 0) return undefined;
    const names = pinnedNodeNames(rawTerms);
    if (names && names.size === 0) return CONFLICT;
    return names ? { nodeNames: names } : undefined;
  },
  filter(_pod, node, state) {
    const req = state.get(REQ_KEY) as Required;
    if (req.selector && !nodeSelectorMatches(req.selector, node.labels)) return REJECT;
    if (req.terms && !anyTermMatches(req.terms, node.labels, node.name)) return REJECT;
    return undefined;
  },
  preScore(pod, _feasible, state) {
    const pref = nodeAffinityOf(pod)?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!Array.isArray(pref) || pref.length === 0) return 'skip';
    const terms: Preferred[] = [];
    for (const p of pref) {
      const weight = Number(p?.weight ?? 0);
      if (!weight) continue;
      terms.push({ weight, term: compileTerm(p.preference) });
    }
    if (terms.length === 0) return 'skip';
    state.set(PREF_KEY, terms);
  },
  score(_pod, node, state) {
    const terms = state.get(PREF_KEY) as Preferred[];
    let sum = 0;
    for (const t of terms) if (termMatches(t.term, node.labels, node.name)) sum += t.weight;
    return sum;
  },
  normalize(scores) {
    defaultNormalize(MAX_NODE_SCORE, false, scores);
  },
};
