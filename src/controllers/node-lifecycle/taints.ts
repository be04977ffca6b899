// Taints and tolerations as plain JSON, with the matching rules of k8s.io/api/core/v1
// (Toleration.ToleratesTaint) and pkg/apis/core/v1/helper (GetMatchingTolerations).

import type { KObject } from '../../api/types.js';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string | null;
}

export interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The node's taints (malformed entries skipped: the API server validated them). */
export function nodeTaints(node: KObject | undefined): Taint[] {
  const t = node?.spec?.taints;
  return Array.isArray(t) ? (t.filter((x) => isRecord(x) && typeof x.key === 'string' && typeof x.effect === 'string') as Taint[]) : [];
}

export function podTolerations(pod: KObject): Toleration[] {
  const t = pod.spec?.tolerations;
  return Array.isArray(t) ? (t.filter(isRecord) as Toleration[]) : [];
}

export function noExecuteTaints(taints: Taint[]): Taint[] {
  return taints.filter((t) => t.effect === 'NoExecute');
}

/**
 * Whether `tol` tolerates `taint`: an empty effect or key matches any; operator Exists ignores the
 * value, Equal (or empty) compares it; unknown operators tolerate nothing.
 */
export function toleratesTaint(tol: Toleration, taint: Taint): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.key && tol.key !== taint.key) return false;
  switch (tol.operator ?? '') {
    case '':
    case 'Equal':
      return (tol.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/**
 * For each taint, the first toleration that tolerates it, in taint order; `undefined` when some
 * taint is not tolerated at all.
 */
export function matchingTolerations(taints: Taint[], tolerations: Toleration[]): Toleration[] | undefined {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const tol = tolerations.find((t) => toleratesTaint(t, taint));
    if (!tol) return undefined;
    used.push(tol);
  }
  return used;
}

/** Taints are the same taint when key and effect match (taintutils.MatchTaint). */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/** Taint identity for sets and comparisons. */
export function taintId(t: Taint): string {
  return `${t.key}\u0000${t.effect}`;
}

/** Equal lists of taints, including value and timeAdded (the order counts, as in a patch). */
export function taintListsEqual(a: Taint[], b: Taint[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x.key !== y.key || x.effect !== y.effect || (x.value ?? '') !== (y.value ?? '') || (x.timeAdded ?? null) !== (y.timeAdded ?? null)) return false;
  }
  return true;
}
