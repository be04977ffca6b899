// Toleration matching, as core/v1 helpers do (Toleration.ToleratesTaint, v1.32): an empty effect
// matches every effect, an empty key (with Exists) every key; operator "" means Equal.

import type { Taint, Toleration } from './types.js';

export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (const t of tolerations) if (toleratesTaint(t, taint)) return true;
  return false;
}

/** FindMatchingUntoleratedTaint over the taints `inScope` selects; the first one in node order. */
export function firstUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[], inScope: (t: Taint) => boolean): Taint | undefined {
  for (const taint of taints) {
    if (!inScope(taint)) continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}
