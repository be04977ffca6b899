// JSON Merge Patch (RFC 7386, `application/merge-patch+json`) with the semantics of
// gopkg.in/evanphx/json-patch.v4 MergePatch, which the apiserver uses:
// - a null member deletes the key; a member absent from the document (or null there) is set to the patch
//   value with its null members pruned recursively (null array elements are kept);
// - when the document value is not an object the patch value replaces it (pruned); when the patch value is
//   not an object it replaces the document value as is.
// Inputs are never mutated; the result shares untouched subtrees with `doc` and inserted values with `patch`.

import { jsonKindWord } from './go-format.js';
import { copyObject, hasOwn, isObject, setOwn, type JsonObject } from './json-value.js';
import { decodesStrictly, patchErr, type PatchDecodeOptions } from './patch-errors.js';

/**
 * Applies a JSON merge patch. Throws ApiError 400 when the body is null or (with strict decoding, the
 * default) not a JSON object.
 */
export function applyMergePatch(doc: unknown, patch: unknown, options?: PatchDecodeOptions): unknown {
  if (decodesStrictly(options) && patch !== null && !isObject(patch)) {
    throw patchErr.badRequest(
      `error decoding patch: json: cannot unmarshal ${jsonKindWord(patch)} into Go value of type map[string]interface {}`,
    );
  }
  if (patch === null) throw patchErr.badRequest('Invalid JSON Patch');
  if (doc === null) throw patchErr.unknown('Invalid JSON Document');
  if (!isObject(patch)) {
    // Only reachable with fieldValidation=Ignore: an array replaces the document, anything else is rejected.
    if (Array.isArray(patch)) return pruneNulls(patch);
    throw patchErr.badRequest('Invalid JSON Patch');
  }
  if (!isObject(doc)) return pruneNulls(patch);
  return mergeObjects(doc, patch);
}

function mergeObjects(doc: JsonObject, patch: JsonObject): JsonObject {
  const out = copyObject(doc);
  for (const k of Object.keys(patch)) {
    const v = patch[k];
    if (v === null) {
      delete out[k];
    } else if (!hasOwn(out, k) || out[k] === null) {
      setOwn(out, k, pruneNulls(v));
    } else {
      setOwn(out, k, mergeValue(out[k], v));
    }
  }
  return out;
}

function mergeValue(cur: unknown, patch: unknown): unknown {
  if (!isObject(cur)) return pruneNulls(patch);
  if (!isObject(patch)) return patch;
  return mergeObjects(cur, patch);
}

/** Removes null members of objects, recursively (also inside arrays); returns `v` itself if none. */
export function pruneNulls(v: unknown): unknown {
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const p = v[i] === null ? null : pruneNulls(v[i]);
      if (p !== v[i]) {
        out ??= v.slice();
        out[i] = p;
      }
    }
    return out ?? v;
  }
  if (!isObject(v)) return v;
  let out: JsonObject | undefined;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === null) {
      out ??= copyObject(v);
      delete out[k];
      continue;
    }
    const p = pruneNulls(x);
    if (p !== x) {
      out ??= copyObject(v);
      setOwn(out, k, p);
    }
  }
  return out ?? v;
}
