// Which nodes a DaemonSet runs on, and how its pods are pinned to them (pkg/controller/daemon
// daemon_controller.go NodeShouldRunDaemonPod/predicates and util/daemonset_util.go, v1.32).
//
// A node is judged with the pod the DaemonSet would put there: the template plus the tolerations
// daemon pods always get. Its nodeSelector and required node affinity must match the node, and it
// must tolerate the node's NoSchedule and NoExecute taints:
//  - all fit:                              should run (a pod is created) and may continue running;
//  - selector/affinity/nodeName misfit:    neither (an existing pod is deleted);
//  - only an untolerated NoSchedule taint: should not run, but an existing pod continues;
//  - an untolerated NoExecute taint:       neither.

import { cloneJson } from '../../api/equality.js';
import type { KObject } from '../../api/types.js';
import { anyTermMatches, compileTerm, nodeSelectorMatches, type CompiledTerm } from '../../scheduler/node-selector.js';
import { firstUntoleratedTaint } from '../../scheduler/tolerations.js';
import type { Taint, Toleration } from '../../scheduler/types.js';

/** The tolerations every daemon pod gets (AddOrUpdateDaemonPodTolerations); the last one only with hostNetwork. */
export const DAEMON_POD_TOLERATIONS: readonly Toleration[] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
];
export const HOST_NETWORK_TOLERATION: Toleration = { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' };

/** metav1.ObjectNameField: the only node field node affinity can select on. */
export const OBJECT_NAME_FIELD = 'metadata.name';

/** Toleration.MatchToleration: same key, operator, value and effect (operator "" and "Equal" differ, as in Go). */
function sameToleration(a: Toleration, b: Toleration): boolean {
  return (a.key ?? '') === (b.key ?? '') && (a.operator ?? '') === (b.operator ?? '') && (a.value ?? '') === (b.value ?? '') && (a.effect ?? '') === (b.effect ?? '');
}

/**
 * AddOrUpdateTolerationInPodSpec for each daemon toleration: a matching toleration (which may
 * differ only in tolerationSeconds) is replaced in place, a missing one appended. Returns a new list.
 */
export function withDaemonTolerations(tolerations: readonly Toleration[] | undefined, hostNetwork: boolean): Toleration[] {
  let out = (tolerations ?? []).map((t) => ({ ...t }));
  const add = (t: Toleration) => {
    let replaced = false;
    out = out.map((x) => {
      if (!sameToleration(x, t)) return x;
      replaced = true;
      return { ...t };
    });
    if (!replaced) out.push({ ...t });
  };
  for (const t of DAEMON_POD_TOLERATIONS) add(t);
  if (hostNetwork) add(HOST_NETWORK_TOLERATION);
  return out;
}

/** What a DaemonSet's template says about placement, compiled once per sync. */
export interface DaemonPlacement {
  /** spec.nodeName of the template, if set: only that node qualifies. */
  nodeName?: string;
  nodeSelector: Record<string, string>;
  /** Required node affinity terms (ORed); undefined when the template has none. */
  affinityTerms?: CompiledTerm[];
  /** The template's tolerations plus the daemon ones. */
  tolerations: Toleration[];
}

export function compilePlacement(template: KObject['spec'] | undefined): DaemonPlacement {
  const spec = (template?.spec ?? {}) as Record<string, any>;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const placement: DaemonPlacement = {
    nodeSelector: spec.nodeSelector && typeof spec.nodeSelector === 'object' ? spec.nodeSelector : {},
    tolerations: withDaemonTolerations(spec.tolerations, spec.hostNetwork === true),
  };
  if (spec.nodeName) placement.nodeName = String(spec.nodeName);
  // A present selector with no terms matches no node (nodeaffinity.NewLazyErrorNodeSelector).
  if (required && typeof required === 'object') placement.affinityTerms = (Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms : []).map(compileTerm);
  return placement;
}

export interface NodeVerdict {
  /** A daemon pod should be created on the node. */
  shouldRun: boolean;
  /** An existing daemon pod may stay. */
  shouldContinueRunning: boolean;
}

const NEITHER: NodeVerdict = { shouldRun: false, shouldContinueRunning: false };
const BOTH: NodeVerdict = { shouldRun: true, shouldContinueRunning: true };

/** NodeShouldRunDaemonPod. */
export function nodeShouldRunDaemonPod(node: KObject, p: DaemonPlacement): NodeVerdict {
  const name = node.metadata.name ?? '';
  if (p.nodeName !== undefined && p.nodeName !== name) return NEITHER;
  const labels = node.metadata.labels ?? {};
  if (!nodeSelectorMatches(p.nodeSelector, labels)) return NEITHER;
  if (p.affinityTerms && !anyTermMatches(p.affinityTerms, labels, name)) return NEITHER;
  const taints = (Array.isArray(node.spec?.taints) ? node.spec.taints : []) as Taint[];
  if (!taints.length) return BOTH;
  const blocking = firstUntoleratedTaint(taints, p.tolerations, (t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  if (!blocking) return BOTH;
  const evicting = firstUntoleratedTaint(taints, p.tolerations, (t) => t.effect === 'NoExecute');
  return { shouldRun: false, shouldContinueRunning: !evicting };
}

/**
 * ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes the single term
 * `metadata.name In [node]` (the node was already checked against the user's terms), so the
 * scheduler binds the pod to that node. Preferred affinity and other affinity kinds are kept.
 */
export function pinToNode(affinity: Record<string, any> | undefined, nodeName: string): Record<string, any> {
  const selector = { nodeSelectorTerms: [{ matchFields: [{ key: OBJECT_NAME_FIELD, operator: 'In', values: [nodeName] }] }] };
  const out = affinity ? cloneJson(affinity) : {};
  if (!out.nodeAffinity || typeof out.nodeAffinity !== 'object') out.nodeAffinity = {};
  out.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = selector;
  return out;
}

/**
 * GetTargetNodeName: the node a daemon pod is for: spec.nodeName once bound, else the value of the
 * first `metadata.name In [x]` field term. Undefined when neither says.
 */
export function targetNodeName(pod: KObject): string | undefined {
  if (pod.spec?.nodeName) return String(pod.spec.nodeName);
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!Array.isArray(terms)) return undefined;
  for (const term of terms) {
    for (const e of (term?.matchFields ?? []) as { key?: string; operator?: string; values?: string[] }[]) {
      if (e.key === OBJECT_NAME_FIELD && e.operator === 'In') return e.values?.length === 1 ? String(e.values[0]) : undefined;
    }
  }
  return undefined;
}
