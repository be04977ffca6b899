// Strategic merge patch (`application/strategic-merge-patch+json`) as the v1.32 apiserver applies it
// (k8s.io/apimachinery pkg/util/strategicpatch StrategicMergeMapPatch with MergeParallelList and
// IgnoreUnmatchedNulls). Merge keys and strategies come from the resolved OpenAPI schema
// (x-kubernetes-patch-merge-key / x-kubernetes-patch-strategy) instead of Go struct tags.
//
// Semantics, in the order upstream applies them to each map:
// - `$patch: replace` returns the patch map (minus the marker); `$patch: delete` yields {}; other values fail;
// - `$retainKeys: [..]` drops live keys not listed (every non-null patch key must be listed);
// - `$setElementOrder/<list>` merges that list first and then orders it: listed items in the listed order,
//   live-only items kept where they were relative to them;
// - `null` deletes a key; a key missing live, or of another type, takes the patch value with nulls and
//   `$patch` maps removed; maps merge recursively unless their strategy is "replace";
// - lists with strategy "merge" merge by merge key (maps; `{$patch: delete, <key>: v}` removes,
//   `{$patch: replace}` replaces the list) or as a set (primitives); the patch's items then come in patch
//   order and live-only items are slotted back after the patch item they followed in the live list (so
//   new items land before the live-only ones, as `kubectl patch` users see); `$deleteFromPrimitiveList/<list>`
//   removes values; lists without the merge strategy are replaced.
//
// Deviations, all in cases where upstream stores directive keys in the object or panics: directive keys
// ($patch maps, $retainKeys, $setElementOrder/, $deleteFromPrimitiveList/) are also removed from patch values
// that upstream copies verbatim (replaced maps/lists, appended list items); a `$setElementOrder` for a list
// of maps without merge key, or a field the schema does not know, is ignored. Without a schema every map
// merges and every list is replaced, like a JSON merge patch that still understands the directives.
//
// Inputs are never mutated: only maps and lists on patched paths are copied; the result shares everything
// else with `doc` (and inserted values with `patch`). Treat it as read-only or copy it before mutating.

import type { SchemaNode } from '../schema.js';
import { goSprint, goSprintS, goTypeName, jsonKindWord } from './go-format.js';
import { copyObject, hasOwn, isObject, setOwn, type JsonObject } from './json-value.js';
import { patchErr } from './patch-errors.js';
import {
  DIRECTIVE_MARKER,
  errBadArgType,
  errNoMergeKey,
  normalizeElementOrder,
  partitionMaps,
  partitionPrimitives,
  sliceElementKind,
  splitDeleteItems,
} from './smp-order.js';

const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';

/**
 * Applies a strategic merge patch to `doc` (a decoded object). `schema` is the kind's resolved schema;
 * undefined means unknown (merge-patch semantics). Throws ApiError: 400 for a body that is not an object or a
 * malformed $retainKeys/$setElementOrder/$deleteFromPrimitiveList directive, 422 for lists of lists, 500
 * (empty reason, upstream text) for the other failures, e.g. an unknown `$patch` value or a missing merge key.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, schema: SchemaNode | undefined): unknown {
  // The handler decodes into map[string]interface{}: JSON null leaves a nil map, which patches nothing.
  if (patch === null) return doc;
  if (!isObject(patch)) {
    throw patchErr.badRequest(`json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type map[string]interface {}`);
  }
  return mergeMap(isObject(doc) ? doc : undefined, patch, schema);
}

// ---------------------------------------------------------------------------------------------------------
// Schema lookups

interface FieldMeta {
  /** The field's schema (for lists, the list's; see `items` for elements); undefined if unknown. */
  schema: SchemaNode | undefined;
  /** The patch strategy without "retainKeys": "", "merge" or "replace". */
  strategy: string;
  mergeKey: string;
}

const UNKNOWN_FIELD: FieldMeta = { schema: undefined, strategy: '', mergeKey: '' };

/** LookupPatchMetadataForStruct/ForSlice: a struct field's metadata, or a map's value schema (no metadata). */
function lookupField(schema: SchemaNode | undefined, key: string): FieldMeta {
  if (!schema) return UNKNOWN_FIELD;
  const props = schema.properties;
  if (props && hasOwn(props, key)) {
    const f = props[key];
    return { schema: f, strategy: patchStrategy(f['x-kubernetes-patch-strategy']), mergeKey: f['x-kubernetes-patch-merge-key'] ?? '' };
  }
  if (typeof schema.additionalProperties === 'object') return { schema: schema.additionalProperties, strategy: '', mergeKey: '' };
  return UNKNOWN_FIELD;
}

/** extractRetainKeysPatchStrategy: "retainKeys" only matters through the `$retainKeys` directive. */
function patchStrategy(tag: string | undefined): string {
  if (!tag) return '';
  const s = tag.split(',');
  if (s.length === 1) return s[0] === 'retainKeys' ? '' : s[0];
  if (s.length === 2) {
    if (s[0] === 'retainKeys') return s[1];
    if (s[1] === 'retainKeys') return s[0];
  }
  throw patchErr.unknown(`unexpected patch strategy: [${s.join(' ')}]`);
}

// ---------------------------------------------------------------------------------------------------------
// Cleaning patch values that are stored as they are

const DROP = Symbol('drop');

function isDirectiveKey(k: string): boolean {
  return k === RETAIN_KEYS_DIRECTIVE || k.startsWith(SET_ELEMENT_ORDER_PREFIX) || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX);
}

/**
 * removeDirectives (plus discardNullValuesFromPatch when `discardNulls`): maps carrying `$patch` are dropped,
 * directive keys removed, null members removed if asked. Returns `v` itself when nothing changes.
 */
function clean(v: unknown, discardNulls: boolean): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      const c = x === null ? null : clean(x, discardNulls);
      if (out) {
        if (c !== DROP) out.push(c);
      } else if (c !== x) {
        out = v.slice(0, i);
        if (c !== DROP) out.push(c);
      }
    }
    return out ?? v;
  }
  if (!isObject(v)) return v;
  // discardNullValuesFromPatch runs first upstream, so `$patch: null` is discarded rather than dropping the map.
  if (hasOwn(v, DIRECTIVE_MARKER) && !(discardNulls && v[DIRECTIVE_MARKER] === null)) return DROP;
  let out: JsonObject | undefined;
  for (const k of Object.keys(v)) {
    const x = v[k];
    const c = x === null ? (discardNulls ? DROP : null) : isDirectiveKey(k) ? DROP : clean(x, discardNulls);
    if (c === x) continue;
    out ??= copyObject(v);
    if (c === DROP) delete out[k];
    else setOwn(out, k, c);
  }
  return out ?? v;
}

function cleanList(list: unknown[]): unknown[] {
  return clean(list, false) as unknown[];
}

/** Stores a cleaned patch value at `k`, or removes `k` when the value is a directive map. */
function putCleaned(out: JsonObject, k: string, v: unknown, discardNulls: boolean): void {
  const c = clean(v, discardNulls);
  if (c === DROP) delete out[k];
  else setOwn(out, k, c);
}

// ---------------------------------------------------------------------------------------------------------
// Maps

function goKind(v: unknown): string {
  return v === null ? 'nil' : goTypeName(v);
}

function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: SchemaNode | undefined): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch);
  const out = original ? copyObject(original) : {};
  // Upstream deletes processed directives and lists from the patch; we remember them instead.
  const consumed = new Set<string>();
  applyRetainKeysDirective(out, patch, consumed);
  mergeSetElementOrderLists(out, patch, schema, consumed);

  for (const patchKey of Object.keys(patch)) {
    if (consumed.has(patchKey)) continue;
    let k = patchKey;
    let isDeleteList = false;
    if (patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      k = extractKey(patchKey, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      isDeleteList = true;
    }
    const patchV = patch[patchKey];
    if (patchV === null) {
      delete out[k];
      continue;
    }
    if (!hasOwn(out, k) || goKind(out[k]) !== goKind(patchV)) {
      if (!isDeleteList) putCleaned(out, k, patchV, true);
      continue;
    }
    const origV = out[k];
    if (isObject(origV)) {
      const f = lookupField(schema, k);
      if (f.strategy === 'replace') putCleaned(out, k, patchV, false);
      else setOwn(out, k, mergeMap(origV, patchV as JsonObject, f.schema));
    } else if (Array.isArray(origV)) {
      setOwn(out, k, mergeSliceHandler(origV, patchV as unknown[], lookupField(schema, k), isDeleteList));
    } else {
      setOwn(out, k, patchV);
    }
  }
  return out;
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonObject): JsonObject {
  if (directive === 'replace') {
    const rest = copyObject(patch);
    delete rest[DIRECTIVE_MARKER];
    return clean(rest, false) as JsonObject;
  }
  if (directive === 'delete') return {};
  throw errBadPatchType(directive, patch);
}

function errBadPatchType(directive: unknown, m: JsonObject): Error {
  return patchErr.unknown(`unknown patch type: ${goSprintS(directive)} in map: ${goSprint(m)}`);
}

/** The list field a `$setElementOrder/x` or `$deleteFromPrimitiveList/x` key refers to. */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    throw patchErr.badRequest(
      prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX ? 'invalid patch format of primitive list' : 'invalid patch format of setElementOrder list',
    );
  }
  return s.slice(slash + 1);
}

function applyRetainKeysDirective(out: JsonObject, patch: JsonObject, consumed: Set<string>): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  consumed.add(RETAIN_KEYS_DIRECTIVE);
  const list = patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(list)) throw patchErr.badRequest('invalid patch format of retainKeys');
  const retain = new Set<unknown>(list);
  for (const k of Object.keys(patch)) {
    if (k === RETAIN_KEYS_DIRECTIVE || patch[k] === null) continue;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!retain.has(k)) throw patchErr.badRequest('invalid patch format of retainKeys');
  }
  for (const k of Object.keys(out)) if (!retain.has(k)) delete out[k];
}

/** mergePatchIntoOriginal: merges and orders every list that has a `$setElementOrder/<list>` directive. */
function mergeSetElementOrderLists(out: JsonObject, patch: JsonObject, schema: SchemaNode | undefined, consumed: Set<string>): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    consumed.add(key);
    const order = patch[key];
    if (!Array.isArray(order)) throw errBadArgType('slice', order);
    const listKey = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const foundOriginal = hasOwn(out, listKey);
    const foundPatch = hasOwn(patch, listKey) && !consumed.has(listKey);
    const originalList = foundOriginal ? out[listKey] : [];
    const patchList = foundPatch ? patch[listKey] : [];
    if (!Array.isArray(originalList)) throw errBadArgType('slice', originalList);
    if (!Array.isArray(patchList)) throw errBadArgType('slice', patchList);
    const f = lookupField(schema, listKey);
    if (!f.schema || (f.mergeKey === '' && (originalList.some(isObject) || patchList.some(isObject)))) {
      // Nothing to order by: leave the list to the plain merge below.
      continue;
    }
    validatePatchWithSetOrderList(patchList, order, f.mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) merged = originalList;
    else if (!foundOriginal && foundPatch) merged = cleanList(patchList);
    else if (foundOriginal && foundPatch) merged = mergeSliceHandler(originalList, patchList, f, false);
    else continue;

    const [inOrder, serverOnly] = f.mergeKey === '' ? partitionPrimitives(merged, order) : partitionMaps(merged, order, f.mergeKey);
    const kind = sliceElementKind(originalList, patchList);
    setOwn(out, listKey, normalizeElementOrder(inOrder, serverOnly, order, originalList, f.mergeKey, kind));
    consumed.add(listKey);
  }
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isObject(left)) throw errBadArgType('map', left);
  if (!isObject(right)) throw errBadArgType('map', right);
  if (!hasOwn(left, mergeKey)) throw errNoMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw errNoMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

/** The non-directive items of the patch list must appear in the `$setElementOrder` list, in its order. */
function validatePatchWithSetOrderList(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? splitDeleteItems(patchList).keep : patchList;
  let pi = 0;
  let oi = 0;
  while (pi < items.length && oi < order.length) {
    const item = items[pi];
    if (isObject(item) && hasOwn(item, DIRECTIVE_MARKER)) {
      pi++;
      continue;
    }
    if (mergeKeyValueEqual(item, order[oi], mergeKey)) pi++;
    oi++;
  }
  if (pi < items.length && oi >= order.length) {
    throw patchErr.unknown(
      `The order in patch list:\n${goSprint(patchList)}\n doesn't match ${SET_ELEMENT_ORDER_PREFIX} list:\n${goSprint(order)}\n`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Lists

function mergeSliceHandler(original: unknown[], patch: unknown[], f: FieldMeta, isDeleteList: boolean): unknown[] {
  // Delete lists apply whatever the field's strategy is (upstream since v1.25).
  if (f.strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, f.schema?.items, f.mergeKey, isDeleteList);
  return cleanList(patch);
}

function mergeSlice(original: unknown[], patch: unknown[], elemSchema: SchemaNode | undefined, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);
  let merged: unknown[];
  if (kind !== 'map') {
    if (isDeleteList) {
      const del = new Set(patch);
      return original.filter((v) => !del.has(v));
    }
    merged = [...new Set([...original, ...patch])];
  } else {
    if (mergeKey === '') throw patchErr.unknown('cannot merge lists without merge key for struct');
    const special = mergeSliceWithSpecialElements(original as JsonObject[], patch as JsonObject[], mergeKey);
    original = special.original;
    patch = special.patch;
    merged = mergeSliceWithoutSpecialElements(special.original, special.patch, mergeKey, elemSchema);
  }
  const [inPatch, serverOnly] = mergeKey === '' ? partitionPrimitives(merged, patch) : partitionMaps(merged, patch, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, patch, original, mergeKey, kind);
}

/** Applies `{$patch: delete, key: v}` and `{$patch: replace}` items; returns the list and the plain patch items. */
function mergeSliceWithSpecialElements(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
): { original: JsonObject[]; patch: JsonObject[] } {
  const plain: JsonObject[] = [];
  let replace = false;
  let remaining = original;
  for (const v of patch) {
    if (!hasOwn(v, DIRECTIVE_MARKER)) {
      plain.push(v);
      continue;
    }
    const d = v[DIRECTIVE_MARKER];
    if (d === 'delete') {
      if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
      const value = v[mergeKey];
      remaining = remaining.filter((o) => !(hasOwn(o, mergeKey) && o[mergeKey] === value));
    } else if (d === 'replace') {
      replace = true; // keep going: later directive items are still dropped
    } else if (d === 'merge') {
      throw patchErr.unknown('merging lists cannot yet be specified in the patch');
    } else {
      throw errBadPatchType(d, v);
    }
  }
  if (replace) return { original: cleanList(plain) as JsonObject[], patch: [] };
  return { original: remaining, patch: plain };
}

/** Merges each patch item into the live item with the same merge-key value, or appends it. */
function mergeSliceWithoutSpecialElements(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  elemSchema: SchemaNode | undefined,
): unknown[] {
  const out: JsonObject[] = original.slice();
  const at = new Map<unknown, number>();
  for (let i = 0; i < out.length; i++) {
    const o = out[i];
    if (hasOwn(o, mergeKey) && !at.has(o[mergeKey])) at.set(o[mergeKey], i);
  }
  for (const v of patch) {
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    const i = at.get(v[mergeKey]);
    if (i !== undefined) {
      out[i] = mergeMap(out[i], v, elemSchema);
    } else {
      at.set(v[mergeKey], out.length);
      out.push(clean(v, false) as JsonObject);
    }
  }
  return out;
}
