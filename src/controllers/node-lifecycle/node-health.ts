// Pure rules of node health (pkg/controller/nodelifecycle, v1.32): which conditions a silent node
// gets, and which taints the controller keeps on a node given its conditions. The controller
// owns only the taints these rules name; taints users or other components set are left alone.

import type { KObject } from '../../api/types.js';
import { rfc3339 } from '../../util/clock.js';
import {
  MESSAGE_NODE_STATUS_NEVER_UPDATED,
  MESSAGE_NODE_STATUS_UNKNOWN,
  REASON_NODE_STATUS_NEVER_UPDATED,
  REASON_NODE_STATUS_UNKNOWN,
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
} from './constants.js';
import { nodeTaints, taintId, type Taint } from './taints.js';

export interface NodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string | null;
  lastTransitionTime?: string | null;
}

export function nodeConditions(node: KObject | undefined): NodeCondition[] {
  const c = node?.status?.conditions;
  return Array.isArray(c) ? (c.filter((x) => typeof x === 'object' && x !== null && typeof x.type === 'string') as NodeCondition[]) : [];
}

export function nodeCondition(node: KObject | undefined, type: string): NodeCondition | undefined {
  return nodeConditions(node).find((c) => c.type === type);
}

/**
 * The conditions the controller owns when the kubelet falls silent. NetworkUnavailable is left
 * alone: the network plugin, not the kubelet, reports it.
 */
export const SILENT_NODE_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;

/**
 * The node's conditions once its health signal (lease or Ready heartbeat) is older than the
 * grace period: every owned condition becomes Unknown, keeping its last heartbeat; missing ones
 * are added as never updated. Returns new condition objects; `node` is not modified.
 */
export function silentNodeConditions(node: KObject, now: Date): NodeCondition[] {
  const ts = rfc3339(now);
  const out = nodeConditions(node).map((c) => ({ ...c }));
  for (const type of SILENT_NODE_CONDITIONS) {
    const cur = out.find((c) => c.type === type);
    if (!cur) {
      out.push({
        type,
        status: 'Unknown',
        lastHeartbeatTime: node.metadata.creationTimestamp ?? null,
        lastTransitionTime: ts,
        reason: REASON_NODE_STATUS_NEVER_UPDATED,
        message: MESSAGE_NODE_STATUS_NEVER_UPDATED,
      });
    } else if (cur.status !== 'Unknown') {
      cur.status = 'Unknown';
      cur.reason = REASON_NODE_STATUS_UNKNOWN;
      cur.message = MESSAGE_NODE_STATUS_UNKNOWN;
      cur.lastTransitionTime = ts;
    }
  }
  return out;
}

/** {condition type: {status: taint key}}: the NoSchedule taints that mirror node conditions. */
const CONDITION_TAINTS: Record<string, Record<string, string>> = {
  Ready: { False: TAINT_NOT_READY, Unknown: TAINT_UNREACHABLE },
  MemoryPressure: { True: TAINT_MEMORY_PRESSURE },
  DiskPressure: { True: TAINT_DISK_PRESSURE },
  NetworkUnavailable: { True: TAINT_NETWORK_UNAVAILABLE },
  PIDPressure: { True: TAINT_PID_PRESSURE },
};

const CONDITION_TAINT_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_PID_PRESSURE]);

/** The NoSchedule taint keys the node should carry: one per tainting condition, and cordon. */
export function desiredNoScheduleKeys(node: KObject): Set<string> {
  const keys = new Set<string>();
  for (const c of nodeConditions(node)) {
    const key = CONDITION_TAINTS[c.type]?.[c.status];
    if (key) keys.add(key);
  }
  if (node.spec?.unschedulable === true) keys.add(TAINT_UNSCHEDULABLE);
  return keys;
}

/** A NoSchedule taint this controller adds and removes (others are never touched). */
export function isManagedNoSchedule(t: Taint): boolean {
  return t.effect === 'NoSchedule' && (t.key === TAINT_UNSCHEDULABLE || CONDITION_TAINT_KEYS.has(t.key));
}

/** A NoExecute taint this controller adds and removes. */
export function isManagedNoExecute(t: Taint): boolean {
  return t.effect === 'NoExecute' && (t.key === TAINT_NOT_READY || t.key === TAINT_UNREACHABLE);
}

/**
 * The NoExecute taint a node's Ready condition calls for: not-ready when False, unreachable when
 * Unknown (mutually exclusive, as the Ready condition is), none when True or absent.
 */
export function wantedNoExecuteKey(ready: NodeCondition | undefined): string | undefined {
  if (ready?.status === 'False') return TAINT_NOT_READY;
  if (ready?.status === 'Unknown') return TAINT_UNREACHABLE;
  return undefined;
}

export interface TaintPlan {
  /** The node's full taint list after the change. */
  taints: Taint[];
  changed: boolean;
  /** A NoExecute taint was wanted but adding it was not allowed (rate limit or disruption). */
  deferredNoExecute: boolean;
}

/**
 * Computes the node's taints: managed NoSchedule taints follow the conditions; the managed
 * NoExecute taint follows Ready. Adding a NoExecute taint (not swapping one for the other, which
 * upstream does at once) needs `mayAddNoExecute()`; `suppressNoExecute` removes both (the
 * cluster-wide disruption mode). New taints get `timeAdded = now`; the order of kept taints is
 * preserved and new ones are appended.
 */
export function planNodeTaints(node: KObject, now: Date, opts: { suppressNoExecute: boolean; mayAddNoExecute: () => boolean }): TaintPlan {
  const current = nodeTaints(node);
  const ts = rfc3339(now);
  const wantNoSched = desiredNoScheduleKeys(node);
  const wantNoExec = opts.suppressNoExecute ? undefined : wantedNoExecuteKey(nodeConditions(node).find((c) => c.type === 'Ready'));
  const hasNoExec = current.some(isManagedNoExecute);
  let deferred = false;
  let addNoExec = false;
  if (wantNoExec && !current.some((t) => t.effect === 'NoExecute' && t.key === wantNoExec)) {
    // Swapping not-ready for unreachable (or back) is immediate; a first taint is rate limited.
    if (hasNoExec || opts.mayAddNoExecute()) addNoExec = true;
    else deferred = true;
  }
  const kept = current.filter((t) => {
    if (isManagedNoSchedule(t)) return wantNoSched.has(t.key);
    if (isManagedNoExecute(t)) return t.key === wantNoExec;
    return true;
  });
  const have = new Set(kept.map(taintId));
  const out = [...kept];
  for (const key of wantNoSched) {
    const t: Taint = { key, effect: 'NoSchedule', timeAdded: ts };
    if (!have.has(taintId(t))) out.push(t);
  }
  if (addNoExec && wantNoExec) out.push({ key: wantNoExec, effect: 'NoExecute', timeAdded: ts });
  const changed = out.length !== current.length || out.some((t, i) => t !== current[i]);
  return { taints: out, changed, deferredNoExecute: deferred };
}
