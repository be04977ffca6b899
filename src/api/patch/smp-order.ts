// List helpers of strategic merge patch (k8s.io/apimachinery pkg/util/strategicpatch): element type checks,
// merge-key validation, partitioning and the element-order normalization ("$setElementOrder > order in the
// patch > order in the live list"). Lookups that upstream does by linear scans use first-occurrence maps, so
// the work per list is O(n log n) instead of O(n^2); the results are the same.

import { goSprint, goTypeName } from './go-format.js';
import { hasOwn, isObject, type JsonObject } from './json-value.js';
import { patchErr } from './patch-errors.js';

export const DIRECTIVE_MARKER = '$patch';

/** mergepatch.ErrNoListOfLists: 422 like the apiserver's interpretStrategicMergePatchError. */
export function errNoListOfLists(): Error {
  return patchErr.rejected('lists of lists are not supported');
}

export function errBadArgType(expected: 'map' | 'slice', actual: unknown): Error {
  const e = expected === 'map' ? 'map[string]interface {}' : '[]interface {}';
  return patchErr.unknown(`expected a ${e}, but received a ${goTypeName(actual)}`);
}

export function errNoMergeKey(m: JsonObject, key: string): Error {
  return patchErr.unknown(`map: ${goSprint(m)} does not contain declared merge key: ${key}`);
}

/** 'map' for lists of objects, 'scalar' for lists of primitives (Go: reflect.Kind Map vs other). */
export type ElemKind = 'map' | 'scalar';

function goElemType(v: unknown): string {
  return v === null ? 'nil' : goTypeName(v);
}

/** sliceElementType: all elements of all lists must share one Go type, which must not be a list. */
export function sliceElementKind(...lists: unknown[][]): ElemKind {
  let prev: string | undefined;
  for (const list of lists) {
    for (const v of list) {
      const t = goElemType(v);
      if (prev === undefined) {
        // Upstream calls Kind() on the nil type of a null first element and panics.
        if (t === 'nil') throw patchErr.unknown('runtime error: invalid memory address or nil pointer dereference');
        if (Array.isArray(v)) throw errNoListOfLists();
        prev = t;
      } else if (prev !== t) {
        throw patchErr.unknown(`list element types are not identical: ${goSprint(lists)}`);
      }
    }
  }
  if (prev === undefined) throw patchErr.unknown('no elements in any of the given slices');
  return prev === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** The identity an element is ordered and matched by: its merge-key value, or itself for primitives. */
function identity(item: unknown, mergeKey: string, kind: ElemKind): unknown {
  if (kind !== 'map') return item;
  return isObject(item) ? item[mergeKey] ?? null : null;
}

/** First index of each identity in `list` (upstream's `index` returns the first match). */
function positions(list: unknown[], mergeKey: string, kind: ElemKind): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (let i = 0; i < list.length; i++) {
    const id = identity(list[i], mergeKey, kind);
    if (!m.has(id)) m.set(id, i);
  }
  return m;
}

function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isObject(item)) throw errBadArgType('map', item);
      if (!hasOwn(item, mergeKey)) throw errNoMergeKey(item, mergeKey);
    }
  }
}

/** extractToDeleteItems: items other than `$patch: delete` ones, then those. Items must be maps. */
export function splitDeleteItems(list: unknown[]): { keep: JsonObject[]; del: JsonObject[] } {
  const keep: JsonObject[] = [];
  const del: JsonObject[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType('map', v);
    if (hasOwn(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === 'delete') del.push(v);
    else keep.push(v);
  }
  return { keep, del };
}

/** normalizeSliceOrder: stable sort of `toSort` by position in `order`; `$patch: delete` items go last. */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: ElemKind): unknown[] {
  let items = toSort;
  let del: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    const parts = splitDeleteItems(toSort);
    items = parts.keep;
    del = parts.del;
  }
  const pos = positions(order, mergeKey, kind);
  const idx = items.map((it) => pos.get(identity(it, mergeKey, kind)) ?? -1);
  const sorted = idx.every((i) => i >= 0) ? sortByIndex(items, idx) : goStableSort(items, idx);
  return del.length ? sorted.concat(del) : sorted;
}

function sortByIndex(items: unknown[], idx: number[]): unknown[] {
  const order = items.map((_, i) => i);
  order.sort((a, b) => idx[a] - idx[b]);
  return order.map((i) => items[i]);
}

/**
 * sort.SliceStable with upstream's comparator, which calls an item "less" whenever either side is missing
 * from the order list. That is no strict weak order, so the outcome depends on the algorithm: this is Go's
 * (insertion sort on blocks of 20, then SymMerge). Only used when some item is missing from the order.
 */
function goStableSort(items: unknown[], idx: number[]): unknown[] {
  const a = items.map((item, i) => ({ item, pos: idx[i] }));
  const less = (i: number, j: number) => (a[i].pos >= 0 && a[j].pos >= 0 ? a[i].pos < a[j].pos : true);
  const swap = (i: number, j: number) => {
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  };
  const insertion = (lo: number, hi: number) => {
    for (let i = lo + 1; i < hi; i++) for (let j = i; j > lo && less(j, j - 1); j--) swap(j, j - 1);
  };
  const swapRange = (x: number, y: number, n: number) => {
    for (let i = 0; i < n; i++) swap(x + i, y + i);
  };
  const rotate = (lo: number, m: number, hi: number) => {
    let i = m - lo;
    let j = hi - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (lo: number, m: number, hi: number): void => {
    if (m - lo === 1) {
      let i = m;
      let j = hi;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (less(h, lo)) i = h + 1;
        else j = h;
      }
      for (let k = lo; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (hi - m === 1) {
      let i = lo;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!less(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (lo + hi) >>> 1;
    const n = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = n - hi;
      r = mid;
    } else {
      start = lo;
      r = m;
    }
    const p = n - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!less(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = n - start;
    if (start < m && m < end) rotate(start, m, end);
    if (lo < start && start < mid) symMerge(lo, start, mid);
    if (mid < end && end < hi) symMerge(mid, end, hi);
  };
  const n = a.length;
  let block = 20;
  let lo = 0;
  let hi = block;
  while (hi <= n) {
    insertion(lo, hi);
    lo = hi;
    hi += block;
  }
  insertion(lo, n);
  while (block < n) {
    lo = 0;
    hi = 2 * block;
    while (hi <= n) {
      symMerge(lo, lo + block, hi);
      lo = hi;
      hi += 2 * block;
    }
    const m = lo + block;
    if (m < n) symMerge(lo, m, n);
    block *= 2;
  }
  return a.map((e) => e.item);
}

/**
 * normalizeElementOrder: sorts `patch` items by `patchOrder` and server-only items by `serverOrder`, then
 * interleaves them: a server-only item goes before the next patch item only if the live list had it first.
 */
export function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: ElemKind,
): unknown[] {
  const p = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const s = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  const pos = positions(serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < s.length && j < p.length) {
    const li = pos.get(identity(s[i], mergeKey, kind)) ?? -1;
    const ri = pos.get(identity(p[j], mergeKey, kind)) ?? -1;
    if (li >= 0 && ri >= 0 && li < ri) out.push(s[i++]);
    else out.push(p[j++]);
  }
  while (i < s.length) out.push(s[i++]);
  while (j < p.length) out.push(p[j++]);
  return out;
}

/** partitionPrimitivesByPresentInList: [items present in `by`, the others]. */
export function partitionPrimitives(list: unknown[], by: unknown[]): [unknown[], unknown[]] {
  const set = new Set(by);
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (set.has(v) ? inPatch : serverOnly).push(v);
  return [inPatch, serverOnly];
}

/** partitionMapsByPresentInList: [items whose merge key occurs in `by`, the others]. */
export function partitionMaps(list: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  // findMapInSliceBasedOnKeyValue scans `by` in order and fails at the first non-map before a match.
  const first = new Map<unknown, number>();
  let badAt = -1;
  for (let i = 0; i < by.length; i++) {
    const b = by[i];
    if (!isObject(b)) {
      badAt = i;
      break;
    }
    if (hasOwn(b, mergeKey) && !first.has(b[mergeKey])) first.set(b[mergeKey], i);
  }
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isObject(v)) throw errBadArgType('map', v);
    if (!hasOwn(v, mergeKey)) throw errNoMergeKey(v, mergeKey);
    if (first.has(v[mergeKey])) inPatch.push(v);
    else if (badAt >= 0) throw patchErr.unknown(`value for key ${badAt} is not a map.`);
    else serverOnly.push(v);
  }
  return [inPatch, serverOnly];
}
