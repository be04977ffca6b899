// NodePorts (pkg/scheduler/framework/plugins/nodeports, v1.32): the host ports a pod's containers
// claim must be free on the node; 0.0.0.0 conflicts with every address. Preemption may help
// (Unschedulable), since the holder could be evicted.

import type { Plugin } from '../framework.js';
import { status } from '../types.js';

export const NODE_PORTS = 'NodePorts';
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

const REJECT = status(NODE_PORTS, 'Unschedulable', ERR_REASON_NODE_PORTS);

export const nodePorts: Plugin = {
  name: NODE_PORTS,
  preFilter(pod) {
    return pod.usage.hostPorts.length === 0 ? 'skip' : undefined;
  },
  filter(pod, node) {
    for (const p of pod.usage.hostPorts) if (node.usedPorts.conflicts(p)) return REJECT;
    return undefined;
  },
};
