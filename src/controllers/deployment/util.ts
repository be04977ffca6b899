// Pure rollout arithmetic of pkg/controller/deployment/util/deployment_util.go (v1.32): fence
// posts (maxSurge rounded up, maxUnavailable rounded down), replica sums, which ReplicaSet is
// "new", how far the new one may grow, and proportional scaling of a rollout in progress.
// Nothing here talks to the API or reads a clock.

import { scaledValueFromIntOrPercent, type IntOrString } from '../../api/intstr.js';
import type { Deployment, PodTemplate, ReplicaSet } from './types.js';
import { MAX_REPLICAS_ANNOTATION, DESIRED_REPLICAS_ANNOTATION, POD_TEMPLATE_HASH_LABEL } from './types.js';

/** spec.replicas of a Deployment or ReplicaSet (the API server defaults it; absent counts as 0 here, as a nil deref would not happen upstream). */
export function specReplicas(o: Deployment | ReplicaSet): number {
  return o.spec?.replicas ?? 0;
}

export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function scaled(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  try {
    // intstr.ValueOrDefault(nil, 0): an absent value means 0.
    return scaledValueFromIntOrPercent(v ?? 0, total, roundUp);
  } catch {
    return 0;
  }
}

/**
 * ResolveFenceposts: maxSurge as a count rounded up, maxUnavailable rounded down, for `desired`
 * replicas. When both resolve to 0 (small percentages), maxUnavailable becomes 1 so the rollout
 * can move at all.
 */
export function resolveFenceposts(maxSurge: IntOrString | undefined, maxUnavailable: IntOrString | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaled(maxSurge, desired, true);
  let unavailable = scaled(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** MaxSurge: the surge count for a RollingUpdate Deployment, 0 otherwise. */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, specReplicas(d)).surge;
}

/** MaxUnavailable: 0 for Recreate or 0 replicas, else the resolved count capped at replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec.strategy?.rollingUpdate;
  return Math.min(resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable, replicas);
}

/** MinAvailable: replicas - MaxUnavailable for RollingUpdate, 0 otherwise. */
export function minAvailable(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  return specReplicas(d) - maxUnavailable(d);
}

// ---------------------------------------------------------------------------------------------
// Sums over ReplicaSets (GetReplicaCountForReplicaSets and friends). `undefined` entries (no new
// RS yet) count as nothing.

type MaybeRS = ReplicaSet | undefined | null;

/** Σ spec.replicas. */
export function replicaCount(rss: readonly MaybeRS[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += specReplicas(rs);
  return n;
}

/** Σ status.replicas. */
export function actualReplicaCount(rss: readonly MaybeRS[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.replicas ?? 0;
  return n;
}

/** Σ status.readyReplicas. */
export function readyReplicaCount(rss: readonly MaybeRS[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.readyReplicas ?? 0;
  return n;
}

/** Σ status.availableReplicas. */
export function availableReplicaCount(rss: readonly MaybeRS[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += rs.status?.availableReplicas ?? 0;
  return n;
}

/** FilterActiveReplicaSets: the ones with spec.replicas > 0. */
export function activeReplicaSets(rss: readonly MaybeRS[]): ReplicaSet[] {
  const out: ReplicaSet[] = [];
  for (const rs of rss) if (rs && specReplicas(rs) > 0) out.push(rs);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Orderings (pkg/controller/controller_utils.go). Timestamps have second precision, so ties
// are common and broken by name.

function createdMs(rs: ReplicaSet): number {
  const t = rs.metadata.creationTimestamp;
  const ms = t ? Date.parse(t) : 0;
  return Number.isNaN(ms) ? 0 : ms;
}

function nameCompare(a: ReplicaSet, b: ReplicaSet): number {
  const x = a.metadata.name ?? '';
  const y = b.metadata.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

/** ReplicaSetsByCreationTimestamp: oldest first, then by name. */
export function byCreationTimestamp(a: ReplicaSet, b: ReplicaSet): number {
  const d = createdMs(a) - createdMs(b);
  return d !== 0 ? d : nameCompare(a, b);
}

/** ReplicaSetsBySizeOlder: largest first; on a tie the older first (used when scaling down). */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(a, b);
}

/** ReplicaSetsBySizeNewer: largest first; on a tie the newer first (used when scaling up). */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  const d = specReplicas(b) - specReplicas(a);
  return d !== 0 ? d : byCreationTimestamp(b, a);
}

// ---------------------------------------------------------------------------------------------
// Template equality and the new ReplicaSet.

/** Go's semantic equality treats nil and empty maps/slices alike: drop null, {} and [] recursively. */
function normalize(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((x) => normalize(x) ?? null);
  }
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const y = normalize(x);
      if (y === undefined) continue;
      out[k] = y;
      n++;
    }
    return n === 0 ? undefined : out;
  }
  return v;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) if (!(k in bo) || !sameJson(ao[k], bo[k])) return false;
  return true;
}

/** The template without the pod-template-hash label (the label is the only difference a ReplicaSet's template may have). */
function withoutHash(t: PodTemplate | undefined): unknown {
  if (!t) return undefined;
  const labels = t.metadata?.labels;
  if (!labels || !(POD_TEMPLATE_HASH_LABEL in labels)) return normalize(t);
  const { [POD_TEMPLATE_HASH_LABEL]: _hash, ...rest } = labels;
  return normalize({ ...t, metadata: { ...t.metadata, labels: rest } });
}

/** EqualIgnoreHash: the two templates are semantically equal once pod-template-hash is ignored. */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return sameJson(withoutHash(a), withoutHash(b));
}

/** FindNewReplicaSet: the oldest owned ReplicaSet whose template equals the Deployment's. */
export function findNewReplicaSet(d: Deployment, rsList: readonly ReplicaSet[]): ReplicaSet | undefined {
  const sorted = [...rsList].sort(byCreationTimestamp);
  const want = withoutHash(d.spec.template);
  for (const rs of sorted) if (sameJson(withoutHash(rs.spec.template), want)) return rs;
  return undefined;
}

/** FindOldReplicaSets: every owned ReplicaSet but the new one (`all`), and those of them with replicas (`required`). */
export function findOldReplicaSets(d: Deployment, rsList: readonly ReplicaSet[], newRS = findNewReplicaSet(d, rsList)): { required: ReplicaSet[]; all: ReplicaSet[] } {
  const required: ReplicaSet[] = [];
  const all: ReplicaSet[] = [];
  for (const rs of rsList) {
    if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
    all.push(rs);
    if (specReplicas(rs) !== 0) required.push(rs);
  }
  return { required, all };
}

/**
 * FindActiveOrLatest: the only active ReplicaSet; or, when none is active, the new one (else the
 * newest old one); undefined when several are active.
 */
export function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ReplicaSet | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreationTimestamp(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Replica annotations and sizing.

function intAnnotation(rs: ReplicaSet, key: string): number | undefined {
  const v = rs.metadata.annotations?.[key];
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  // strconv.ParseInt(v, 10, 32)
  return n > 2147483647 || n < -2147483648 ? undefined : n;
}

export function desiredReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
}

export function maxReplicasAnnotation(rs: ReplicaSet): number | undefined {
  return intAnnotation(rs, MAX_REPLICAS_ANNOTATION);
}

/**
 * NewRSNewReplicas: the size the new ReplicaSet may have now. RollingUpdate grows it by what the
 * surge leaves (replicas + maxSurge − Σ spec.replicas of all), never beyond replicas; Recreate
 * goes straight to replicas.
 */
export function newRSNewReplicas(d: Deployment, allRSs: readonly MaybeRS[], newRS: ReplicaSet): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const surge = scaled(d.spec.strategy?.rollingUpdate?.maxSurge, replicas, true);
  const current = replicaCount(allRSs);
  const maxTotal = replicas + surge;
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/** IsSaturated: the new ReplicaSet is at full size (spec, desired annotation) and fully available. */
export function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const desired = desiredReplicasAnnotation(rs);
  if (desired === undefined) return false;
  const replicas = specReplicas(d);
  return specReplicas(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/**
 * isScalingEvent: a ReplicaSet with replicas was last sized for a different spec.replicas (its
 * desired-replicas annotation differs), so this sync is a scale, not a rollout step.
 */
export function isScalingEvent(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): boolean {
  if (!newRS) return false;
  for (const rs of activeReplicaSets([...oldRSs, newRS])) {
    const desired = desiredReplicasAnnotation(rs);
    if (desired === undefined) continue;
    if (desired !== specReplicas(d)) return true;
  }
  return false;
}

/** Go's math.Round: halves away from zero. */
function goRound(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/**
 * getReplicaSetFraction: how many replicas `rs` gains (or loses) when the Deployment goes from
 * the size recorded in the RS's max-replicas annotation to replicas + maxSurge.
 */
export function replicaSetFraction(rs: ReplicaSet, d: Deployment): number {
  const replicas = specReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentReplicas = replicas + maxSurge(d);
  const annotated = maxReplicasAnnotation(rs) ?? d.status?.replicas ?? 0;
  // Upstream divides by the annotation unguarded; a 0 there cannot be scaled from proportionally.
  if (annotated === 0) return 0;
  return goRound((specReplicas(rs) * deploymentReplicas) / annotated) - specReplicas(rs);
}

/** GetProportion: the RS's share of `toAdd`, bounded by what is still left to add (or remove). */
export function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

export interface ScalePlan {
  /** "up", "down", or "" when only annotations may change. */
  operation: 'up' | 'down' | '';
  /** The active ReplicaSets in the order upstream updates them, with their new sizes. */
  sizes: { rs: ReplicaSet; replicas: number }[];
}

/**
 * The proportional part of DeploymentController.scale(): distribute replicas + maxSurge − Σ
 * spec.replicas over the active ReplicaSets in proportion to their sizes; the leftover (from
 * rounding) goes to the first (largest) one, never below 0.
 */
export function proportionalScale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: readonly ReplicaSet[]): ScalePlan {
  const all = activeReplicaSets([...oldRSs, newRS]);
  const replicas = specReplicas(d);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - replicaCount(all);
  let operation: ScalePlan['operation'] = '';
  if (toAdd > 0) {
    all.sort(bySizeNewer);
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return { rs, replicas: specReplicas(rs) };
    const p = proportion(rs, d, toAdd, added);
    added += p;
    return { rs, replicas: specReplicas(rs) + p };
  });
  if (toAdd !== 0 && sizes.length > 0) sizes[0].replicas = Math.max(0, sizes[0].replicas + toAdd - added);
  return { operation, sizes };
}
