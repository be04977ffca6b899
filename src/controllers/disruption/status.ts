// The disruption controller's arithmetic (pkg/controller/disruption/disruption.go, v1.32), as pure
// functions of the budget, its pods, the controllers' scales and an explicit `now`:
// getExpectedPodCount, getExpectedScale, buildDisruptedPodMap, countHealthyPods and the status
// updatePdbStatus would write.

import { scaledValueFromIntOrPercent } from '../../api/intstr.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import { conditionsAreUpToDate, pdbStatus, withDisruptionAllowedCondition, type PdbStatus } from '../../kinds/policy/pdb-helpers.js';
import { getControllerOf } from '../shared/controller-ref.js';
import { isPodReady } from '../shared/pod-utils.js';

/** DeletionTimeout: how long an eviction's disruptedPods entry waits for the pod's deletion. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** A controller's uid and spec scale, or undefined when this finder does not own the reference. */
export interface ControllerAndScale {
  uid: string;
  scale: number;
}

/** Finds the scale behind a pod's controllerRef (the finders, tried in order, as one function). */
export type ScaleFinder = (ref: OwnerReference, namespace: string) => Promise<ControllerAndScale | undefined>;

export interface ExpectedCount {
  expectedCount: number;
  desiredHealthy: number;
  unmanagedPods: string[];
}

/**
 * getExpectedScale: the sum of the scales of the pods' controllers (each counted once). Pods
 * without a controller are returned as unmanaged; a controller no finder knows is an error.
 */
export async function expectedScale(pods: readonly KObject[], findScale: ScaleFinder): Promise<{ expectedCount: number; unmanagedPods: string[] }> {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = getControllerOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata.name!);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = await findScale(ref, pod.metadata.namespace ?? '');
    if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(found.uid, found.scale);
  }
  let expectedCount = 0;
  for (const s of scales.values()) expectedCount += s;
  return { expectedCount, unmanagedPods };
}

/** getExpectedPodCount */
export async function expectedPodCount(pdb: KObject, pods: readonly KObject[], findScale: ScaleFinder): Promise<ExpectedCount> {
  const spec = pdb.spec ?? {};
  const present = (v: unknown) => v !== undefined && v !== null;
  if (present(spec.maxUnavailable)) {
    const { expectedCount, unmanagedPods } = await expectedScale(pods, findScale);
    const maxUnavailable = scaledValueFromIntOrPercent(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
  }
  if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
  if (typeof spec.minAvailable === 'string') {
    const { expectedCount, unmanagedPods } = await expectedScale(pods, findScale);
    return { expectedCount, desiredHealthy: scaledValueFromIntOrPercent(spec.minAvailable, expectedCount, true), unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

const timeOf = (ts: string) => Date.parse(ts);

/**
 * buildDisruptedPodMap: keeps the entries of pods that still exist, are not being deleted and whose
 * deadline has not passed. Returns them, the earliest deadline left (to sync again then) and the
 * pods whose deadline passed without a deletion (upstream records NotDeleted for them).
 */
export function buildDisruptedPodMap(pods: readonly KObject[], pdb: KObject, now: Date): { disruptedPods: Record<string, string>; recheckAtMs?: number; notDeleted: KObject[] } {
  const recorded = pdbStatus(pdb).disruptedPods ?? {};
  const disruptedPods: Record<string, string> = {};
  const notDeleted: KObject[] = [];
  let recheckAtMs: number | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = recorded[pod.metadata.name!];
    if (at === undefined) continue;
    const expectedDeletion = timeOf(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < now.getTime()) notDeleted.push(pod);
    else {
      if (recheckAtMs === undefined || expectedDeletion < recheckAtMs) recheckAtMs = expectedDeletion;
      disruptedPods[pod.metadata.name!] = at;
    }
  }
  return { disruptedPods, recheckAtMs, notDeleted };
}

/** countHealthyPods: Ready pods that are neither being deleted nor about to be (a recent eviction). */
export function countHealthyPods(pods: readonly KObject[], disruptedPods: Record<string, string>, now: Date): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata.name!];
    if (at !== undefined && timeOf(at) + DELETION_TIMEOUT_MS > now.getTime()) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/**
 * updatePdbStatus's decision: the status to write, or undefined when the stored one is current.
 * Disruptions are allowed only while more pods are healthy than desired and some pods are expected.
 */
export function nextPdbStatus(pdb: KObject, currentHealthy: number, desiredHealthy: number, expectedCount: number, disruptedPods: Record<string, string>, nowTs: string): PdbStatus | undefined {
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const st = pdbStatus(pdb);
  const generation = pdb.metadata.generation ?? 0;
  const sameDisrupted = JSON.stringify(sortKeys(st.disruptedPods ?? {})) === JSON.stringify(sortKeys(disruptedPods));
  if (
    st.currentHealthy === currentHealthy &&
    st.desiredHealthy === desiredHealthy &&
    st.expectedPods === expectedCount &&
    st.disruptionsAllowed === disruptionsAllowed &&
    sameDisrupted &&
    (st.observedGeneration ?? 0) === generation &&
    conditionsAreUpToDate(pdb)
  ) {
    return undefined;
  }
  const next: PdbStatus = {
    ...(generation ? { observedGeneration: generation } : {}),
    ...(Object.keys(disruptedPods).length ? { disruptedPods: sortKeys(disruptedPods) } : {}),
    disruptionsAllowed,
    currentHealthy,
    desiredHealthy,
    expectedPods: expectedCount,
    ...(st.conditions ? { conditions: st.conditions } : {}),
  };
  return withDisruptionAllowedCondition(next, nowTs);
}

function sortKeys(m: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** failSafe: no disruptions, and DisruptionAllowed=False with reason SyncFailed and the error. */
export function failSafeStatus(pdb: KObject, message: string, nowTs: string): PdbStatus {
  const st = pdbStatus(pdb);
  const next: PdbStatus = { ...st, disruptionsAllowed: 0 };
  const list = [...(st.conditions ?? [])];
  const i = list.findIndex((c) => c.type === 'DisruptionAllowed');
  const c = {
    type: 'DisruptionAllowed',
    status: 'False' as const,
    ...(st.observedGeneration ? { observedGeneration: st.observedGeneration } : {}),
    lastTransitionTime: i >= 0 && list[i].status === 'False' ? list[i].lastTransitionTime : nowTs,
    reason: 'SyncFailed',
    message,
  };
  if (i >= 0) list[i] = c;
  else list.push(c);
  next.conditions = list;
  return next;
}

/**
 * The text of a *metav1.LabelSelector printed with %v (its generated String()), as upstream's
 * UnmanagedPods event shows it: `&LabelSelector{MatchLabels:map[string]string{app: web,},MatchExpressions:[]LabelSelectorRequirement{},}`.
 */
export function goLabelSelectorString(sel: unknown): string {
  if (!sel || typeof sel !== 'object') return 'nil';
  const s = sel as { matchLabels?: Record<string, string>; matchExpressions?: { key?: string; operator?: string; values?: string[] }[] };
  const labels = Object.keys(s.matchLabels ?? {})
    .sort()
    .map((k) => `${k}: ${s.matchLabels![k]},`)
    .join('');
  const exprs = (s.matchExpressions ?? []).map((e) => `LabelSelectorRequirement{Key:${e.key ?? ''},Operator:${e.operator ?? ''},Values:[${(e.values ?? []).join(' ')}],},`).join('');
  return `&LabelSelector{MatchLabels:map[string]string{${labels}},MatchExpressions:[]LabelSelectorRequirement{${exprs}},}`;
}
