// NodeUnschedulable (pkg/scheduler/framework/plugins/nodeunschedulable, v1.32): a cordoned node
// (spec.unschedulable) takes only pods that tolerate node.kubernetes.io/unschedulable:NoSchedule.

import type { Plugin } from '../framework.js';
import { TAINT_UNSCHEDULABLE } from '../node-info.js';
import { tolerationsTolerateTaint } from '../tolerations.js';
import { status } from '../types.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const REJECT = status(NODE_UNSCHEDULABLE, 'UnschedulableAndUnresolvable', ERR_REASON_UNSCHEDULABLE);
const UNSCHEDULABLE_TAINT = { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' };

export const nodeUnschedulable: Plugin = {
  name: NODE_UNSCHEDULABLE,
  filter(pod, node) {
    if (!node.unschedulable) return undefined;
    return tolerationsTolerateTaint(pod.tolerations, UNSCHEDULABLE_TAINT) ? undefined : REJECT;
  },
};
