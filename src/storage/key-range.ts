// Key-space helpers shared by the backends and the watch cache.
//
// Ordering: keys compare as JavaScript strings (UTF-16 code units) in memory and as UTF-8 bytes in
// SQLite. The two orders agree for every key made of BMP characters below U+D800 (all Kubernetes
// names are ASCII), which is what the contract suite checks.

/**
 * An exclusive upper bound for the strings that start with `prefix` (in both orders above), or
 * undefined when there is none (empty prefix). The bound is tight for ASCII prefixes; for exotic
 * trailing characters it may be looser, so callers still check `startsWith` on what they read.
 */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const c = prefix.charCodeAt(i);
    // Incrementing into or out of the surrogate range, or past U+FFFF, would break the order.
    if (c < 0xd7ff || (c >= 0xe000 && c < 0xffff)) return prefix.slice(0, i) + String.fromCharCode(c + 1);
    if (c >= 0xd800 && c <= 0xdfff) return undefined;
  }
  return undefined;
}

/**
 * The resource bucket of a key or prefix: everything up to and including the third '/', i.e.
 * `/<group>/<plural>/` for keys built by objectKey(). Returns '' when there is no third slash
 * (a prefix wider than one resource, or a key outside the usual layout).
 */
export function resourceBucketOf(keyOrPrefix: string): string {
  let slashes = 0;
  for (let i = 0; i < keyOrPrefix.length; i++) {
    if (keyOrPrefix.charCodeAt(i) === 47 /* '/' */ && ++slashes === 3) return keyOrPrefix.slice(0, i + 1);
  }
  return '';
}

/** Rejects keys the stores cannot represent; the empty key would break range bounds. */
export function assertValidKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new TypeError('storage key must be a non-empty string');
}
