// Pod QoS class (pkg/apis/core/helper/qos.ComputePodQOS, without pod-level resources, which are
// alpha and off in 1.32). Computed once at create time and immutable afterwards.

import type { JsonObject } from '../../api/types.js';
import { parseQuantity } from '../../api/quantity.js';
import { isObject, objs } from './json-shape.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** Milli-units of a quantity string, or 0 when absent/unparsable (validation reports those). */
function milli(v: unknown): number {
  if (typeof v !== 'string' && typeof v !== 'number') return 0;
  try {
    return parseQuantity(String(v)).milliValue();
  } catch {
    return 0;
  }
}

export function computePodQOS(spec: JsonObject): QOSClass {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = isObject(c.resources) ? c.resources : {};
    const req = isObject(res.requests) ? res.requests : {};
    const lim = isObject(res.limits) ? res.limits : {};
    for (const name of ['cpu', 'memory']) {
      const q = milli(req[name]);
      if (q > 0) requests.set(name, (requests.get(name) ?? 0) + q);
    }
    const found = new Set<string>();
    for (const name of ['cpu', 'memory']) {
      const q = milli(lim[name]);
      if (q > 0) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0) + q);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, q] of requests) {
      if (limits.get(name) !== q) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
