// When did we last hear from each node? As upstream's nodeHealthMap: the "probe time" is the
// controller's own clock at the moment it saw the Lease renewed or the Ready heartbeat change,
// never the timestamps the node wrote. Clock skew between node and control plane therefore does
// not matter, and a restarted controller gives every node a full grace period before judging it.

import type { KObject } from '../../api/types.js';
import { nodeCondition } from './node-health.js';

interface HealthRecord {
  probeMs: number;
  readyTransitionMs: number;
  /** The Ready condition's heartbeat and transition strings as last seen; absent: no Ready condition. */
  ready?: { heartbeat: string; transition: string };
  leaseRenewMs?: number;
}

export interface HealthObservation {
  /** Grace period that applies: the startup grace until the node has posted a Ready condition. */
  graceMs: number;
  probeMs: number;
  /** The node has been silent for longer than its grace period. */
  silent: boolean;
}

export interface GracePeriods {
  monitorGraceMs: number;
  startupGraceMs: number;
}

function readySignature(node: KObject): HealthRecord['ready'] {
  const r = nodeCondition(node, 'Ready');
  return r ? { heartbeat: String(r.lastHeartbeatTime ?? ''), transition: String(r.lastTransitionTime ?? '') } : undefined;
}

/** Parses a Lease's spec.renewTime (MicroTime, RFC 3339 with microseconds). */
export function leaseRenewMs(lease: KObject | undefined): number | undefined {
  const t = lease?.spec?.renewTime;
  if (typeof t !== 'string') return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

export class NodeHealthTracker {
  private records = new Map<string, HealthRecord>();

  constructor(private readonly grace: GracePeriods) {}

  /** Folds what the caches show now into the node's record and says whether it is silent. */
  observe(node: KObject, lease: KObject | undefined, nowMs: number): HealthObservation {
    const name = node.metadata.name!;
    let rec = this.records.get(name);
    const ready = readySignature(node);
    let graceMs: number;
    if (!ready) {
      // Never posted status: judged from its creation with the longer startup grace.
      graceMs = this.grace.startupGraceMs;
      const created = Date.parse(node.metadata.creationTimestamp ?? '');
      const since = Number.isNaN(created) ? nowMs : created;
      if (!rec) rec = { probeMs: since, readyTransitionMs: since };
      rec.ready = undefined;
    } else {
      graceMs = this.grace.monitorGraceMs;
      if (!rec || !rec.ready) {
        rec = { probeMs: nowMs, readyTransitionMs: nowMs, ready };
      } else if (rec.ready.heartbeat !== ready.heartbeat) {
        const transitioned = rec.ready.transition !== ready.transition;
        rec = { probeMs: nowMs, readyTransitionMs: transitioned ? nowMs : rec.readyTransitionMs, ready, leaseRenewMs: rec.leaseRenewMs };
      }
    }
    const renew = leaseRenewMs(lease);
    if (renew !== undefined && (rec.leaseRenewMs === undefined || rec.leaseRenewMs < renew)) {
      rec.leaseRenewMs = renew;
      rec.probeMs = nowMs;
    }
    this.records.set(name, rec);
    return { graceMs, probeMs: rec.probeMs, silent: nowMs > rec.probeMs + graceMs };
  }

  /** Records the status the controller itself wrote, so that it is not taken for a heartbeat. */
  statusWritten(node: KObject, nowMs: number): void {
    const rec = this.records.get(node.metadata.name!);
    if (!rec) return;
    rec.ready = readySignature(node);
    rec.readyTransitionMs = nowMs;
  }

  /** Gives every node a fresh grace period (leaving the cluster-wide disruption mode). */
  resetProbes(nowMs: number): void {
    for (const rec of this.records.values()) {
      rec.probeMs = nowMs;
      rec.readyTransitionMs = nowMs;
    }
  }

  /** The controller's time of the node's last sign of life, if it has judged the node. */
  probeTime(name: string): number | undefined {
    return this.records.get(name)?.probeMs;
  }

  forget(name: string): void {
    this.records.delete(name);
  }
}
