// Server-side apply (PATCH application/apply-patch+yaml), with the semantics of Kubernetes v1.32:
// k8s.io/apimachinery/pkg/util/managedfields/internal (the FieldManager chain) over
// sigs.k8s.io/structured-merge-diff v4 (merge.Updater.Apply: merge, prune, conflict detection).
//
// In short: the applied configuration is merged into the live object (list-maps by key, sets by value,
// atomic lists/maps replaced whole). The applier then owns exactly the fields of its configuration.
// Fields it owned before and no longer applies are removed from the object unless someone else owns
// them. A field the configuration would change that another manager owns is a conflict (409) unless
// `force`, which takes it over. Equal values are shared ownership, never a conflict.

import { ApiError } from '../errors.js';
import type { SchemaNode } from '../schema.js';
import type { KObject } from '../types.js';
import { parseApiVersion } from '../types.js';
import { isObject, setOwn } from './json-value.js';
import {
  childType,
  deepEqual,
  elemType,
  fieldNamePaths,
  FieldSet,
  goJson,
  isEmptyObject,
  itemPELenient,
  pathToString,
  shapeOf,
  toFieldSet,
  typeOf,
  type FieldType,
  type ListType,
  type PathElement,
} from './field-set.js';
import {
  BEFORE_FIRST_APPLY,
  compare,
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  excludeFields,
  formatTime,
  managerIdentifier,
  reassignOwnership,
  recordUpdate,
  STRIPPED_FIELDS,
  withoutManagedFields,
  type Conflict,
  type ManagedFields,
} from './managed-fields.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** apimachinery TotalAnnotationSizeLimitB: a last-applied annotation that would exceed it is dropped. */
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ServerSideApplyArgs {
  /** The stored object, or undefined when the apply creates it. */
  live: KObject | undefined;
  /** The applied configuration as sent (kubectl sends JSON). */
  applied: KObject;
  /** The validated ?fieldManager= (required for apply; see managerFromRequest). */
  manager: string;
  /** ?force=true: take conflicting fields from their owners instead of failing. */
  force: boolean;
  schema: SchemaNode | undefined;
  /** The version the endpoint serves, e.g. "apps/v1"; the applied object must be in it. */
  apiVersion: string;
  /** The kind the endpoint serves; when given, an applied object of another kind is a 400. */
  kind?: string;
  now: Date;
  subresource?: string;
  /** Field-name paths this endpoint resets (e.g. [['status']] on the main resource): applied values there are not owned. */
  resetFields?: readonly (readonly string[])[];
}

/**
 * Applies `applied` on top of `live` and returns the merged object (a fresh deep copy) with updated
 * metadata.managedFields. The caller still runs defaulting, the strategy's update preparation
 * (e.g. resetting status) and validation on the result, as upstream does after the field manager.
 *
 * Throws ApiError: 409 Conflict with FieldManagerConflict causes; 400 for metadata.managedFields in the
 * configuration or a wrong apiVersion/kind; 500 (reason-less, as upstream's plain errors) when the
 * configuration cannot be typed, e.g. a list-map item without its key.
 *
 * Manager "kubectl" gets upstream's client-side-apply upgrade: conflicts on fields whose value matches the
 * last-applied-configuration annotation are forced, and an existing annotation is kept in sync.
 */
export function serverSideApply(args: ServerSideApplyArgs): KObject {
  const { applied, apiVersion } = args;
  if (Array.isArray(applied.metadata?.managedFields)) throw new ApiError(400, 'BadRequest', 'metadata.managedFields must be nil');
  if (applied.apiVersion !== apiVersion || (args.kind !== undefined && applied.kind !== args.kind)) {
    throw new ApiError(400, 'BadRequest', `invalid object type: ${gvkString(applied)}`);
  }
  const t = typeOf(args.schema);
  const reset = args.resetFields?.length ? fieldNamePaths(args.resetFields) : undefined;
  const time = formatTime(args.now);

  let managed: ManagedFields;
  try {
    managed = decodeManagedFields(args.live?.metadata?.managedFields);
  } catch (err) {
    throw new ApiError(500, '', `failed to decode managed fields: ${(err as Error).message}`);
  }
  const live: KObject = args.live ? withoutManagedFields(args.live) : ({} as KObject);
  // An object nobody tracks yet: its current fields are attributed to "before-first-apply" first.
  if (managed.size === 0 && args.live) {
    managed = recordUpdate(managed, compare({}, live, t), { manager: BEFORE_FIRST_APPLY, apiVersion, subresource: args.subresource, time, reset });
  }

  const errors: string[] = [];
  const configSet = toFieldSet(applied, t, errors);
  if (errors.length) {
    const msg = errors.length === 1 ? errors[0] : ['errors:', ...errors.map((e) => '  ' + e)].join('\n');
    throw new ApiError(500, '', `failed to create typed patch object (${applied.metadata?.namespace ?? ''}/${applied.metadata?.name ?? ''}; ${gvkString(applied)}): ${msg}`);
  }

  const id = managerIdentifier({ manager: args.manager, operation: 'Apply', subresource: args.subresource });
  const run = (force: boolean) => applyCore({ live, applied, t, managed, id, configSet, reset, force, args });
  let result = run(args.force);
  if (result.conflicts.length && args.manager === 'kubectl') {
    const allowed = allowedConflictsFromLastApplied(live, apiVersion, t);
    if (allowed) {
      const remaining = result.conflicts.filter((c) => !allowed.has(c.path));
      result = remaining.length ? { ...result, conflicts: remaining } : run(true);
    }
  }
  if (result.conflicts.length) throw conflictError(result.conflicts);

  let m = result.managed;
  const entry = m.get(id);
  if (entry) {
    // A no-op apply keeps the entry's previous time (upstream only stamps changed objects).
    const set = entry.set.difference(STRIPPED_FIELDS);
    m = new Map(m);
    if (set.isEmpty()) m.delete(id);
    else m.set(id, { ...entry, set, ...(result.changed ? { time } : {}) });
  }

  let obj = (result.changed ? stripNewNulls(result.object, live, t) : live) as KObject;
  obj = cloneJson(obj);
  obj.metadata ??= {};
  if (args.manager === 'kubectl' && obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION]) syncLastApplied(obj, applied);
  const encoded = encodeManagedFields(m);
  if (encoded) obj.metadata.managedFields = encoded;
  else delete obj.metadata.managedFields;
  return obj;
}

interface CoreInput {
  live: KObject;
  applied: KObject;
  t: FieldType;
  managed: ManagedFields;
  id: string;
  configSet: FieldSet;
  reset: FieldSet | undefined;
  force: boolean;
  args: ServerSideApplyArgs;
}

interface CoreResult {
  object: unknown;
  managed: ManagedFields;
  conflicts: Conflict[];
  changed: boolean;
}

/** Upstream merge.Updater.Apply. */
function applyCore(x: CoreInput): CoreResult {
  const { live, t, id } = x;
  const merged = mergeValue(live, x.applied, t);
  const last = x.managed.get(id);
  const m: ManagedFields = new Map(x.managed);
  m.set(id, {
    manager: x.args.manager,
    operation: 'Apply',
    apiVersion: x.args.apiVersion,
    ...(x.args.subresource ? { subresource: x.args.subresource } : {}),
    ...(last?.time ? { time: last.time } : {}),
    set: x.reset ? x.configSet.recursiveDifference(x.reset) : x.configSet,
  });
  const object = prune(merged, m, last?.set, t);
  const c = excludeFields(compare(live, object, t), x.reset);
  const r = reassignOwnership(m, c, id, x.force);
  return { object, managed: r.managed, conflicts: r.conflicts, changed: !deepEqual(live, object) };
}

/**
 * Upstream Updater.prune: removes what the applier owned last time and no longer applies, unless another
 * manager (or the new configuration) owns it; items that were never the applier's are added back.
 */
function prune(merged: unknown, managers: ManagedFields, lastSet: FieldSet | undefined, t: FieldType): unknown {
  if (!lastSet || lastSet.isEmpty()) return merged;
  const named = (s: FieldSet) => ensureNamedFieldsAreMembers(s, t);
  const last = named(lastSet);
  let pruned = removeItems(merged, last, t);
  let owned = FieldSet.empty();
  for (const e of managers.values()) owned = owned.union(e.set);
  const mergedSet = named(toFieldSet(merged, t));
  pruned = removeItems(merged, mergedSet.difference(named(toFieldSet(pruned, t)).union(named(owned))), t);
  const prunedSet = named(toFieldSet(pruned, t));
  return removeItems(merged, mergedSet.difference(prunedSet).intersection(last), t);
}

/**
 * Upstream Set.EnsureNamedFieldsAreMembers: a declared struct field that has owned descendants is
 * also made a member itself (used by apply's pruning, so removing it removes its subtree).
 */
export function ensureNamedFieldsAreMembers(s: FieldSet, t: FieldType | undefined): FieldSet {
  if (!s.children) return s;
  let out: Map<PathElement, FieldSet> | undefined;
  for (const [pe, c] of s.children) {
    if (!c.children) continue;
    let ct: FieldType | undefined;
    let named = false;
    if (t && pe[0] === 'f') {
      const r = childType(t, pe.slice(2));
      ct = r.type;
      named = r.declared;
    } else if (t && pe[0] === 'k' && t.kind === 'list') {
      ct = elemType(t);
    }
    const inner = ensureNamedFieldsAreMembers(c, ct);
    const n = named && !inner.member ? FieldSet.node(true, inner.children) : inner;
    if (n !== c) (out ??= new Map(s.children)).set(pe, n);
  }
  return out ? FieldSet.node(s.member, out) : s;
}

// ---------------------------------------------------------------------------------------------
// Typed merge and removal. Both share untouched subtrees with their inputs.

/** Upstream TypedValue.Merge with keep-RHS leaves. `undefined` means absent. */
export function mergeValue(l: unknown, r: unknown, t: FieldType): unknown {
  if (r === undefined) return l;
  if (l === undefined) return r;
  const sl = shapeOf(t, l);
  const sr = shapeOf(t, r);
  if (sl !== sr || sr === 'leaf') return r;
  if (sr === 'map') {
    const lm = isObject(l) ? l : undefined;
    const rm = isObject(r) ? r : undefined;
    if ((!lm || isEmptyObject(lm)) && (!rm || isEmptyObject(rm))) return r;
    // A null configuration for a granular map leaves the live entries alone (upstream merges with nothing).
    if (!rm) return l;
    if (!lm) return r;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(lm)) setOwn(out, k, Object.hasOwn(rm, k) ? mergeValue(lm[k], rm[k], childType(t, k).type) : lm[k]);
    for (const k of Object.keys(rm)) if (!Object.hasOwn(lm, k)) setOwn(out, k, rm[k]);
    return out;
  }
  const ll = Array.isArray(l) ? l : undefined;
  const rl = Array.isArray(r) ? r : undefined;
  if ((!ll || ll.length === 0) && (!rl || rl.length === 0)) return r;
  if (!rl) return l;
  if (!ll) return r;
  return mergeList(ll, rl, t as ListType);
}

const DUPLICATE = Symbol('duplicate');

/**
 * Items keep the live order, except that items present in both follow the configuration's order;
 * new items go where the configuration puts them (upstream's mergingWalker.visitListItems).
 */
function mergeList(ll: unknown[], rl: unknown[], t: ListType): unknown[] {
  const et = elemType(t);
  const lpes = ll.map((v, i) => itemPELenient(t, v, i));
  const rpes = rl.map((v, i) => itemPELenient(t, v, i));
  const lItems = new Map<PathElement, unknown>();
  lpes.forEach((pe, i) => lItems.set(pe, lItems.has(pe) ? DUPLICATE : ll[i]));
  const rItems = new Map<PathElement, unknown>();
  rpes.forEach((pe, i) => rItems.set(pe, rl[i]));
  const lhsOf = (pe: PathElement) => {
    const v = lItems.get(pe);
    return v === DUPLICATE ? undefined : v;
  };
  const shared = rpes.filter((pe) => lItems.has(pe));
  let si = 0;
  let next: PathElement | undefined = shared[si++];
  const merged = new Set<PathElement>();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  while (li < ll.length || ri < rl.length) {
    if (li < ll.length && ri < rl.length) {
      const pe = lpes[li];
      if (pe === rpes[ri]) {
        merged.add(pe);
        out.push(mergeValue(lhsOf(pe), rItems.get(pe), et));
        li++;
        ri++;
        next = shared[si++];
        continue;
      }
      // A shared item, but not the one the configuration wants next: it is emitted at its RHS position.
      if (rItems.has(pe) && next !== undefined && next !== pe) {
        li++;
        continue;
      }
    }
    if (li < ll.length) {
      const pe = lpes[li];
      if (!rItems.has(pe)) {
        out.push(ll[li]);
        li++;
        continue;
      }
      if (merged.has(pe)) {
        li++;
        continue;
      }
    }
    if (ri < rl.length) {
      const pe = rpes[ri];
      merged.add(pe);
      out.push(mergeValue(lhsOf(pe), rItems.get(pe), et));
      ri++;
      if (next === pe) next = shared[si++];
    }
  }
  return out;
}

/**
 * Upstream TypedValue.RemoveItems: drops every member of `s` (with its subtree). Containers emptied on the
 * way become null, as upstream; nulls the operation introduces are dropped before the object is returned.
 */
export function removeItems(v: unknown, s: FieldSet, t: FieldType): unknown {
  if (!s.children) return v;
  const shape = shapeOf(t, v);
  // Atomic values are never walked into (nothing below them can be owned).
  if (shape === 'leaf') return v;
  if (shape === 'map') {
    if (!isObject(v) || isEmptyObject(v)) return null;
    const out: Record<string, unknown> = {};
    let changed = false;
    for (const k of Object.keys(v)) {
      const c = s.children.get('f:' + k);
      if (!c) setOwn(out, k, v[k]);
      else if (c.member) changed = true;
      else {
        const nv = removeItems(v[k], c, childType(t, k).type);
        if (nv !== v[k]) changed = true;
        setOwn(out, k, nv);
      }
    }
    if (!changed) return v;
    return isEmptyObject(out) ? null : out;
  }
  if (!Array.isArray(v) || v.length === 0) return null;
  const lt = t as ListType;
  const et = elemType(lt);
  const out: unknown[] = [];
  let changed = false;
  for (let i = 0; i < v.length; i++) {
    const c = s.children.get(itemPELenient(lt, v[i], i));
    if (!c) out.push(v[i]);
    else if (c.member) changed = true;
    else {
      const nv = removeItems(v[i], c, et);
      if (nv !== v[i]) changed = true;
      out.push(nv);
    }
  }
  if (!changed) return v;
  return out.length ? out : null;
}

/**
 * Drops map entries that are null in the result but were not null in the live object: nulls from the
 * configuration ("unset") and from removal. Go's typed decoding omits those; live nulls are kept as stored.
 */
function stripNewNulls(v: unknown, live: unknown, t: FieldType): unknown {
  if (v === live) return v;
  const shape = shapeOf(t, v);
  if (shape === 'map' && isObject(v)) {
    const lm = isObject(live) ? live : undefined;
    let out: Record<string, unknown> | undefined;
    for (const k of Object.keys(v)) {
      const lv = lm && Object.hasOwn(lm, k) ? lm[k] : undefined;
      const nv = v[k] === null ? (lv === null ? null : undefined) : stripNewNulls(v[k], lv, childType(t, k).type);
      if (nv === v[k]) continue;
      out ??= { ...v };
      if (nv === undefined) delete out[k];
      else setOwn(out, k, nv);
    }
    return out ?? v;
  }
  if (shape === 'list' && Array.isArray(v)) {
    const lt = t as ListType;
    const et = elemType(lt);
    const liveItems = new Map<PathElement, unknown>();
    if (Array.isArray(live)) live.forEach((item, i) => liveItems.set(itemPELenient(lt, item, i), item));
    let out: unknown[] | undefined;
    v.forEach((item, i) => {
      const nv = stripNewNulls(item, liveItems.get(itemPELenient(lt, item, i)), et);
      if (nv !== item) (out ??= [...v])[i] = nv;
    });
    return out ?? v;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Client-side apply upgrade (upstream lastAppliedManager / lastAppliedUpdater).

/** Fields of the last-applied annotation whose value still matches the live object, or undefined. */
function allowedConflictsFromLastApplied(live: KObject, apiVersion: string, t: FieldType): FieldSet | undefined {
  const text = live.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(last) || last.apiVersion !== apiVersion) return undefined;
  const errors: string[] = [];
  const set = toFieldSet(last, t, errors);
  if (errors.length) return undefined;
  const c = compare(last, live, t);
  return set.difference(c.modified).difference(c.added).difference(c.removed);
}

/** Rewrites an existing last-applied annotation from the applied configuration, as kubectl would encode it. */
function syncLastApplied(obj: KObject, applied: KObject): void {
  const copy = cloneJson(applied);
  if (copy.metadata?.annotations) delete copy.metadata.annotations[LAST_APPLIED_ANNOTATION];
  const annotations: Record<string, string> = { ...obj.metadata.annotations, [LAST_APPLIED_ANNOTATION]: goJson(copy) + '\n' };
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) size += Buffer.byteLength(k) + Buffer.byteLength(v);
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) delete annotations[LAST_APPLIED_ANNOTATION];
  obj.metadata.annotations = annotations;
}

// ---------------------------------------------------------------------------------------------

/** The 409 of upstream NewConflictError; `conflicts` are sorted by manager identifier, then path. */
export function conflictError(conflicts: readonly Conflict[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: pathToString(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0].manager)}: ${pathToString(conflicts[0].path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const list = byManager.get(c.manager) ?? [];
      list.push(pathToString(c.path));
      byManager.set(c.manager, list);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${describeManager(id)}:`);
      for (const p of byManager.get(id)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/** Go's GroupVersionKind.String(): "apps/v1, Kind=Deployment", "/v1, Kind=Pod". */
function gvkString(o: KObject): string {
  const { group, version } = parseApiVersion(typeof o.apiVersion === 'string' ? o.apiVersion : '');
  return `${group}/${version}, Kind=${typeof o.kind === 'string' ? o.kind : ''}`;
}

function cloneJson<T>(v: T): T {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(cloneJson) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) setOwn(out, k, cloneJson((v as Record<string, unknown>)[k]));
  return out as T;
}
