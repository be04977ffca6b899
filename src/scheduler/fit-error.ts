// The FailedScheduling message, worded as upstream v1.32 builds it:
//   FitError.Error() (pkg/scheduler/framework/types.go):
//     "0/N nodes are available:" + " <prefilter msg>." or " <sorted histogram>." + " <postfilter msg>"
//   where the histogram counts each reason once per node ("3 node(s) didn't match ..."), nodes the
//   filters never saw count with the "absent" status, and entries sort as strings (Go sort.Strings);
//   DefaultPreemption's PostFilter message (default_preemption.go, preemption.go):
//     "preemption: " + a second FitError over the nodes preemption could help, i.e. those rejected
//     as Unschedulable (resources, ports). A node without lower-priority pods yields "No preemption
//     victims found for incoming pod"; every other node is "Preemption is not helpful for
//     scheduling". A pod with preemptionPolicy Never gets "not eligible due to preemptionPolicy=Never.".

import type { KObject } from '../api/types.js';
import type { NodeInfo } from './node-info.js';
import type { Status } from './types.js';

export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';
export const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';
export const PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';

/** Why no node fit, as the scheduling cycle saw it. */
export interface Diagnosis {
  /** Nodes a filter rejected, and the first rejecting status for each (parallel arrays). */
  rejectedNodes: NodeInfo[];
  rejectedStatuses: Status[];
  /** The status of every node not in rejectedNodes (PreFilter rejection or narrowing). */
  absentStatus?: Status;
  /** Set when a PreFilter plugin rejected the pod outright. */
  preFilterMsg?: string;
}

/** FitError.Error() without the post-filter part. */
export function fitErrorMessage(numAllNodes: number, d: Pick<Diagnosis, 'rejectedStatuses' | 'absentStatus' | 'preFilterMsg'>): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) return `${msg} ${d.preFilterMsg}.`;
  const hist = new Map<string, number>();
  for (const s of d.rejectedStatuses) for (const r of s.reasons) hist.set(r, (hist.get(r) ?? 0) + 1);
  const absent = numAllNodes - d.rejectedStatuses.length;
  if (absent > 0 && d.absentStatus) for (const r of d.absentStatus.reasons) hist.set(r, (hist.get(r) ?? 0) + absent);
  const parts = [...hist].map(([r, n]) => `${n} ${r}`);
  parts.sort(goStringCompare);
  if (parts.length) msg += ` ${parts.join(', ')}.`;
  return msg;
}

/** Go compares strings bytewise; for UTF-16 JS strings that is code-point order over UTF-8. */
function goStringCompare(a: string, b: string): number {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return Buffer.compare(ba, bb);
}

/** DefaultPreemption's PostFilter message, "preemption: ..." (no preemption is carried out). */
export function preemptionMessage(pod: KObject, numAllNodes: number, d: Diagnosis): string {
  if (pod.spec?.preemptionPolicy === 'Never') return `preemption: ${PREEMPTION_POLICY_NEVER}`;
  const priority = typeof pod.spec?.priority === 'number' ? pod.spec.priority : 0;
  const statuses: Status[] = [];
  for (let i = 0; i < d.rejectedNodes.length; i++) {
    const s = d.rejectedStatuses[i];
    if (s.code !== 'Unschedulable') continue;
    // Evicting lower-priority pods is not implemented; a node that has some reports the reason
    // it does not fit now, which is what upstream reports when evicting them would not help.
    statuses.push(d.rejectedNodes[i].hasPodBelowPriority(priority) ? s : NO_VICTIMS);
  }
  const inner = fitErrorMessage(numAllNodes, { rejectedStatuses: statuses, absentStatus: NOT_HELPFUL });
  return `preemption: ${inner}`;
}

const NOT_HELPFUL: Status = Object.freeze({ code: 'UnschedulableAndUnresolvable', reasons: [PREEMPTION_NOT_HELPFUL], plugin: 'DefaultPreemption' });
const NO_VICTIMS: Status = Object.freeze({ code: 'UnschedulableAndUnresolvable', reasons: [NO_PREEMPTION_VICTIMS], plugin: 'DefaultPreemption' });

/** The whole message: FitError.Error() with the preemption outcome appended. */
export function failedSchedulingMessage(pod: KObject, numAllNodes: number, d: Diagnosis): string {
  return `${fitErrorMessage(numAllNodes, d)} ${preemptionMessage(pod, numAllNodes, d)}`;
}
