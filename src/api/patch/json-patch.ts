// JSON Patch (RFC 6902, `application/json-patch+json`) exactly as the apiserver applies it: the body is
// decoded like handlers/patch.go does and the operations run with the semantics of gopkg.in/evanphx/json-patch.v4
// (what Kubernetes v1.32 vendors), including its deviations from the RFC that clients can observe:
// - `replace` of a missing object member adds it (only array indexes and missing parents fail);
// - negative array indexes count from the end; `-` appends (add only);
// - `add`/`remove`/`replace`/`move`/`copy` on the root path "" fail, except `replace` with an object/array;
// - `copy` from a missing object member copies null; `test` of a missing member passes against null;
// - the path's first token is ignored ("a/b" addresses "/b").
// The input document and patch are never mutated: containers are copied on write along each touched path,
// so the result shares every untouched subtree with `doc` (and inserted values with `patch`). Treat the
// result as read-only or copy it before mutating.

import { deepEqual, cloneJson } from '../equality.js';
import { jsonKindWord } from './go-format.js';
import { copyObject, hasOwn, isObject, setOwn, type JsonObject } from './json-value.js';
import { decodesStrictly, patchErr, type PatchDecodeOptions } from './patch-errors.js';

/** handlers/patch.go maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;
/** The apiserver's JSONPatchMaxCopyBytes default: the total size `copy` operations may add. */
export const JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024;

type Container = JsonObject | unknown[];
type Op = JsonObject | null;

const MISSING = 'missing value';
const INVALID_INDEX = 'invalid index referenced';

/**
 * Applies an RFC 6902 patch. Throws ApiError: 400 for a body that is not a list of operations, 413 for more
 * than 10000 operations, 422 (message "the server rejected our request due to an error in our request",
 * library text in `cause`) for an operation that does not apply.
 */
export function applyJsonPatch(doc: unknown, patch: unknown, options?: PatchDecodeOptions): unknown {
  const ops = decodesStrictly(options) ? decodeStrict(patch) : decodeLoose(patch);
  if (ops.length > MAX_JSON_PATCH_OPERATIONS) {
    throw patchErr.tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${ops.length}`);
  }
  if (!isContainer(doc)) {
    throw patchErr.rejected(`json: cannot unmarshal ${jsonKindWord(doc)} into Go value of type jsonpatch.partialDoc`);
  }
  const state = new PatchState(doc);
  for (const op of ops) state.apply(op);
  return state.root;
}

// ---------------------------------------------------------------------------------------------------------
// Decoding

/** kjson.UnmarshalStrict into []handlers.jsonPatchOp: the first type error wins (Go keeps decoding). */
function decodeStrict(patch: unknown): Op[] {
  if (patch === null) return [];
  if (!Array.isArray(patch)) {
    throw patchErr.badRequest(`error decoding patch: json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type []handlers.jsonPatchOp`);
  }
  let first: string | undefined;
  for (const el of patch) {
    if (el === null) continue;
    if (!isObject(el)) {
      first ??= `json: cannot unmarshal ${jsonKindWord(el)} into Go value of type handlers.jsonPatchOp`;
      continue;
    }
    for (const k of Object.keys(el)) {
      if (k !== 'op' && k !== 'path' && k !== 'from') continue;
      const v = el[k];
      if (v !== null && typeof v !== 'string') {
        first ??= `json: cannot unmarshal ${jsonKindWord(v)} into Go struct field jsonPatchOp.${k} of type string`;
      }
    }
  }
  if (first !== undefined) throw patchErr.badRequest(`error decoding patch: ${first}`);
  return patch as Op[];
}

/** jsonpatch.DecodePatch alone (fieldValidation=Ignore). */
function decodeLoose(patch: unknown): Op[] {
  if (patch === null) return [];
  if (!Array.isArray(patch)) {
    throw patchErr.badRequest(`json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type jsonpatch.Patch`);
  }
  for (const el of patch) {
    if (el !== null && !isObject(el)) {
      throw patchErr.badRequest(`json: cannot unmarshal ${jsonKindWord(el)} into Go value of type jsonpatch.Operation`);
    }
  }
  return patch as Op[];
}

// ---------------------------------------------------------------------------------------------------------
// Pointer and index helpers

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

/** RFC 6901 unescaping: "~1" then "~0", left to right, as strings.NewReplacer does. */
function decodeToken(t: string): string {
  return t.indexOf('~') < 0 ? t : t.replace(/~[01]/g, (m) => (m === '~1' ? '/' : '~'));
}

/** strconv.Atoi: a number, or the Go error text. */
function atoi(s: string): number | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${JSON.stringify(s)}: invalid syntax`;
  const n = Number(s);
  if (Math.abs(n) >= 2 ** 63) return `strconv.Atoi: parsing ${JSON.stringify(s)}: value out of range`;
  return n;
}

function invalidIndex(i: number): string {
  return `Unable to access invalid index: ${i}: ${INVALID_INDEX}`;
}

/** partialArray.get: the resolved index, or an error text. */
function arrayIndex(arr: unknown[], key: string): number | string {
  const n = atoi(key);
  if (typeof n === 'string') return n;
  let idx = n;
  if (idx < 0) {
    if (idx < -arr.length) return invalidIndex(idx);
    idx += arr.length;
  }
  if (idx >= arr.length) return invalidIndex(idx);
  return idx;
}

/** partialArray.add; returns an error text or undefined. */
function arrayAdd(arr: unknown[], key: string, value: unknown): string | undefined {
  if (key === '-') {
    arr.push(value);
    return undefined;
  }
  const n = atoi(key);
  if (typeof n === 'string') return `value was not a proper array index: '${key}': ${n}`;
  const size = arr.length + 1;
  let idx = n;
  if (idx >= size) return invalidIndex(idx);
  if (idx < 0) {
    if (idx < -size) return invalidIndex(idx);
    idx += size;
  }
  arr.splice(idx, 0, value);
  return undefined;
}

/** partialArray.remove; returns an error text or undefined. */
function arrayRemove(arr: unknown[], key: string): string | undefined {
  const n = atoi(key);
  if (typeof n === 'string') return n;
  let idx = n;
  if (idx >= arr.length) return invalidIndex(idx);
  if (idx < 0) {
    if (idx < -arr.length) return invalidIndex(idx);
    idx += arr.length;
  }
  arr.splice(idx, 1);
  return undefined;
}

/** Reads `path`/`from` like Operation.Path()/From(): the string, or an error text. */
function stringField(op: Op, name: 'path' | 'from'): { value: string } | { error: string } {
  const v = op === null ? undefined : op[name];
  if (v === undefined || v === null) {
    return { error: name === 'path' ? `operation missing path field: ${MISSING}` : `operation, missing from field: ${MISSING}` };
  }
  if (typeof v !== 'string') return { error: `json: cannot unmarshal ${jsonKindWord(v)} into Go value of type string` };
  return { value: v };
}

/** The op's value; a missing value behaves as null everywhere but `test`. */
function opValue(op: Op): unknown {
  return op !== null && hasOwn(op, 'value') ? op.value : null;
}

function hasValue(op: Op): boolean {
  return op !== null && hasOwn(op, 'value') && op.value !== null;
}

/** json.Marshal size of a copied value (HTML characters are escaped to 6 bytes). */
function marshalledSize(v: unknown): number {
  if (v === null || v === undefined) return 0;
  const s = JSON.stringify(v);
  let extra = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3c || c === 0x3e || c === 0x26) extra += 5;
  }
  return Buffer.byteLength(s) + extra;
}

// ---------------------------------------------------------------------------------------------------------
// Application

interface Slot {
  parent: Container;
  key: string;
}

class PatchState {
  /** Containers created by this patch; only these may be mutated in place. */
  private readonly owned = new Set<object>();
  private copied = 0;

  constructor(public root: Container) {}

  apply(op: Op): void {
    const kind = op !== null && typeof op.op === 'string' ? op.op : 'unknown';
    switch (kind) {
      case 'add':
        return this.add(op);
      case 'remove':
        return this.remove(op);
      case 'replace':
        return this.replace(op);
      case 'move':
        return this.move(op);
      case 'test':
        return this.test(op);
      case 'copy':
        return this.copy(op);
      default:
        throw patchErr.rejected(`Unexpected kind: ${kind}`);
    }
  }

  private own<T extends Container>(c: T): T {
    if (this.owned.has(c)) return c;
    const copy = (Array.isArray(c) ? c.slice() : copyObject(c as JsonObject)) as T;
    this.owned.add(copy);
    return copy;
  }

  /**
   * findObject: the container holding the last token of `path` and that (unescaped) token, or null when the
   * path has no "/" or a parent is missing, null or a scalar. With `write`, every container on the way is
   * made private to this patch so the caller may mutate the returned parent.
   */
  private resolve(path: string, write: boolean): Slot | null {
    const parts = path.split('/');
    if (parts.length < 2) return null;
    if (write) this.root = this.own(this.root);
    let cur: Container = this.root;
    for (let i = 1; i < parts.length - 1; i++) {
      const token = decodeToken(parts[i]);
      let child: unknown;
      let idx = -1;
      if (Array.isArray(cur)) {
        const r = arrayIndex(cur, token);
        if (typeof r === 'string') return null;
        idx = r;
        child = cur[idx];
      } else {
        if (!hasOwn(cur, token)) return null;
        child = cur[token];
      }
      if (!isContainer(child)) return null;
      let next: Container = child;
      if (write) {
        next = this.own(child);
        if (next !== child) {
          if (Array.isArray(cur)) cur[idx] = next;
          else setOwn(cur, token, next);
        }
      }
      cur = next;
    }
    return { parent: cur, key: decodeToken(parts[parts.length - 1]) };
  }

  private add(op: Op): void {
    const p = stringField(op, 'path');
    if ('error' in p) throw patchErr.rejected(`add operation failed to decode path: ${MISSING}`);
    const path = p.value;
    const slot = this.resolve(path, true);
    if (!slot) throw patchErr.rejected(`add operation does not apply: doc is missing path: "${path}": ${MISSING}`);
    const value = opValue(op);
    if (Array.isArray(slot.parent)) {
      const e = arrayAdd(slot.parent, slot.key, value);
      if (e) throw patchErr.rejected(`error in add for path: '${path}': ${e}`);
    } else {
      setOwn(slot.parent, slot.key, value);
    }
  }

  private remove(op: Op): void {
    const p = stringField(op, 'path');
    if ('error' in p) throw patchErr.rejected(`remove operation failed to decode path: ${MISSING}`);
    const path = p.value;
    const slot = this.resolve(path, true);
    if (!slot) throw patchErr.rejected(`remove operation does not apply: doc is missing path: "${path}": ${MISSING}`);
    const e = removeFrom(slot);
    if (e) throw patchErr.rejected(`error in remove for path: '${path}': ${e}`);
  }

  private replace(op: Op): void {
    const p = stringField(op, 'path');
    if ('error' in p) throw patchErr.rejected(`replace operation failed to decode path: ${p.error}`);
    const path = p.value;
    const value = opValue(op);
    if (path === '') {
      // evanphx formats a nil error here, hence the odd suffix.
      if (!isContainer(value)) throw patchErr.rejected('replace operation value must be object or array: %!w(<nil>)');
      this.root = value;
      return;
    }
    const slot = this.resolve(path, true);
    if (!slot) throw patchErr.rejected(`replace operation does not apply: doc is missing path: ${path}: ${MISSING}`);
    if (Array.isArray(slot.parent)) {
      const idx = arrayIndex(slot.parent, slot.key);
      if (typeof idx === 'string') throw patchErr.rejected(`replace operation does not apply: doc is missing key: ${path}: ${MISSING}`);
      slot.parent[idx] = value;
    } else {
      setOwn(slot.parent, slot.key, value);
    }
  }

  private move(op: Op): void {
    const f = stringField(op, 'from');
    if ('error' in f) throw patchErr.rejected(`move operation failed to decode from: ${f.error}`);
    const from = f.value;
    const src = this.resolve(from, true);
    if (!src) throw patchErr.rejected(`move operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
    let value: unknown = null;
    if (Array.isArray(src.parent)) {
      const idx = arrayIndex(src.parent, src.key);
      if (typeof idx === 'string') throw patchErr.rejected(`error in move for path: '${src.key}': ${idx}`);
      value = src.parent[idx];
    } else if (hasOwn(src.parent, src.key)) {
      value = src.parent[src.key];
    }
    const e = removeFrom(src);
    if (e) throw patchErr.rejected(`error in move for path: '${src.key}': ${e}`);

    const p = stringField(op, 'path');
    if ('error' in p) throw patchErr.rejected(`move operation failed to decode path: ${p.error}`);
    const path = p.value;
    const dst = this.resolve(path, true);
    if (!dst) throw patchErr.rejected(`move operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);
    if (Array.isArray(dst.parent)) {
      const e2 = arrayAdd(dst.parent, dst.key, value);
      if (e2) throw patchErr.rejected(`error in move for path: '${path}': ${e2}`);
    } else {
      setOwn(dst.parent, dst.key, value);
    }
  }

  private test(op: Op): void {
    const p = stringField(op, 'path');
    if ('error' in p) throw patchErr.rejected(`test operation failed to decode path: ${p.error}`);
    const path = p.value;
    const failed = () => patchErr.rejected(`testing value ${path} failed: test failed`);
    if (path === '') {
      if (!hasOwn(op as JsonObject, 'value') || !deepEqual(this.root, opValue(op))) throw failed();
      return;
    }
    const slot = this.resolve(path, false);
    if (!slot) throw patchErr.rejected(`test operation does not apply: is missing path: ${path}: ${MISSING}`);
    let actual: unknown = null;
    if (Array.isArray(slot.parent)) {
      const idx = arrayIndex(slot.parent, slot.key);
      if (typeof idx === 'string') throw patchErr.rejected(`error in test for path: '${path}': ${idx}`);
      actual = slot.parent[idx];
    } else if (hasOwn(slot.parent, slot.key)) {
      actual = slot.parent[slot.key];
    }
    if (actual === null || actual === undefined) {
      if (hasValue(op)) throw failed();
      return;
    }
    if (!hasOwn(op as JsonObject, 'value') || !deepEqual(actual, opValue(op))) throw failed();
  }

  private copy(op: Op): void {
    const f = stringField(op, 'from');
    if ('error' in f) throw patchErr.rejected(`copy operation failed to decode from: ${f.error}`);
    const from = f.value;
    const src = this.resolve(from, false);
    if (!src) throw patchErr.rejected(`copy operation does not apply: doc is missing from path: ${from}: ${MISSING}`);
    let value: unknown = null;
    if (Array.isArray(src.parent)) {
      const idx = arrayIndex(src.parent, src.key);
      if (typeof idx === 'string') throw patchErr.rejected(`error in copy for from: '${from}': ${idx}`);
      value = src.parent[idx];
    } else if (hasOwn(src.parent, src.key)) {
      value = src.parent[src.key];
    }

    const p = stringField(op, 'path');
    if ('error' in p) throw patchErr.rejected(`copy operation failed to decode path: ${MISSING}`);
    const path = p.value;
    const dst = this.resolve(path, true);
    if (!dst) throw patchErr.rejected(`copy operation does not apply: doc is missing destination path: ${path}: ${MISSING}`);

    this.copied += marshalledSize(value);
    if (this.copied > JSON_PATCH_MAX_COPY_BYTES) {
      throw patchErr.rejected(
        `Unable to complete the copy, the accumulated size increase of copy is ${this.copied}, exceeding the limit ${JSON_PATCH_MAX_COPY_BYTES}`,
      );
    }
    // A deep copy, as upstream: the two places must not share containers this patch may later mutate.
    const copy = value === undefined ? null : cloneJson(value);
    if (Array.isArray(dst.parent)) {
      const e = arrayAdd(dst.parent, dst.key, copy);
      if (e) throw patchErr.rejected(`error while adding value during copy: ${e}`);
    } else {
      setOwn(dst.parent, dst.key, copy);
    }
  }
}

/** partialDoc.remove / partialArray.remove on an owned parent; returns an error text or undefined. */
function removeFrom(slot: Slot): string | undefined {
  if (Array.isArray(slot.parent)) return arrayRemove(slot.parent, slot.key);
  if (!hasOwn(slot.parent, slot.key)) return `Unable to remove nonexistent key: ${slot.key}: ${MISSING}`;
  delete slot.parent[slot.key];
  return undefined;
}
