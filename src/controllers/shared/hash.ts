// Template hashing for `pod-template-hash` (Deployment) and `controller-revision-hash`
// (DaemonSet/StatefulSet): k8s.io/kubernetes pkg/controller/controller_utils.go ComputeHash,
// apimachinery pkg/util/rand SafeEncodeString, hash/fnv New32a.
//
// Upstream: h = FNV-32a over hashutil.DeepHashObject(template) (a go-spew "%#v" print of the Go
// struct), then, with a collisionCount, 8 more bytes: uint32 little-endian + 4 zero bytes;
// the result is SafeEncodeString(decimal(h)).
//
// What is exact here: FNV-32a, the collisionCount bytes, the decimal rendering and the alphabet,
// so every hash has upstream's shape (10 or fewer characters out of "4-9bcdf"-like digits
// mapped through the alphabet) and changes with collisionCount as upstream's does.
// What is not: the bytes hashed. Go prints its typed struct (every field, zero values, type
// names); we only have JSON. We hash `deepPrint(template)`: a canonical, key-sorted print of the
// JSON value in which null/undefined members are left out. Equal templates (as JSON, whatever
// the key order) get equal hashes; any semantic change changes the hash with FNV's odds.
// Consequence: for the same template, our RS names differ from a real cluster's. Nothing relies on
// equality with upstream's hash: controllers find "their" ReplicaSet by comparing templates
// (EqualIgnoreHash), the hash only names it.

/** FNV-32a, incremental (hash/fnv New32a). */
export class Fnv32a {
  private h = 0x811c9dc5;

  write(data: string | Uint8Array): this {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let h = this.h;
    for (let i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      // h *= 16777619 (mod 2^32) without leaving the safe-integer range: 16777619 = 2^24 + 403.
      h = (Math.imul(h, 403) + ((h << 24) >>> 0)) >>> 0;
    }
    this.h = h;
    return this;
  }

  sum32(): number {
    return this.h >>> 0;
  }
}

/** rand.SafeEncodeString's alphabet: no vowels (no words) and no 0/1/3 (look-alikes). */
export const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/** Maps each character through SAFE_ALPHANUMS by code point (rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHANUMS[ch.codePointAt(0)! % SAFE_ALPHANUMS.length];
  return out;
}

/**
 * A canonical text of a JSON value: object keys sorted, null and undefined members omitted,
 * arrays in order, strings JSON-quoted. Stable across key orders and across null-vs-absent.
 */
export function deepPrint(v: unknown): string {
  const out: string[] = [];
  print(v, out);
  return out.join('');
}

function print(v: unknown, out: string[]): void {
  if (v === null || v === undefined) {
    out.push('nil');
    return;
  }
  if (Array.isArray(v)) {
    out.push('[');
    for (let i = 0; i < v.length; i++) {
      if (i) out.push(' ');
      print(v[i], out);
    }
    out.push(']');
    return;
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== null && o[k] !== undefined)
      .sort();
    out.push('{');
    keys.forEach((k, i) => {
      if (i) out.push(' ');
      out.push(k, ':');
      print(o[k], out);
    });
    out.push('}');
    return;
  }
  out.push(typeof v === 'string' ? JSON.stringify(v) : String(v));
}

/**
 * ComputeHash: the pod-template-hash of `template` (any JSON object), salted with `collisionCount`
 * when given (a Deployment's status.collisionCount, bumped when the name is taken by a
 * ReplicaSet with another template).
 */
export function computeHash(template: object, collisionCount?: number): string {
  const h = new Fnv32a().write(deepPrint(template));
  if (collisionCount !== undefined && collisionCount !== null) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setUint32(0, collisionCount >>> 0, true);
    h.write(b);
  }
  return safeEncodeString(String(h.sum32()));
}
