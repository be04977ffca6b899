// Pod condition bookkeeping as pkg/api/v1/pod.UpdatePodCondition: the transition time moves only
// when the status changes, and "changed" means any of status, reason, message or times differ.

import type { KObject } from '../../api/types.js';

export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string | null;
}

export function podConditions(pod: KObject): PodCondition[] {
  const c = pod.status?.conditions;
  return Array.isArray(c) ? (c.filter((x) => typeof x === 'object' && x !== null && typeof x.type === 'string') as PodCondition[]) : [];
}

export function podCondition(pod: KObject, type: string): PodCondition | undefined {
  return podConditions(pod).find((c) => c.type === type);
}

/**
 * Sets `cond` (its lastTransitionTime is `nowTs`, or the old one if the status is unchanged).
 * Returns the condition as stored and whether it differs from what was there; the input list is
 * not modified.
 */
export function updatePodCondition(conditions: PodCondition[], cond: PodCondition, nowTs: string): { conditions: PodCondition[]; condition: PodCondition; changed: boolean } {
  const next: PodCondition = { ...cond, lastTransitionTime: nowTs };
  const i = conditions.findIndex((c) => c.type === cond.type);
  if (i < 0) return { conditions: [...conditions, next], condition: next, changed: true };
  const old = conditions[i];
  if (next.status === old.status) next.lastTransitionTime = old.lastTransitionTime ?? null;
  const equal =
    next.status === old.status &&
    (next.reason ?? '') === (old.reason ?? '') &&
    (next.message ?? '') === (old.message ?? '') &&
    (next.lastProbeTime ?? null) === (old.lastProbeTime ?? null) &&
    (next.lastTransitionTime ?? null) === (old.lastTransitionTime ?? null);
  const out = [...conditions];
  out[i] = next;
  return { conditions: out, condition: next, changed: !equal };
}
