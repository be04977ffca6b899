// The plugin contract of the scheduling cycle, a narrow restatement of upstream's framework
// (pkg/scheduler/framework/interface.go): PreFilter once per pod (may skip the plugin, narrow
// the nodes or reject the pod), Filter per node (first rejection wins), PreScore/Score per
// feasible node, NormalizeScore to 0..100, then the weighted sum decides.

import type { KObject } from '../api/types.js';
import type { NodeInfo, PodUsage } from './node-info.js';
import type { Status, Toleration } from './types.js';

/** The pod being scheduled, with what every plugin needs computed once. */
export interface PodInfo {
  pod: KObject;
  key: string;
  usage: PodUsage;
  tolerations: Toleration[];
}

export function podInfoOf(pod: KObject, usage: PodUsage): PodInfo {
  const t = pod.spec?.tolerations;
  return { pod, key: usage.key, usage, tolerations: Array.isArray(t) ? t : [] };
}

/** Per-cycle scratch space, keyed by plugin name. */
export type CycleState = Map<string, unknown>;

export const SKIP = 'skip' as const;

/** PreFilter: skip this plugin for the pod, reject the pod, restrict to these nodes, or go on. */
export type PreFilterOutcome = void | typeof SKIP | Status | { nodeNames: ReadonlySet<string> };

/** What scoring plugins may read beyond the feasible nodes. */
export interface ClusterView {
  nodes(): readonly NodeInfo[];
  /** Pods of a spreading group on the existing nodes of a zone. */
  zoneCount(group: string, zone: string): number;
}

export interface Plugin {
  readonly name: string;
  preFilter?(pod: PodInfo, state: CycleState): PreFilterOutcome;
  filter?(pod: PodInfo, node: NodeInfo, state: CycleState): Status | undefined;
  preScore?(pod: PodInfo, feasible: readonly NodeInfo[], state: CycleState, cluster: ClusterView): void | typeof SKIP;
  score?(pod: PodInfo, node: NodeInfo, state: CycleState): number;
  /** Rewrites raw scores (parallel to the feasible nodes) in place to 0..MAX_NODE_SCORE. */
  normalize?(scores: number[], feasible: readonly NodeInfo[], state: CycleState): void;
}

export interface WeightedPlugin {
  plugin: Plugin;
  weight: number;
}

export function isStatus(x: unknown): x is Status {
  return typeof x === 'object' && x !== null && 'code' in x && 'reasons' in x;
}

/** Upstream's helper.DefaultNormalizeScore. */
export function defaultNormalize(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}
