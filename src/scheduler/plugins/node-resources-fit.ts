// NodeResourcesFit (pkg/scheduler/framework/plugins/noderesources/fit.go, v1.32). Filter: one more
// pod must fit the node's pod count, and every resource the pod requests must fit what is
// allocatable minus what the node's pods (bound or assumed) request; every shortfall is a reason
// ("Too many pods", "Insufficient cpu", ...). In v1.32 all of these are Unschedulable: preemption
// is considered. Score: LeastAllocated over cpu and memory (weight 1 each), using requests with
// the 100m/200Mi defaults for containers that name none.

import type { Plugin } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import { MAX_NODE_SCORE, status, type ResourceAmounts, type Status } from '../types.js';

export const NODE_RESOURCES_FIT = 'NodeResourcesFit';

const TOO_MANY_PODS = 'Too many pods';
const INSUFFICIENT_CPU = 'Insufficient cpu';
const INSUFFICIENT_MEMORY = 'Insufficient memory';
const INSUFFICIENT_EPHEMERAL = 'Insufficient ephemeral-storage';

/** Reasons in upstream's order: pods, cpu, memory, ephemeral-storage, then scalar resources. */
export function insufficientResources(req: ResourceAmounts, node: NodeInfo): string[] {
  const out: string[] = [];
  if (node.podCount + 1 > node.allowedPods) out.push(TOO_MANY_PODS);
  if (req.milliCpu === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalars) return out;
  const a = node.allocatable;
  const r = node.requested;
  if (req.milliCpu > 0 && req.milliCpu > a.milliCpu - r.milliCpu) out.push(INSUFFICIENT_CPU);
  if (req.memory > 0 && req.memory > a.memory - r.memory) out.push(INSUFFICIENT_MEMORY);
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > a.ephemeralStorage - r.ephemeralStorage) out.push(INSUFFICIENT_EPHEMERAL);
  if (req.scalars) {
    for (const [name, q] of req.scalars) {
      if (q === 0) continue;
      if (q > (a.scalars?.get(name) ?? 0) - (r.scalars?.get(name) ?? 0)) out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

/** leastRequestedScore: the share of the resource left free after placing the pod, 0..100. */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_NODE_SCORE) / capacity);
}

export const nodeResourcesFit: Plugin = {
  name: NODE_RESOURCES_FIT,
  filter(pod, node): Status | undefined {
    const reasons = insufficientResources(pod.usage.requests, node);
    return reasons.length ? status(NODE_RESOURCES_FIT, 'Unschedulable', ...reasons) : undefined;
  },
  score(pod, node) {
    const a = node.allocatable;
    let sum = 0;
    let weights = 0;
    if (a.milliCpu !== 0) {
      sum += leastRequestedScore(node.nonZeroCpu + pod.usage.nonZeroCpu, a.milliCpu);
      weights++;
    }
    if (a.memory !== 0) {
      sum += leastRequestedScore(node.nonZeroMemory + pod.usage.nonZeroMemory, a.memory);
      weights++;
    }
    return weights === 0 ? 0 : Math.trunc(sum / weights);
  },
};
