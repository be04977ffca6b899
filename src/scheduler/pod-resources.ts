// What a pod asks of a node, computed as upstream's resource helpers do
// (k8s.io/component-helpers/resource PodRequests, v1.32): regular containers add up; each init
// container needs its own request plus the sidecars (restartable init containers) started before
// it; sidecars keep running, so they add to the regular containers; the pod needs the larger of
// the two, plus spec.overhead. "Non-zero" requests give containers without a cpu or memory
// request 100m / 200Mi, for scoring only (schedutil.DefaultMilliCPURequest/DefaultMemoryRequest).

import type { KObject } from '../api/types.js';
import { parseQuantityValue } from '../api/quantity.js';
import type { HostPort, ResourceAmounts } from './types.js';

export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** Quantity strings repeat endlessly across pods ("100m", "128Mi"); parsing uses BigInt, so memoize. */
export class QuantityParser {
  private memo = new Map<string, { milli: number; value: number }>();

  private parse(v: unknown): { milli: number; value: number } {
    const key = typeof v === 'number' ? `#${v}` : String(v);
    let r = this.memo.get(key);
    if (!r) {
      try {
        const q = parseQuantityValue(v as string | number);
        r = { milli: q.milliValue(), value: q.value() };
      } catch {
        // The API server validates quantities; an unparsable one counts as zero rather than
        // wedging the scheduler.
        r = { milli: 0, value: 0 };
      }
      if (this.memo.size > 10_000) this.memo.clear();
      this.memo.set(key, r);
    }
    return r;
  }

  milli(v: unknown): number {
    return this.parse(v).milli;
  }

  value(v: unknown): number {
    return this.parse(v).value;
  }
}

/** Extended resources (domain-prefixed, not kubernetes.io) and hugepages are "scalar" resources. */
export function isScalarResource(name: string): boolean {
  if (name.startsWith('hugepages-')) return true;
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const domain = name.slice(0, slash);
  if (domain === 'kubernetes.io' || domain.endsWith('.kubernetes.io')) return false;
  return !name.startsWith('requests.');
}

type Vec = Map<string, number>;

function addInto(dst: Vec, src: Vec): void {
  for (const [k, v] of src) dst.set(k, (dst.get(k) ?? 0) + v);
}

function maxInto(dst: Vec, src: Vec): void {
  for (const [k, v] of src) if (v > (dst.get(k) ?? 0)) dst.set(k, v);
}

function containerRequests(c: KObject, qp: QuantityParser, defaults: boolean): Vec {
  const out: Vec = new Map();
  const req = c?.resources?.requests;
  if (req && typeof req === 'object') {
    for (const name of Object.keys(req)) {
      const v = req[name];
      out.set(name, name === 'cpu' ? qp.milli(v) : qp.value(v));
    }
  }
  if (defaults) {
    if (!out.has('cpu')) out.set('cpu', DEFAULT_MILLI_CPU_REQUEST);
    if (!out.has('memory')) out.set('memory', DEFAULT_MEMORY_REQUEST);
  }
  return out;
}

/** PodRequests: per resource name, cpu in millicores, everything else in units (bytes). */
export function podRequestVector(pod: KObject, qp: QuantityParser, nonZeroDefaults = false): Vec {
  const spec = pod.spec ?? {};
  const reqs: Vec = new Map();
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) addInto(reqs, containerRequests(c, qp, nonZeroDefaults));
  const sidecars: Vec = new Map();
  const initMax: Vec = new Map();
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) {
    const cr = containerRequests(c, qp, nonZeroDefaults);
    let need: Vec;
    if (c?.restartPolicy === 'Always') {
      addInto(reqs, cr);
      addInto(sidecars, cr);
      need = new Map(sidecars);
    } else {
      need = new Map(cr);
      addInto(need, sidecars);
    }
    maxInto(initMax, need);
  }
  maxInto(reqs, initMax);
  const overhead = spec.overhead;
  if (overhead && typeof overhead === 'object') {
    for (const name of Object.keys(overhead)) {
      const v = name === 'cpu' ? qp.milli(overhead[name]) : qp.value(overhead[name]);
      reqs.set(name, (reqs.get(name) ?? 0) + v);
    }
  }
  return reqs;
}

export function amountsOf(vec: Vec): ResourceAmounts {
  const out: ResourceAmounts = { milliCpu: vec.get('cpu') ?? 0, memory: vec.get('memory') ?? 0, ephemeralStorage: vec.get('ephemeral-storage') ?? 0 };
  for (const [k, v] of vec) {
    if (!isScalarResource(k) || v === 0) continue;
    (out.scalars ??= new Map()).set(k, v);
  }
  return out;
}

/** Host ports the pod's regular containers claim (upstream's getContainerPorts: containers only). */
export function podHostPorts(pod: KObject): HostPort[] {
  const out: HostPort[] = [];
  for (const c of Array.isArray(pod.spec?.containers) ? pod.spec.containers : []) {
    for (const p of Array.isArray(c?.ports) ? c.ports : []) {
      const port = Number(p?.hostPort ?? 0);
      if (!(port > 0)) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port });
    }
  }
  return out;
}

/**
 * The key pods are spread by: their controlling ReplicaSet, ReplicationController or StatefulSet.
 * Upstream's default spreading selects pods by the label selectors of the Services, RCs, RSs and
 * StatefulSets that select the pod; the controller reference names the same group in practice
 * without watching those kinds.
 */
export function spreadOwnerKey(pod: KObject): string | undefined {
  const refs = pod.metadata?.ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs) {
    if (!r?.controller) continue;
    if (r.kind === 'ReplicaSet' || r.kind === 'ReplicationController' || r.kind === 'StatefulSet') return r.uid;
  }
  return undefined;
}

export function podPriority(pod: KObject): number {
  const p = pod.spec?.priority;
  return typeof p === 'number' ? p : 0;
}
