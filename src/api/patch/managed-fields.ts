// metadata.managedFields: decoding/encoding the entries, the ownership rules shared by every write,
// and tracking for non-apply writes (create/update/patch). Semantics of Kubernetes v1.32
// (k8s.io/apimachinery/pkg/util/managedfields/internal + structured-merge-diff's merge.Updater):
//   - a write's changed fields (added or modified) move silently to the writer's "Update" entry;
//   - removed fields are dropped from every entry; entries left empty are dropped;
//   - metadata bookkeeping (name, uid, resourceVersion, managedFields...) is never owned;
//   - at most 10 Update entries are kept, the oldest merged into "ancient-changes".

import { apiErr, fieldErr, type FieldError } from '../errors.js';
import type { SchemaNode } from '../schema.js';
import type { JsonObject, KObject, ManagedFieldsEntry } from '../types.js';
import {
  childType,
  deepEqual,
  elemType,
  fieldNamePaths,
  fieldPE,
  FieldSet,
  goJson,
  goQuote,
  isEmptyObject,
  itemPELenient,
  shapeOf,
  typeOf,
  type FieldType,
  type ListType,
  type PathElement,
} from './field-set.js';
import { isObject } from './json-value.js';

export type Operation = 'Apply' | 'Update';

/** One decoded managedFields entry. Entries are immutable; operations build new ones. */
export interface ManagerEntry {
  readonly manager: string;
  readonly operation: Operation;
  readonly apiVersion: string;
  readonly subresource?: string;
  /** RFC 3339 (seconds); absent when the operation never changed the object (as upstream). */
  readonly time?: string;
  readonly set: FieldSet;
  /** The stored fieldsV1 this entry came from: re-emitted as is while `set` is still that decoded set. */
  readonly decoded?: { readonly set: FieldSet; readonly fieldsV1: JsonObject };
}

/** Entries keyed by manager identifier (see managerIdentifier). Insertion order is irrelevant: encoding sorts. */
export type ManagedFields = Map<string, ManagerEntry>;

/** A field owned by another manager whose value an apply would change. `manager` is an identifier. */
export interface Conflict {
  manager: string;
  path: PathElement[];
}

export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';
export const BEFORE_FIRST_APPLY = 'before-first-apply';

/** Paths never owned by anyone (upstream stripMetaManager). Removed exactly, not with their children. */
export const STRIPPED_FIELDS: FieldSet = fieldNamePaths([
  ['apiVersion'],
  ['kind'],
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'creationTimestamp'],
  ['metadata', 'selfLink'],
  ['metadata', 'uid'],
  ['metadata', 'clusterName'],
  ['metadata', 'generation'],
  ['metadata', 'managedFields'],
  ['metadata', 'resourceVersion'],
]);

/**
 * Upstream BuildManagerIdentifier: the JSON of the entry without time and fields. Appliers are identified
 * without their apiVersion (re-applying at another version replaces the entry); updaters with it.
 */
export function managerIdentifier(e: { manager: string; operation: Operation; apiVersion?: string; subresource?: string }): string {
  const parts: string[] = [];
  if (e.manager) parts.push(`"manager":${goJson(e.manager)}`);
  parts.push(`"operation":${goJson(e.operation)}`);
  if (e.operation === 'Update' && e.apiVersion) parts.push(`"apiVersion":${goJson(e.apiVersion)}`);
  if (e.subresource) parts.push(`"subresource":${goJson(e.subresource)}`);
  return '{' + parts.join(',') + '}';
}

/**
 * How conflict messages name a manager (upstream printManager): `"kubectl"`,
 * `"kubectl-client-side-apply" using apps/v1`, `"kubectl" with subresource "scale" using apps/v1`.
 */
export function describeManager(id: string): string {
  let e: { manager?: string; operation?: string; apiVersion?: string; subresource?: string };
  try {
    e = JSON.parse(id);
  } catch {
    return goQuote(id);
  }
  let s = goQuote(e.manager ?? '');
  if (e.subresource) s += ` with subresource ${goQuote(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion ?? ''}`;
  return s;
}

/** RFC 3339 without fraction, as metav1.Time serializes: 2026-11-29T20:31:22Z. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** Upstream DecodeManagedFields. Throws an Error (upstream wording) on an invalid entry. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | null | undefined): ManagedFields {
  const out: ManagedFields = new Map();
  if (entries === null || entries === undefined) return out;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((e, i) => {
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error('operation must be `Apply` or `Update`');
    if (!e.apiVersion) throw new Error('apiVersion must not be empty');
    if (e.fieldsType !== 'FieldsV1') {
      throw new Error(e.fieldsType ? `invalid fieldsType ${JSON.stringify(e.fieldsType)} in managed fields entry ${i}` : `missing fieldsType in managed fields entry ${i}`);
    }
    let set: FieldSet;
    try {
      set = e.fieldsV1 === undefined || e.fieldsV1 === null ? FieldSet.empty() : FieldSet.fromFieldsV1(e.fieldsV1);
    } catch (err) {
      throw new Error(`error decoding versioned set from entry ${i}: error decoding set: ${(err as Error).message}`);
    }
    const entry: ManagerEntry = {
      manager: e.manager ?? '',
      operation: e.operation,
      apiVersion: e.apiVersion,
      ...(e.subresource ? { subresource: e.subresource } : {}),
      ...(e.time ? { time: e.time } : {}),
      set,
      ...(e.fieldsV1 ? { decoded: { set, fieldsV1: e.fieldsV1 } } : {}),
    };
    out.set(managerIdentifier(entry), entry);
  });
  return out;
}

/** Upstream encodeManagedFields: sorted entries, or undefined when nobody owns anything (field removed). */
export function encodeManagedFields(m: ManagedFields): ManagedFieldsEntry[] | undefined {
  if (m.size === 0) return undefined;
  const list: ManagedFieldsEntry[] = [];
  for (const e of m.values()) {
    const out: ManagedFieldsEntry = {};
    if (e.manager) out.manager = e.manager;
    out.operation = e.operation;
    out.apiVersion = e.apiVersion;
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.decoded && e.decoded.set === e.set ? e.decoded.fieldsV1 : e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    list.push(out);
  }
  return list.sort(compareEntries);
}

/** Upstream sortEncodedManagedFields: Apply before Update, then oldest first, then by name/version/subresource. */
function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  if (p.operation !== q.operation) return (p.operation ?? '') < (q.operation ?? '') ? -1 : 1;
  const ps = timeSeconds(p.time);
  const qs = timeSeconds(q.time);
  if (ps !== qs) return ps - qs;
  return cmpStr(p.manager ?? '', q.manager ?? '') || cmpStr(p.apiVersion ?? '', q.apiVersion ?? '') || cmpStr(p.subresource ?? '', q.subresource ?? '');
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeSeconds(t: string | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** Removes reset fields (and everything under them) from a comparison, as upstream's ExcludeFields. */
export function excludeFields(c: Comparison, reset: FieldSet | undefined): Comparison {
  if (!reset || reset.isEmpty()) return c;
  return {
    added: c.added.recursiveDifference(reset),
    modified: c.modified.recursiveDifference(reset),
    removed: c.removed.recursiveDifference(reset),
  };
}

/**
 * Upstream Updater.update: every manager except `except` loses the fields this change modified or added
 * (or, without `force`, the overlap is returned as conflicts and nothing changes) and the fields it removed.
 * Entries left empty are dropped.
 */
export function reassignOwnership(
  managed: ManagedFields,
  c: Comparison,
  except: string | undefined,
  force: boolean,
): { managed: ManagedFields; conflicts: Conflict[] } {
  const changed = c.added.union(c.modified);
  const lost = new Map<string, FieldSet>();
  if (!changed.isEmpty()) {
    for (const [id, e] of managed) {
      if (id === except) continue;
      const overlap = e.set.intersection(changed);
      if (!overlap.isEmpty()) lost.set(id, overlap);
    }
  }
  if (!force && lost.size > 0) {
    const conflicts: Conflict[] = [];
    for (const id of [...lost.keys()].sort(cmpStr)) for (const path of lost.get(id)!.paths()) conflicts.push({ manager: id, path });
    return { managed, conflicts };
  }
  const out: ManagedFields = new Map();
  for (const [id, e] of managed) {
    let s = e.set;
    if (id !== except) {
      const l = lost.get(id);
      if (l) s = s.difference(l);
      s = s.difference(c.removed);
    }
    if (s.isEmpty()) continue;
    out.set(id, s === e.set ? e : { ...e, set: s });
  }
  return { managed: out, conflicts: [] };
}

export interface UpdateOperation {
  manager: string;
  apiVersion: string;
  subresource?: string;
  /** formatTime(now) */
  time: string;
  /** Fields the endpoint resets (e.g. status on the main resource): nobody gains or loses them here. */
  reset?: FieldSet;
}

/**
 * Records a non-apply write described by `c` (old → new): the managedFieldsUpdater + stripMeta +
 * Updater.Update + capManagers chain. The writer's entry gets a new time only when it gained fields.
 */
export function recordUpdate(managed: ManagedFields, c: Comparison, op: UpdateOperation): ManagedFields {
  const cmp = excludeFields(c, op.reset);
  let m = reassignOwnership(managed, cmp, undefined, true).managed;
  const gained = cmp.added.union(cmp.modified).difference(cmp.removed).difference(STRIPPED_FIELDS);
  if (!gained.isEmpty()) {
    const manager = op.manager || 'unknown';
    const entry = { manager, operation: 'Update' as const, apiVersion: op.apiVersion, ...(op.subresource ? { subresource: op.subresource } : {}) };
    const id = managerIdentifier(entry);
    const prev = m.get(id);
    if (m === managed) m = new Map(managed);
    m.set(id, { ...entry, time: op.time, set: prev ? gained.union(prev.set) : gained });
  }
  return capUpdateManagers(m, MAX_UPDATE_MANAGERS);
}

/** Upstream capUpdateManagers: merges the oldest Update entries into per-version "ancient-changes" buckets. */
export function capUpdateManagers(managed: ManagedFields, max: number): ManagedFields {
  const updaters = [...managed.entries()].filter(([, e]) => e.operation === 'Update').map(([id]) => id);
  if (updaters.length <= max) return managed;
  const m = new Map(managed);
  updaters.sort((a, b) => timeSeconds(m.get(a)!.time) - timeSeconds(m.get(b)!.time) || cmpStr(a, b));
  const firstByVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i];
    const e = m.get(id)!;
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: e.apiVersion });
    const first = firstByVersion.get(e.apiVersion);
    if (first === undefined) {
      firstByVersion.set(e.apiVersion, id);
      continue;
    }
    // The first entry seen for this version becomes the bucket once a second one joins it.
    let bucketSet: FieldSet;
    if (m.has(bucket)) bucketSet = m.get(bucket)!.set;
    else {
      bucketSet = m.get(first)!.set;
      m.delete(first);
    }
    // The bucket takes the time of the (more recent) update merged into it.
    m.set(bucket, { manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: e.apiVersion, ...(e.time ? { time: e.time } : {}), set: e.set.union(bucketSet) });
    m.delete(id);
    length--;
  }
  return m;
}

/** A copy of the object without metadata.managedFields (metadata is copied, the rest shared). */
export function withoutManagedFields(obj: KObject): KObject {
  const { managedFields: _drop, ...meta } = obj.metadata ?? {};
  return { ...obj, metadata: meta };
}

function decodeOrEmpty(entries: readonly ManagedFieldsEntry[] | undefined): ManagedFields {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

/** `managedFields: []` or `[{}]` in a write clears all ownership (upstream isResetManagedFields). */
function isResetManagedFields(mf: unknown): boolean {
  if (!Array.isArray(mf)) return false;
  if (mf.length === 0) return true;
  return mf.length === 1 && mf[0] !== null && typeof mf[0] === 'object' && Object.keys(mf[0]).length === 0;
}

export interface TrackUpdateArgs {
  /** The stored object; undefined (or one without uid) for a create. */
  oldObj: KObject | undefined;
  /** The object about to be stored (after patching, defaulting and the strategy's update preparation). */
  newObj: KObject;
  manager: string;
  schema: SchemaNode | undefined;
  /** The version the request was made in, e.g. "apps/v1". */
  apiVersion: string;
  now: Date;
  subresource?: string;
  /** Field-name paths this endpoint resets, e.g. [['status']] for the main resource of most kinds. */
  resetFields?: readonly (readonly string[])[];
}

/**
 * managedFields for a create/update/patch (upstream FieldManager.UpdateNoErrors). Returns a copy of
 * newObj (root and metadata copied, the rest shared) with metadata.managedFields set, or removed when empty.
 *  - The entries come from newObj when it carries valid, non-empty ones (clients may edit them),
 *    `[]`/`[{}]` resets them, otherwise they come from oldObj. Subresource writes always use oldObj's.
 *  - An existing object without managedFields stays untracked (upstream skipNonApplied); creates are tracked.
 * Cost: one walk over both objects plus the size of the managedFields.
 */
export function trackUpdate(args: TrackUpdateArgs): KObject {
  const { oldObj, newObj } = args;
  const isCreate = !oldObj?.metadata?.uid;
  let managed: ManagedFields;
  if (args.subresource) {
    managed = decodeOrEmpty(oldObj?.metadata?.managedFields);
  } else if (isResetManagedFields(newObj.metadata?.managedFields)) {
    managed = new Map();
  } else {
    let fromNew: ManagedFields | undefined;
    try {
      fromNew = decodeManagedFields(newObj.metadata?.managedFields);
    } catch {
      fromNew = undefined;
    }
    managed = fromNew && fromNew.size > 0 ? fromNew : decodeOrEmpty(oldObj?.metadata?.managedFields);
  }
  const out = withoutManagedFields(newObj);
  if (managed.size === 0 && !isCreate) return out;
  const c = compare(oldObj ? withoutManagedFields(oldObj) : {}, out, typeOf(args.schema));
  const m = recordUpdate(managed, c, {
    manager: args.manager,
    apiVersion: args.apiVersion,
    subresource: args.subresource,
    time: formatTime(args.now),
    reset: args.resetFields?.length ? fieldNamePaths(args.resetFields) : undefined,
  });
  const encoded = encodeManagedFields(m);
  if (encoded) out.metadata.managedFields = encoded;
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a write changed (upstream TypedValue.Compare).

export interface Comparison {
  /** Paths present only in the new object (non-leaf nodes included, which gives the `.` entries). */
  added: FieldSet;
  /** Leaves present in both but different. */
  modified: FieldSet;
  /** Paths present only in the old object. */
  removed: FieldSet;
}

/** Upstream TypedValue.Compare. Cost is proportional to the size of both objects; equal subtrees cost nothing more. */
export function compare(lhs: unknown, rhs: unknown, t: FieldType): Comparison {
  const r = cmp(lhs, rhs, t);
  return r
    ? { added: FieldSet.node(false, r.a.children), modified: FieldSet.node(false, r.m.children), removed: FieldSet.node(false, r.r.children) }
    : { added: NONE, modified: NONE, removed: NONE };
}

interface Tri {
  a: FieldSet;
  m: FieldSet;
  r: FieldSet;
}

interface Acc {
  a?: Map<PathElement, FieldSet>;
  m?: Map<PathElement, FieldSet>;
  r?: Map<PathElement, FieldSet>;
}

const LEAF = FieldSet.node(true);
const NONE = FieldSet.empty();
const ADDED: Tri = { a: LEAF, m: NONE, r: NONE };
const MODIFIED: Tri = { a: NONE, m: LEAF, r: NONE };
const REMOVED: Tri = { a: NONE, m: NONE, r: LEAF };

function leafCmp(l: unknown, r: unknown): Tri | undefined {
  if (l === undefined) return ADDED;
  if (r === undefined) return REMOVED;
  return deepEqual(l, r) ? undefined : MODIFIED;
}

function addTri(acc: Acc | undefined, pe: PathElement, t: Tri | undefined): Acc | undefined {
  if (!t) return acc;
  acc ??= {};
  if (!t.a.isEmpty()) (acc.a ??= new Map()).set(pe, t.a);
  if (!t.m.isEmpty()) (acc.m ??= new Map()).set(pe, t.m);
  if (!t.r.isEmpty()) (acc.r ??= new Map()).set(pe, t.r);
  return acc;
}

/** `undefined` means absent (not JSON null). */
function cmp(l: unknown, r: unknown, t: FieldType): Tri | undefined {
  if (l === r) return undefined;
  const sl = l === undefined ? undefined : shapeOf(t, l);
  const sr = r === undefined ? undefined : shapeOf(t, r);
  const shape = sl && sr && sl !== sr ? 'leaf' : (sl ?? sr)!;
  if (shape === 'leaf') return leafCmp(l, r);
  let acc: Acc | undefined;
  if (shape === 'map') {
    const lm = isObject(l) ? l : undefined;
    const rm = isObject(r) ? r : undefined;
    // Both empty or null: a leaf, which keeps the empty/null distinction.
    if ((!lm || isEmptyObject(lm)) && (!rm || isEmptyObject(rm))) return leafCmp(l, r);
    if (lm) {
      for (const k of Object.keys(lm)) {
        const rv = rm && Object.hasOwn(rm, k) ? rm[k] : undefined;
        acc = addTri(acc, fieldPE(k), cmp(lm[k], rv, childType(t, k).type));
      }
    }
    if (rm) {
      for (const k of Object.keys(rm)) {
        if (lm && Object.hasOwn(lm, k)) continue;
        acc = addTri(acc, fieldPE(k), cmp(undefined, rm[k], childType(t, k).type));
      }
    }
  } else {
    const ll = Array.isArray(l) ? l : undefined;
    const rl = Array.isArray(r) ? r : undefined;
    if ((!ll || ll.length === 0) && (!rl || rl.length === 0)) return leafCmp(l, r);
    const lt = t as ListType;
    const et = elemType(lt);
    // Repeated occurrences of an element are ignored, as upstream's compare does.
    const li = indexItems(lt, ll);
    const ri = indexItems(lt, rl);
    for (const [pe, lv] of li) acc = addTri(acc, pe, cmp(lv, ri.get(pe), et));
    for (const [pe, rv] of ri) if (!li.has(pe)) acc = addTri(acc, pe, cmp(undefined, rv, et));
  }
  const addedSelf = l === undefined;
  const removedSelf = r === undefined;
  if (!acc && !addedSelf && !removedSelf) return undefined;
  return {
    a: FieldSet.node(addedSelf, acc?.a),
    m: FieldSet.node(false, acc?.m),
    r: FieldSet.node(removedSelf, acc?.r),
  };
}

function indexItems(t: ListType, list: unknown[] | undefined): Map<PathElement, unknown> {
  const m = new Map<PathElement, unknown>();
  if (!list) return m;
  for (let i = 0; i < list.length; i++) {
    const pe = itemPELenient(t, list[i], i);
    if (!m.has(pe)) m.set(pe, list[i]);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// The field manager of a request.

export const FIELD_MANAGER_MAX_LENGTH = 128;

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions';

/**
 * The manager name for a write: `?fieldManager=` when given (validated as upstream ValidateFieldManager,
 * plus "required" for apply), else the user agent up to its first '/' (e.g. "kubectl"), printable
 * characters only, at most 128 bytes; "unknown" when that leaves nothing.
 * Invalid values throw a 422 such as
 * `PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch`.
 * `options` names the query-options kind in that message (default PatchOptions for apply, else CreateOptions).
 */
export function managerFromRequest(
  fieldManager: string | undefined,
  userAgent: string | undefined,
  options: { kind?: OptionsKind; apply?: boolean } = {},
): string {
  const fm = fieldManager ?? '';
  const errs: FieldError[] = [];
  if (options.apply && fm === '') errs.push(fieldErr.required('fieldManager', 'is required for apply patch'));
  if (Buffer.byteLength(fm, 'utf8') > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldErr.tooLong('fieldManager', fm, FIELD_MANAGER_MAX_LENGTH));
  let pos = 0;
  for (const ch of fm) {
    if (!isPrint(ch)) {
      const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      errs.push(fieldErr.invalid('fieldManager', fm, `invalid character U+${hex} (at position ${pos})`));
    }
    pos += Buffer.byteLength(ch, 'utf8');
  }
  if (errs.length) throw apiErr.invalid('meta.k8s.io', options.kind ?? (options.apply ? 'PatchOptions' : 'CreateOptions'), '', errs);
  if (fm) return fm;
  return prefixFromUserAgent(userAgent ?? '') || 'unknown';
}

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
function isPrint(ch: string): boolean {
  return ch === ' ' || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch);
}

function prefixFromUserAgent(ua: string): string {
  let out = '';
  let bytes = 0;
  for (const ch of ua.split('/')[0]) {
    if (!isPrint(ch)) continue;
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > FIELD_MANAGER_MAX_LENGTH) break;
    out += ch;
    bytes += n;
  }
  return out;
}
