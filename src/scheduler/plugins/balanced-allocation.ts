// NodeResourcesBalancedAllocation (pkg/scheduler/framework/plugins/noderesources/
// balanced_allocation.go, v1.32): prefers nodes whose cpu and memory would be used in similar
// proportions after placing the pod: score = (1 - std of the fractions) * 100, with plain
// requests. Pods that request neither (best effort) skip it.

import type { Plugin } from '../framework.js';
import { MAX_NODE_SCORE } from '../types.js';

export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

export function balancedScore(fractions: number[]): number {
  let std = 0;
  if (fractions.length === 2) std = Math.abs((fractions[0] - fractions[1]) / 2);
  else if (fractions.length > 2) {
    const mean = fractions.reduce((a, b) => a + b, 0) / fractions.length;
    std = Math.sqrt(fractions.reduce((a, f) => a + (f - mean) * (f - mean), 0) / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_NODE_SCORE);
}

export const balancedAllocation: Plugin = {
  name: BALANCED_ALLOCATION,
  preScore(pod) {
    const r = pod.usage.requests;
    return r.milliCpu === 0 && r.memory === 0 ? 'skip' : undefined;
  },
  score(pod, node) {
    const a = node.allocatable;
    const r = pod.usage.requests;
    const fractions: number[] = [];
    if (a.milliCpu !== 0) fractions.push(Math.min(1, (node.requested.milliCpu + r.milliCpu) / a.milliCpu));
    if (a.memory !== 0) fractions.push(Math.min(1, (node.requested.memory + r.memory) / a.memory));
    return balancedScore(fractions);
  },
};
