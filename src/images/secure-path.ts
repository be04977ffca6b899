// Resolving a path inside a root directory as if the root were "/" (chroot semantics): symlinks
// met on the way are followed, absolute ones from the root, and ".." never climbs above the
// root. Layer contents are untrusted, so extraction and whiteouts go through this; a link like
// `etc -> /` or `x -> ../../..` in a lower layer can never make a write land outside the root.

import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';

const MAX_LINKS = 255;

export class PathEscapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathEscapeError';
  }
}

/** Splits a path into its non-empty components. */
function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

/**
 * The host path for `rel` inside `root`. With `followLast` false the last component is not
 * followed when it is a symlink (the entry itself is what gets replaced or removed).
 * `knownDirs` may hold host paths already known to be real directories (a cache).
 */
export async function resolveInRoot(root: string, rel: string, followLast: boolean, knownDirs?: Set<string>): Promise<string> {
  const queue = components(rel);
  const current: string[] = [];
  let links = 0;
  while (queue.length) {
    const part = queue.shift()!;
    if (part === '..') {
      current.pop();
      continue;
    }
    if (queue.length === 0 && !followLast) {
      current.push(part);
      break;
    }
    const full = join(root, ...current, part);
    if (knownDirs?.has(full)) {
      current.push(part);
      continue;
    }
    let isLink = false;
    try {
      const st = await lstat(full);
      isLink = st.isSymbolicLink();
      if (st.isDirectory()) knownDirs?.add(full);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
    }
    if (!isLink) {
      current.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new PathEscapeError(`too many levels of symbolic links resolving ${rel}`);
    const target = await readlink(full);
    if (target.startsWith('/')) current.length = 0;
    queue.unshift(...components(target));
  }
  return join(root, ...current);
}

/** Normalises a tar entry name to a root-relative path; undefined for the root itself. */
export function entryPath(name: string): string | undefined {
  const parts: string[] = [];
  for (const c of components(name)) {
    if (c === '..') parts.pop();
    else parts.push(c);
  }
  return parts.length ? parts.join('/') : undefined;
}
