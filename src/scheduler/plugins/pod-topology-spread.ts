// PodTopologySpread with the system default constraints (pkg/scheduler/framework/plugins/
// podtopologyspread, v1.32), scoring only: ScheduleAnyway constraints on kubernetes.io/hostname
// (maxSkew 3) and topology.kubernetes.io/zone (maxSkew 5) over the pods of the same group. Each
// node scores sum(count * log(domains + 2) + maxSkew - 1) over the constraints whose key it has;
// NormalizeScore then inverts so the emptiest domain gets 100. This is what spreads the replicas
// of a ReplicaSet across nodes. The group is the pod's controller (see spreadOwnerKey); pods
// without one skip the plugin, as upstream does for pods no Service or controller selects.

import type { Plugin } from '../framework.js';
import { LABEL_HOSTNAME, LABEL_ZONE, type NodeInfo } from '../node-info.js';
import { MAX_NODE_SCORE } from '../types.js';

export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';

const HOSTNAME_MAX_SKEW = 3;
const ZONE_MAX_SKEW = 5;

interface SpreadState {
  group: string;
  hostWeight: number;
  zoneWeight: number;
  zoneCounts: Map<string, number>;
}

const KEY = 'PodTopologySpread/state';

export function topologyNormalizingWeight(size: number): number {
  return Math.log(size + 2);
}

export function scoreForCount(cnt: number, maxSkew: number, weight: number): number {
  return cnt * weight + (maxSkew - 1);
}

export const podTopologySpread: Plugin = {
  name: POD_TOPOLOGY_SPREAD,
  preScore(pod, feasible, state, cluster) {
    const group = pod.usage.spreadKey;
    if (!group) return 'skip';
    // Zone domains are those of the feasible nodes; their counts cover every node in the zone.
    const zoneCounts = new Map<string, number>();
    for (const n of feasible) {
      const z = n.labels[LABEL_ZONE];
      if (z !== undefined && !zoneCounts.has(z)) zoneCounts.set(z, cluster.zoneCount(group, z));
    }
    const s: SpreadState = { group, hostWeight: topologyNormalizingWeight(feasible.length), zoneWeight: topologyNormalizingWeight(zoneCounts.size), zoneCounts };
    state.set(KEY, s);
  },
  score(_pod, node: NodeInfo, state) {
    const s = state.get(KEY) as SpreadState;
    let score = 0;
    if (node.labels[LABEL_HOSTNAME] !== undefined) score += scoreForCount(node.spreadCounts.get(s.group) ?? 0, HOSTNAME_MAX_SKEW, s.hostWeight);
    const z = node.labels[LABEL_ZONE];
    if (z !== undefined) score += scoreForCount(s.zoneCounts.get(z) ?? 0, ZONE_MAX_SKEW, s.zoneWeight);
    return Math.round(score);
  },
  normalize(scores) {
    let min = Infinity;
    let max = 0;
    for (const v of scores) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    for (let i = 0; i < scores.length; i++) {
      if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  },
};
