// TaintToleration (pkg/scheduler/framework/plugins/tainttoleration, v1.32). Filter: the first
// NoSchedule/NoExecute taint, in node order, that no toleration matches rejects the node. A node
// that is not Ready carries the not-ready (or unreachable) NoSchedule taint the node lifecycle
// controller would add, so it is rejected here with upstream's wording. Score: fewer untolerated
// PreferNoSchedule taints is better (normalized in reverse).

import { defaultNormalize, type Plugin } from '../framework.js';
import { firstUntoleratedTaint, tolerationsTolerateTaint } from '../tolerations.js';
import { MAX_NODE_SCORE, status, type Status, type Taint, type Toleration } from '../types.js';

export const TAINT_TOLERATION = 'TaintToleration';

const doNotSchedule = (t: Taint) => t.effect === 'NoSchedule' || t.effect === 'NoExecute';

export function untoleratedTaintReason(t: Taint): string {
  return `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;
}

function reject(t: Taint): Status {
  return status(TAINT_TOLERATION, 'UnschedulableAndUnresolvable', untoleratedTaintReason(t));
}

const PREFER_KEY = 'TaintToleration/prefer';

export const taintToleration: Plugin = {
  name: TAINT_TOLERATION,
  filter(pod, node) {
    if (node.taints.length === 0) return undefined;
    const t = firstUntoleratedTaint(node.taints, pod.tolerations, doNotSchedule);
    return t ? reject(t) : undefined;
  },
  preScore(pod, _feasible, state) {
    // Only tolerations that can apply to PreferNoSchedule taints count (empty effect or that one).
    const tols: Toleration[] = pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.set(PREFER_KEY, tols);
  },
  score(_pod, node, state) {
    if (node.taints.length === 0) return 0;
    const tols = state.get(PREFER_KEY) as Toleration[];
    let n = 0;
    for (const t of node.taints) if (t.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tols, t)) n++;
    return n;
  },
  normalize(scores) {
    defaultNormalize(MAX_NODE_SCORE, true, scores);
  },
};
