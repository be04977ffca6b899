// The scheduler's view of the cluster: NodeInfos fed by the node informer, and every pod that
// occupies a node, either confirmed by the pod informer (spec.nodeName set) or "assumed": the
// scheduler chose a node and its binding is in flight. Assuming right away is what keeps many
// concurrent bindings from overcommitting a node before the informer catches up; a failed
// binding is forgotten, a confirmed one simply stops being an assumption.

import type { KObject } from '../api/types.js';
import { amountsOf, podHostPorts, podPriority, podRequestVector, spreadOwnerKey, type QuantityParser } from './pod-resources.js';
import { NodeInfo, LABEL_ZONE, type NodeChange, type PodUsage } from './node-info.js';

interface PodEntry {
  node: string;
  usage: PodUsage;
  assumed: boolean;
}

export function podKeyOf(pod: KObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}

export function isTerminal(pod: KObject): boolean {
  const ph = pod.status?.phase;
  return ph === 'Succeeded' || ph === 'Failed';
}

export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  /** Nodes that exist (have a Node object), in a stable order for round-robin sampling. */
  private list: NodeInfo[] = [];
  private readonly index = new Map<string, number>();
  private readonly pods = new Map<string, PodEntry>();
  /** Spreading group -> zone -> pods (non-terminating) on existing nodes of that zone, kept incrementally. */
  private readonly zoneCounts = new Map<string, Map<string, number>>();
  /** The zone each node's pods are counted under (its label when last seen). */
  private readonly countedZone = new Map<NodeInfo, string>();

  constructor(private readonly qp: QuantityParser) {}

  /** Nodes with a Node object, in round-robin order. Do not mutate. */
  nodes(): readonly NodeInfo[] {
    return this.list;
  }

  /** Pods of `group` in `zone` (0 when none). */
  zoneCount(group: string, zone: string): number {
    return this.zoneCounts.get(group)?.get(zone) ?? 0;
  }

  private bumpZone(group: string, zone: string, d: number): void {
    let m = this.zoneCounts.get(group);
    if (!m) this.zoneCounts.set(group, (m = new Map()));
    const n = (m.get(zone) ?? 0) + d;
    if (n > 0) m.set(zone, n);
    else m.delete(zone);
    if (m.size === 0) this.zoneCounts.delete(group);
  }

  /** Re-files a node's pods under its current zone label (or none, once the node is gone). */
  private refileZone(info: NodeInfo): void {
    const was = this.countedZone.get(info);
    const now = info.orphan ? undefined : info.labels[LABEL_ZONE];
    if (was === now) return;
    for (const [g, c] of info.spreadCounts) {
      if (was !== undefined) this.bumpZone(g, was, -c);
      if (now !== undefined) this.bumpZone(g, now, c);
    }
    if (now === undefined) this.countedZone.delete(info);
    else this.countedZone.set(info, now);
  }

  private addTo(info: NodeInfo, usage: PodUsage): void {
    info.addPod(usage);
    const z = this.countedZone.get(info);
    if (z !== undefined && usage.spreadKey && !usage.terminating) this.bumpZone(usage.spreadKey, z, 1);
  }

  node(name: string): NodeInfo | undefined {
    const n = this.infos.get(name);
    return n && !n.orphan ? n : undefined;
  }

  get nodeCount(): number {
    return this.list.length;
  }

  private info(name: string): NodeInfo {
    let n = this.infos.get(name);
    if (!n) this.infos.set(name, (n = new NodeInfo(name)));
    return n;
  }

  /** Adds or updates a Node; returns what changed about its schedulability. */
  setNode(node: KObject): NodeChange {
    const name = node.metadata.name!;
    const info = this.info(name);
    const change = info.setNode(node, this.qp);
    if (!this.index.has(name)) {
      this.index.set(name, this.list.length);
      this.list.push(info);
    }
    this.refileZone(info);
    return change;
  }

  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    const i = this.index.get(name);
    if (i !== undefined) {
      // Swap-remove keeps removal O(1); the round-robin order only needs to be stable-ish.
      const last = this.list.pop()!;
      if (last !== info) {
        this.list[i] = last;
        this.index.set(last.name, i);
      }
      this.index.delete(name);
    }
    info.node = undefined;
    this.refileZone(info);
    // Pods still bound to a deleted node keep their (orphan) NodeInfo until they go away.
    if (info.podCount === 0) this.infos.delete(name);
  }

  usageOf(pod: KObject): PodUsage {
    const requests = amountsOf(podRequestVector(pod, this.qp));
    const nonZero = podRequestVector(pod, this.qp, true);
    return {
      key: podKeyOf(pod),
      uid: pod.metadata.uid,
      requests,
      nonZeroCpu: nonZero.get('cpu') ?? 0,
      nonZeroMemory: nonZero.get('memory') ?? 0,
      hostPorts: podHostPorts(pod),
      spreadKey: spreadOwnerKey(pod),
      terminating: !!pod.metadata.deletionTimestamp,
      priority: podPriority(pod),
    };
  }

  /**
   * The informer saw a pod bound to a node (added, updated, or resynced). Replaces an assumption
   * for the same pod, wherever it was assumed.
   */
  setBoundPod(pod: KObject): void {
    const key = podKeyOf(pod);
    const nodeName = pod.spec.nodeName as string;
    const old = this.pods.get(key);
    const usage = this.usageOf(pod);
    if (old) this.release(old);
    this.pods.set(key, { node: nodeName, usage, assumed: false });
    this.addTo(this.info(nodeName), usage);
  }

  /** The pod left its node (deleted, or finished). Returns whether it was held. */
  removePod(key: string): boolean {
    const old = this.pods.get(key);
    if (!old) return false;
    this.release(old);
    this.pods.delete(key);
    return true;
  }

  /** Reserves `usage` on `nodeName` before the binding is confirmed. */
  assume(usage: PodUsage, nodeName: string): void {
    const old = this.pods.get(usage.key);
    if (old) this.release(old);
    this.pods.set(usage.key, { node: nodeName, usage, assumed: true });
    this.addTo(this.info(nodeName), usage);
  }

  /**
   * The binding failed: drop the assumption unless the informer has confirmed a binding meanwhile
   * or the entry is now another pod of the same name (`uid` differs).
   */
  forget(key: string, uid?: string): void {
    const e = this.pods.get(key);
    if (e?.assumed && (uid === undefined || e.usage.uid === uid)) {
      this.release(e);
      this.pods.delete(key);
    }
  }

  isAssumed(key: string): boolean {
    return !!this.pods.get(key)?.assumed;
  }

  holds(key: string): boolean {
    return this.pods.has(key);
  }

  private release(e: PodEntry): void {
    const info = this.infos.get(e.node);
    if (!info) return;
    info.removePod(e.usage);
    const z = this.countedZone.get(info);
    if (z !== undefined && e.usage.spreadKey && !e.usage.terminating) this.bumpZone(e.usage.spreadKey, z, -1);
    if (info.orphan && info.podCount === 0) this.infos.delete(e.node);
  }
}
