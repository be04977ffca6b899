// A node as the scheduler sees it: what the Node object offers (allocatable, labels, taints,
// readiness) and what the pods on it, bound or only assumed, already take. Aggregates are kept
// incrementally (add/remove a pod is O(its ports)), so a scheduling cycle never rescans pods.

import type { KObject } from '../api/types.js';
import { isScalarResource, type QuantityParser } from './pod-resources.js';
import type { HostPort, ResourceAmounts, Taint } from './types.js';

/** What one pod contributes to its node; computed once per pod version. */
export interface PodUsage {
  key: string;
  uid?: string;
  requests: ResourceAmounts;
  /** Requests with 100m/200Mi for containers that name none (scoring only). */
  nonZeroCpu: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  /** Spreading group (controller uid); undefined when the pod is not spread. */
  spreadKey?: string;
  /** Terminating pods still use resources but no longer count for spreading. */
  terminating: boolean;
  priority: number;
}

export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Kubelet's default for `maxPods` when a node does not say. */
export const DEFAULT_ALLOWED_PODS = 110;

/** Host ports in use on a node, as upstream's HostPortInfo: ip -> "proto/port" counts. */
export class HostPortSet {
  private byIp = new Map<string, Map<string, number>>();

  private static pp(protocol: string, port: number): string {
    return `${protocol}/${port}`;
  }

  add(p: HostPort): void {
    const ip = p.ip || '0.0.0.0';
    let m = this.byIp.get(ip);
    if (!m) this.byIp.set(ip, (m = new Map()));
    const k = HostPortSet.pp(p.protocol, p.port);
    m.set(k, (m.get(k) ?? 0) + 1);
  }

  remove(p: HostPort): void {
    const ip = p.ip || '0.0.0.0';
    const m = this.byIp.get(ip);
    if (!m) return;
    const k = HostPortSet.pp(p.protocol, p.port);
    const n = (m.get(k) ?? 0) - 1;
    if (n > 0) m.set(k, n);
    else m.delete(k);
    if (m.size === 0) this.byIp.delete(ip);
  }

  /** HostPortInfo.CheckConflict: 0.0.0.0 conflicts with every address on the same protocol/port. */
  conflicts(p: HostPort): boolean {
    if (this.byIp.size === 0) return false;
    const ip = p.ip || '0.0.0.0';
    const k = HostPortSet.pp(p.protocol, p.port);
    if (ip === '0.0.0.0') {
      for (const m of this.byIp.values()) if (m.has(k)) return true;
      return false;
    }
    return !!this.byIp.get('0.0.0.0')?.has(k) || !!this.byIp.get(ip)?.has(k);
  }

  get size(): number {
    return this.byIp.size;
  }
}

function readinessTaint(node: KObject): Taint | undefined {
  const conds = node.status?.conditions;
  const ready = Array.isArray(conds) ? conds.find((c: KObject) => c?.type === 'Ready') : undefined;
  if (ready?.status === 'True') return undefined;
  // The node lifecycle controller taints NotReady nodes with not-ready and nodes whose status
  // stopped coming (Unknown) with unreachable; a node that never reported is not ready.
  const key = ready?.status === 'Unknown' ? TAINT_UNREACHABLE : TAINT_NOT_READY;
  return { key, effect: 'NoSchedule' };
}

export class NodeInfo {
  node?: KObject;
  labels: Record<string, string> = {};
  unschedulable = false;
  /** spec.taints plus the NoSchedule taint upstream's lifecycle controller puts on a node that is not Ready. */
  taints: Taint[] = [];
  ready = false;
  allocatable: ResourceAmounts = { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
  allowedPods = DEFAULT_ALLOWED_PODS;

  requested: ResourceAmounts = { milliCpu: 0, memory: 0, ephemeralStorage: 0 };
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  podCount = 0;
  readonly usedPorts = new HostPortSet();
  /** Pods per spreading group (non-terminating only). */
  readonly spreadCounts = new Map<string, number>();
  /** Pods per priority, so preemption's "are there lower-priority pods" is O(distinct priorities). */
  readonly priorityCounts = new Map<number, number>();

  constructor(readonly name: string) {}

  /** Takes a (new version of the) Node object; returns what changed, for queueing hints. */
  setNode(node: KObject, qp: QuantityParser): NodeChange {
    const before = this.node ? this.signature() : undefined;
    this.node = node;
    this.labels = node.metadata?.labels ?? {};
    this.unschedulable = !!node.spec?.unschedulable;
    const spec = Array.isArray(node.spec?.taints) ? (node.spec.taints as Taint[]) : [];
    const rt = readinessTaint(node);
    this.ready = !rt;
    this.taints = rt && !spec.some((t) => t.key === rt.key && t.effect === rt.effect) ? [rt, ...spec] : spec;
    const st = node.status ?? {};
    const alloc = st.allocatable && typeof st.allocatable === 'object' ? st.allocatable : (st.capacity ?? {});
    const a: ResourceAmounts = {
      milliCpu: alloc.cpu !== undefined ? qp.milli(alloc.cpu) : 0,
      memory: alloc.memory !== undefined ? qp.value(alloc.memory) : 0,
      ephemeralStorage: alloc['ephemeral-storage'] !== undefined ? qp.value(alloc['ephemeral-storage']) : 0,
    };
    for (const k of Object.keys(alloc)) {
      if (!isScalarResource(k)) continue;
      (a.scalars ??= new Map()).set(k, qp.value(alloc[k]));
    }
    this.allocatable = a;
    this.allowedPods = alloc.pods !== undefined ? qp.value(alloc.pods) : DEFAULT_ALLOWED_PODS;
    if (!before) return ALL_CHANGES;
    const after = this.signature();
    return {
      labels: before.labels !== after.labels,
      taints: before.taints !== after.taints,
      unschedulable: before.unschedulable !== after.unschedulable,
      allocatable: before.allocatable !== after.allocatable,
    };
  }

  private signature(): { labels: string; taints: string; unschedulable: boolean; allocatable: string } {
    return {
      labels: JSON.stringify(this.labels),
      taints: JSON.stringify(this.taints.map((t) => [t.key, t.value ?? '', t.effect])),
      unschedulable: this.unschedulable,
      allocatable: JSON.stringify([this.allocatable.milliCpu, this.allocatable.memory, this.allocatable.ephemeralStorage, [...(this.allocatable.scalars ?? [])], this.allowedPods]),
    };
  }

  addPod(u: PodUsage): void {
    this.apply(u, 1);
  }

  removePod(u: PodUsage): void {
    this.apply(u, -1);
  }

  private apply(u: PodUsage, sign: 1 | -1): void {
    const r = this.requested;
    r.milliCpu += sign * u.requests.milliCpu;
    r.memory += sign * u.requests.memory;
    r.ephemeralStorage += sign * u.requests.ephemeralStorage;
    if (u.requests.scalars) {
      r.scalars ??= new Map();
      for (const [k, v] of u.requests.scalars) r.scalars.set(k, (r.scalars.get(k) ?? 0) + sign * v);
    }
    this.nonZeroCpu += sign * u.nonZeroCpu;
    this.nonZeroMemory += sign * u.nonZeroMemory;
    this.podCount += sign;
    for (const p of u.hostPorts) (sign > 0 ? this.usedPorts.add(p) : this.usedPorts.remove(p));
    if (u.spreadKey && !u.terminating) bump(this.spreadCounts, u.spreadKey, sign);
    bump(this.priorityCounts, u.priority, sign);
  }

  /** Whether any pod here has a priority below `p` (a possible preemption victim). */
  hasPodBelowPriority(p: number): boolean {
    for (const k of this.priorityCounts.keys()) if (k < p) return true;
    return false;
  }

  /** Holds pods but its Node object is gone (or not yet seen). */
  get orphan(): boolean {
    return this.node === undefined;
  }
}

function bump<K>(m: Map<K, number>, k: K, d: number): void {
  const n = (m.get(k) ?? 0) + d;
  if (n > 0) m.set(k, n);
  else m.delete(k);
}

export interface NodeChange {
  labels: boolean;
  taints: boolean;
  unschedulable: boolean;
  allocatable: boolean;
}

const ALL_CHANGES: NodeChange = Object.freeze({ labels: true, taints: true, unschedulable: true, allocatable: true });
