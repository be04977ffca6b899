// What the eviction subresource and the disruption controller share, as upstream's
// k8s.io/component-helpers/apps/poddisruptionbudget (UpdateDisruptionAllowedCondition,
// ConditionsAreUpToDate) and apimachinery's meta.SetStatusCondition.

import type { KObject } from '../../api/types.js';
import { selectorFromLabelSelector, type LabelSelector, type Selector } from '../../api/labels.js';

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';
export const SUFFICIENT_PODS = 'SufficientPods';
export const INSUFFICIENT_PODS = 'InsufficientPods';
export const SYNC_FAILED = 'SyncFailed';
/** policyv1.DisruptionBudgetCause: the cause type of the eviction's 429. */
export const DISRUPTION_BUDGET_CAUSE = 'DisruptionBudget';

/** metav1.Condition as served. */
export interface MetaCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: MetaCondition[];
}

/** The status with Go's zero values filled in (the counts are always served). */
export function pdbStatus(pdb: KObject): PdbStatus {
  const s = (pdb.status ?? {}) as Partial<PdbStatus>;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return {
    ...s,
    disruptionsAllowed: n(s.disruptionsAllowed),
    currentHealthy: n(s.currentHealthy),
    desiredHealthy: n(s.desiredHealthy),
    expectedPods: n(s.expectedPods),
  } as PdbStatus;
}

/**
 * meta.SetStatusCondition: adds or updates the condition of that type. The transition time moves
 * only when the status changes (or the condition is new). Returns a new list.
 */
export function setStatusCondition(conditions: MetaCondition[] | undefined, c: Omit<MetaCondition, 'lastTransitionTime'>, nowTs: string): MetaCondition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((x) => x.type === c.type);
  if (i < 0) {
    list.push({ type: c.type, status: c.status, ...(c.observedGeneration ? { observedGeneration: c.observedGeneration } : {}), lastTransitionTime: nowTs, reason: c.reason, message: c.message });
    return list;
  }
  const old = list[i];
  const next: MetaCondition = {
    type: c.type,
    status: c.status,
    ...(c.observedGeneration ? { observedGeneration: c.observedGeneration } : {}),
    lastTransitionTime: old.status !== c.status ? nowTs : old.lastTransitionTime,
    reason: c.reason,
    message: c.message,
  };
  list[i] = next;
  return list;
}

/** UpdateDisruptionAllowedCondition: True/SufficientPods while disruptions are allowed, else False/InsufficientPods. */
export function withDisruptionAllowedCondition(status: PdbStatus, nowTs: string): PdbStatus {
  const allowed = status.disruptionsAllowed > 0;
  return {
    ...status,
    conditions: setStatusCondition(
      status.conditions,
      {
        type: DISRUPTION_ALLOWED,
        status: allowed ? 'True' : 'False',
        reason: allowed ? SUFFICIENT_PODS : INSUFFICIENT_PODS,
        message: '',
        observedGeneration: status.observedGeneration,
      },
      nowTs,
    ),
  };
}

/** ConditionsAreUpToDate */
export function conditionsAreUpToDate(pdb: KObject): boolean {
  const st = pdbStatus(pdb);
  const c = (st.conditions ?? []).find((x) => x.type === DISRUPTION_ALLOWED);
  if (!c) return false;
  if ((st.observedGeneration ?? 0) !== (pdb.metadata.generation ?? 0)) return false;
  if (st.disruptionsAllowed > 0) return c.status === 'True' && c.reason === SUFFICIENT_PODS;
  return c.status === 'False' && c.reason === INSUFFICIENT_PODS;
}

/** The PDB's selector, or undefined when it does not parse (it then matches no pod). */
export function pdbSelector(pdb: KObject): Selector | undefined {
  try {
    return selectorFromLabelSelector(pdb.spec?.selector as LabelSelector | undefined | null);
  } catch {
    return undefined;
  }
}

/**
 * The PDBs of the pod's namespace whose selector matches its labels, as the disruption controller's
 * lister (GetPodPodDisruptionBudgets) sees them: in policy/v1 an empty selector matches every pod
 * and a null one none. The eviction subresource (`forEviction`) also skips empty selectors, as
 * upstream's getPodDisruptionBudgets does.
 */
export function pdbsMatchingPod(pdbs: Iterable<KObject>, pod: KObject, forEviction = false): KObject[] {
  const out: KObject[] = [];
  for (const pdb of pdbs) {
    if (pdb.metadata.namespace !== pod.metadata.namespace) continue;
    const sel = pdbSelector(pdb);
    if (!sel || sel.matchesNothing()) continue;
    if (forEviction && sel.empty()) continue;
    if (!sel.matches(pod.metadata.labels)) continue;
    out.push(pdb);
  }
  return out;
}
