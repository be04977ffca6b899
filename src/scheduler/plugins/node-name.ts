// NodeName (pkg/scheduler/framework/plugins/nodename, v1.32): a pod that names its node fits only
// there. The scheduler only picks up pods without spec.nodeName, so this guards the contract.

import type { Plugin } from '../framework.js';
import { status } from '../types.js';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

const REJECT = status(NODE_NAME, 'UnschedulableAndUnresolvable', ERR_REASON_NODE_NAME);

export const nodeName: Plugin = {
  name: NODE_NAME,
  preFilter(pod) {
    return pod.pod.spec?.nodeName ? undefined : 'skip';
  },
  filter(pod, node) {
    const want = pod.pod.spec?.nodeName;
    return !want || want === node.name ? undefined : REJECT;
  },
};
