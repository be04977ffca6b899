// One scheduling decision, synchronous and side-effect free apart from the round-robin cursor:
// PreFilter, Filter over the nodes starting where the previous pod stopped (until enough
// feasible nodes are found, as upstream's percentageOfNodesToScore), Score, pick the best with
// random tie-breaking (pkg/scheduler/schedule_one.go, v1.32). The caller assumes the pod on the
// chosen node before anything else runs, so the next decision already sees it.

import type { SchedulerCache } from './cache.js';
import { failedSchedulingMessage, NO_NODES_AVAILABLE, type Diagnosis } from './fit-error.js';
import { isStatus, SKIP, type CycleState, type Plugin, type PodInfo } from './framework.js';
import type { NodeInfo } from './node-info.js';
import type { Profile } from './plugins/default-plugins.js';
import { status } from './types.js';

/** Upstream's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
const MIN_FEASIBLE_NODES_PERCENTAGE = 5;

export interface CycleOptions {
  /** Share of nodes to find feasible before scoring; 0 = upstream's adaptive 50% - n/125 (min 5%). */
  percentageOfNodesToScore?: number;
  /** Floor of nodes to find feasible (upstream: 100). */
  minFeasibleNodesToFind?: number;
  /** [0,1) random source for tie-breaking (tests inject a fixed one). */
  random?: () => number;
}

export type CycleResult =
  /** `state` is the cycle's plugin state, for Reserve/PreBind (volume binding). */
  | { kind: 'scheduled'; node: NodeInfo; state: CycleState }
  /** `plugins` are the plugins that rejected some node: the cluster events that may help. */
  | { kind: 'unschedulable'; message: string; plugins: ReadonlySet<string> };

export function numFeasibleNodesToFind(numAllNodes: number, percentage: number, min: number): number {
  if (numAllNodes < min) return numAllNodes;
  let pct = percentage;
  if (pct <= 0) pct = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE, 50 - Math.trunc(numAllNodes / 125));
  const n = Math.trunc((numAllNodes * pct) / 100);
  return n < min ? min : n;
}

export class SchedulingAlgorithm {
  private nextStart = 0;
  private readonly random: () => number;

  constructor(
    private readonly cache: SchedulerCache,
    private readonly profile: Profile,
    private readonly opts: CycleOptions = {},
  ) {
    this.random = opts.random ?? Math.random;
  }

  schedule(pod: PodInfo): CycleResult {
    const all = this.cache.nodes();
    if (all.length === 0) return { kind: 'unschedulable', message: NO_NODES_AVAILABLE, plugins: new Set() };
    const state: CycleState = new Map();
    const filters: Plugin[] = [];
    let restrict: ReadonlySet<string> | undefined;
    const narrowing: string[] = [];
    for (const p of this.profile.filters) {
      const out = p.preFilter ? p.preFilter(pod, state) : undefined;
      if (out === SKIP) continue;
      if (isStatus(out)) {
        const d: Diagnosis = { rejectedNodes: [], rejectedStatuses: [], absentStatus: out, preFilterMsg: out.reasons.join(', ') };
        return { kind: 'unschedulable', message: failedSchedulingMessage(pod.pod, all.length, d), plugins: new Set([p.name]) };
      }
      if (out && 'nodeNames' in out) {
        restrict = restrict ? new Set([...restrict].filter((n) => out.nodeNames.has(n))) : out.nodeNames;
        narrowing.push(p.name);
      }
      if (p.filter) filters.push(p);
    }

    const d: Diagnosis = { rejectedNodes: [], rejectedStatuses: [] };
    let candidates: readonly NodeInfo[] = all;
    if (restrict) {
      const picked: NodeInfo[] = [];
      for (const name of restrict) {
        const n = this.cache.node(name);
        if (n) picked.push(n);
      }
      candidates = picked;
      narrowing.sort();
      d.absentStatus = status(narrowing[0], 'UnschedulableAndUnresolvable', `node(s) didn't satisfy plugin(s) [${narrowing.join(' ')}]`);
    }

    const feasible = this.findFeasible(pod, state, filters, candidates, d);
    if (feasible.length === 0) {
      const plugins = new Set<string>(narrowing);
      for (const s of d.rejectedStatuses) plugins.add(s.plugin);
      return { kind: 'unschedulable', message: failedSchedulingMessage(pod.pod, all.length, d), plugins };
    }
    if (feasible.length === 1) return { kind: 'scheduled', node: feasible[0], state };
    return { kind: 'scheduled', node: this.pickBest(pod, state, feasible), state };
  }

  private findFeasible(pod: PodInfo, state: CycleState, filters: Plugin[], nodes: readonly NodeInfo[], d: Diagnosis): NodeInfo[] {
    const n = nodes.length;
    if (n === 0) return [];
    const want = numFeasibleNodesToFind(n, this.opts.percentageOfNodesToScore ?? 0, this.opts.minFeasibleNodesToFind ?? MIN_FEASIBLE_NODES_TO_FIND);
    const feasible: NodeInfo[] = [];
    const start = this.nextStart % n;
    let processed = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(start + i) % n];
      processed++;
      let rejected = false;
      for (const f of filters) {
        const s = f.filter!(pod, node, state);
        if (s) {
          d.rejectedNodes.push(node);
          d.rejectedStatuses.push(s);
          rejected = true;
          break;
        }
      }
      if (!rejected) feasible.push(node);
    }
    const total = this.cache.nodeCount;
    this.nextStart = total > 0 ? (this.nextStart + processed) % total : 0;
    return feasible;
  }

  private pickBest(pod: PodInfo, state: CycleState, feasible: NodeInfo[]): NodeInfo {
    const totals = new Array<number>(feasible.length).fill(0);
    const scores = new Array<number>(feasible.length);
    for (const { plugin, weight } of this.profile.scorers) {
      if (!plugin.score) continue;
      if (plugin.preScore && plugin.preScore(pod, feasible, state, this.cache) === SKIP) continue;
      for (let i = 0; i < feasible.length; i++) scores[i] = plugin.score(pod, feasible[i], state);
      plugin.normalize?.(scores, feasible, state);
      for (let i = 0; i < feasible.length; i++) totals[i] += scores[i] * weight;
    }
    // selectHost: the highest total wins; among equals each is equally likely (reservoir sampling).
    let best = 0;
    let ties = 1;
    for (let i = 1; i < feasible.length; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return feasible[best];
  }
}
