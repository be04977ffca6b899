// The default profile, in upstream's order and with its score weights (pkg/scheduler/apis/config/
// v1/default_plugins.go, v1.32). Filters run in this order and the first rejection names the
// node's reason, which is why NodeUnschedulable reports a cordoned node before its taints do.

import type { Plugin, WeightedPlugin } from '../framework.js';
import { balancedAllocation } from './balanced-allocation.js';
import { nodeAffinity } from './node-affinity.js';
import { nodeName } from './node-name.js';
import { nodePorts } from './node-ports.js';
import { nodeResourcesFit } from './node-resources-fit.js';
import { nodeUnschedulable } from './node-unschedulable.js';
import { podTopologySpread } from './pod-topology-spread.js';
import { taintToleration } from './taint-toleration.js';

export interface Profile {
  filters: Plugin[];
  scorers: WeightedPlugin[];
}

/** `volumeBinding` is the VolumeBinding plugin bound to the scheduler's volume binder (absent: pods' volumes are not looked at). */
export function defaultProfile(volumeBinding?: Plugin): Profile {
  const filters = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit];
  if (volumeBinding) filters.push(volumeBinding);
  return {
    filters,
    scorers: [
      { plugin: taintToleration, weight: 3 },
      { plugin: nodeAffinity, weight: 2 },
      { plugin: nodeResourcesFit, weight: 1 },
      { plugin: podTopologySpread, weight: 2 },
      { plugin: balancedAllocation, weight: 1 },
    ],
  };
}
