// ControllerRevision helpers shared by the DaemonSet and StatefulSet controllers
// (k8s.io/kubernetes pkg/controller/history/controller_history.go and the getPatch/newRevision
// functions of pkg/controller/daemon/update.go and pkg/controller/statefulset/stateful_set_utils.go,
// v1.32). Pure functions of the objects.
//
// A revision's `data` is a strategic merge patch that restores the owner's pod template:
//   {"spec":{"template":{"$patch":"replace","metadata":{"creationTimestamp":null,...},"spec":{...}}}}
// `kubectl rollout undo` sends it verbatim as the PATCH body, and `kubectl rollout history
// --revision N` decodes it, so its shape must be exactly this. Upstream marshals the typed
// template, which always carries `metadata.creationTimestamp: null`; we add it too.

import { cloneJson } from '../../api/equality.js';
import type { KObject } from '../../api/types.js';
import { newControllerRef, type GvkLike } from '../shared/controller-ref.js';
import { deepPrint, safeEncodeString } from '../shared/hash.js';
import { goJsonMarshal } from './go-json.js';

/** history.ControllerRevisionHashLabel: the hash label of every revision (StatefulSet and generic history). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/**
 * apps.ControllerRevisionHashLabelKey / DefaultDaemonSetUniqueLabelKey / StatefulSetRevisionLabel:
 * on DaemonSet pods and revisions (the bare hash) and on StatefulSet pods (the revision name).
 */
export const CONTROLLER_REVISION_HASH_LABEL_KEY = 'controller-revision-hash';
/** Longest owner-name prefix of a revision name (ControllerRevisionName). */
export const REVISION_NAME_PREFIX_MAX = 223;

export interface ControllerRevision extends KObject {
  data?: unknown;
  revision?: number;
}

/**
 * The patch a revision stores for a pod template (getPatch): the template, deep-copied, with
 * `$patch: replace` and a `metadata.creationTimestamp: null` as Go's typed marshalling writes.
 */
export function revisionData(template: unknown): { spec: { template: Record<string, unknown> } } {
  const t = (template && typeof template === 'object' ? cloneJson(template) : {}) as Record<string, unknown>;
  const meta = (t.metadata && typeof t.metadata === 'object' ? t.metadata : {}) as Record<string, unknown>;
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  t.metadata = meta;
  t.$patch = 'replace';
  return { spec: { template: t } };
}

/** The exact bytes upstream would store for `data` (Go's json.Marshal of the generic patch). */
export function rawRevisionData(data: unknown): string {
  return goJsonMarshal(data);
}

/** FNV-1 (hash/fnv New32: multiply, then xor), which HashControllerRevision uses, unlike ComputeHash's FNV-1a. */
export function fnv32(text: string, h = 0x811c9dc5): number {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i++) h = (Math.imul(h, 16777619) ^ bytes[i]) >>> 0;
  return h >>> 0;
}

/**
 * HashControllerRevision: FNV-1 of the data bytes, then of the decimal collision count when given,
 * rendered through SafeEncodeString. Byte-exact with upstream for the same data.
 */
export function hashControllerRevision(data: unknown, collisionCount?: number | null): string {
  let h = fnv32(rawRevisionData(data));
  if (collisionCount !== undefined && collisionCount !== null) h = fnv32(String(collisionCount), h);
  return safeEncodeString(String(h));
}

/** ControllerRevisionName: `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > REVISION_NAME_PREFIX_MAX ? prefix.slice(0, REVISION_NAME_PREFIX_MAX) : prefix}-${hash}`;
}

/**
 * NewControllerRevision: labels = the template labels plus the hash label, a controller ref to
 * the parent, the data and the revision number; the name is the parent's name and the hash.
 */
export function newControllerRevision(parent: KObject, gvk: GvkLike, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number | null): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata.name ?? '', hash),
      namespace: parent.metadata.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(parent, gvk)],
    },
    data,
    revision,
  };
}

/**
 * Whether two revisions hold the same data. Upstream compares the raw bytes; we compare the
 * canonical form, which only additionally treats `null` and an absent member as equal (the API
 * server may drop one of them on a round trip).
 */
export function revisionDataEqual(a: unknown, b: unknown): boolean {
  return deepPrint(a) === deepPrint(b);
}

/** strconv.ParseInt(s, 10, 32) as a uint32, or undefined. */
function parseHashLabel(v: string | undefined): number | undefined {
  if (v === undefined || !/^[+-]?\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= -2147483648 && n <= 2147483647 ? n >>> 0 : undefined;
}

/**
 * EqualRevision: false when both carry a numeric hash label and they differ (safe-encoded hashes
 * never parse, so in practice this is the data comparison).
 */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  if (!a || !b) return a === b;
  const ha = parseHashLabel(a.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]);
  const hb = parseHashLabel(b.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL]);
  if (ha !== undefined && hb !== undefined && ha !== hb) return false;
  return revisionDataEqual(a.data, b.data);
}

/** FindEqualRevisions: every revision equal to `needle`, in the order given. */
export function findEqualRevisions<T extends ControllerRevision>(revisions: readonly T[], needle: ControllerRevision): T[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

function creationMs(o: KObject): number {
  const t = o.metadata.creationTimestamp;
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** SortControllerRevisions (byRevision): by revision number, then creation time, then name. A sorted copy. */
export function sortRevisions<T extends ControllerRevision>(revisions: readonly T[]): T[] {
  return [...revisions].sort((a, b) => {
    const ra = a.revision ?? 0;
    const rb = b.revision ?? 0;
    if (ra !== rb) return ra - rb;
    const ca = creationMs(a);
    const cb = creationMs(b);
    if (ca !== cb) return ca - cb;
    const na = a.metadata.name ?? '';
    const nb = b.metadata.name ?? '';
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
}

/** nextRevision: 1 for no history, else the last (highest) revision + 1. Expects sorted input. */
export function nextRevision(sorted: readonly ControllerRevision[]): number {
  return sorted.length ? (sorted[sorted.length - 1].revision ?? 0) + 1 : 1;
}

/** maxRevision: the highest revision number (0 for none). */
export function maxRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) if ((r.revision ?? 0) > max) max = r.revision ?? 0;
  return max;
}

/**
 * The pod template a revision restores (ApplyRevision for data of getPatch's shape: the
 * strategic merge patch replaces spec.template wholesale). Undefined when the data has no template.
 */
export function templateOfRevision(revision: ControllerRevision): Record<string, unknown> | undefined {
  const t = (revision.data as { spec?: { template?: unknown } } | undefined)?.spec?.template;
  if (!t || typeof t !== 'object') return undefined;
  const out = cloneJson(t) as Record<string, unknown>;
  delete out.$patch;
  return out;
}

/**
 * truncateHistory's choice (StatefulSet): of the sorted revisions that are not live (current,
 * update, or referenced by a pod), the oldest beyond `limit` go.
 */
export function revisionsToTruncate<T extends ControllerRevision>(sorted: readonly T[], live: ReadonlySet<string>, limit: number): T[] {
  const history = sorted.filter((r) => !live.has(r.metadata.name ?? ''));
  if (history.length <= limit) return [];
  return history.slice(0, history.length - limit);
}
