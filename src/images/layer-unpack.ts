// Applies image layers, in order, to one directory: the flattened root filesystem of an image.
// Whiteouts follow the OCI image spec: `.wh.NAME` deletes NAME from the layers below, and
// `.wh..wh..opq` in a directory hides everything the layers below put there, but never what the
// same layer adds (the marker may come before or after the layer's own entries). A file that
// replaces a directory, or the reverse, removes what was there first. Ownership, modes and
// times are kept; directory modes and times are applied once the layer is complete, so a
// read-only directory can still receive its entries. Extended attributes are not applied.

import { spawn } from 'node:child_process';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, lchown, link, lstat, lutimes, mkdir, open, readdir, rm, symlink, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { readTar, type TarHeader } from './tar-reader.js';
import { entryPath, resolveInRoot } from './secure-path.js';

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

export interface ApplyLayerOptions {
  /** Set owners from the archive (needs root; default: when running as root). */
  ownership?: boolean;
}

export interface ApplyLayerResult {
  /** sha256 of the uncompressed layer (compare with the config's rootfs.diff_ids). */
  diffId: string;
  /** Bytes of file content written. */
  size: number;
}

export class LayerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LayerError';
  }
}

/** How a blob is compressed, by its first bytes (archives and registries mislabel layers). */
async function sniff(path: string): Promise<'gzip' | 'zstd' | 'none'> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    if (bytesRead >= 2 && b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
    if (bytesRead >= 4 && b.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

/** The decompressed bytes of a layer blob, hashed as they pass. */
async function* decompressed(path: string, hash: Hash): AsyncGenerator<Buffer> {
  const kind = await sniff(path);
  if (kind === 'zstd') {
    const child = spawn('zstd', ['-dcq', path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const exited = new Promise<number>((resolve, reject) => {
      child.on('error', (e) => reject(new LayerError(`zstd-compressed layers need the zstd program: ${e.message}`)));
      child.on('close', (code) => resolve(code ?? 1));
    });
    for await (const chunk of child.stdout) {
      hash.update(chunk as Buffer);
      yield chunk as Buffer;
    }
    if ((await exited) !== 0) throw new LayerError(`zstd failed: ${err.trim()}`);
    return;
  }
  const src = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = kind === 'gzip' ? pipeline(src, createGunzip(), () => undefined) : src;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

async function lstatOrUndefined(p: string) {
  try {
    return await lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => (err += d));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${err.trim()}`))));
  });
}

/** Applies one layer blob (tar, tar+gzip or tar+zstd) on top of `rootfs`. */
export async function applyLayer(rootfs: string, blobPath: string, opts: ApplyLayerOptions = {}): Promise<ApplyLayerResult> {
  const ownership = opts.ownership ?? process.getuid?.() === 0;
  const hash = createHash('sha256');
  const written = new Set<string>();
  const knownDirs = new Set<string>();
  const dirMeta: { path: string; h: TarHeader }[] = [];
  let size = 0;

  const remove = async (p: string) => {
    await rm(p, { recursive: true, force: true });
    knownDirs.clear();
  };
  const meta = async (p: string, h: TarHeader) => {
    if (ownership) await lchown(p, h.uid, h.gid);
    if (h.type !== 'symlink') await chmod(p, h.mode);
    await lutimes(p, h.mtime, h.mtime).catch(() => undefined);
  };
  /** Hides what lower layers put under `dir`, keeping this layer's own entries. */
  const purgeLower = async (dir: string): Promise<void> => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (!written.has(p)) await remove(p);
      else if ((await lstat(p)).isDirectory()) await purgeLower(p);
    }
  };

  for await (const entry of readTar(decompressed(blobPath, hash))) {
    const h = entry.header;
    const rel = entryPath(h.name);
    if (rel === undefined) continue; // "./": the root keeps the mode it has
    const slash = rel.lastIndexOf('/');
    const base = rel.slice(slash + 1);
    const parentRel = slash >= 0 ? rel.slice(0, slash) : '';
    if (base === OPAQUE) {
      const dir = await resolveInRoot(rootfs, parentRel, true, knownDirs);
      written.add(dir);
      await purgeLower(dir);
      continue;
    }
    if (base.startsWith(WHITEOUT)) {
      const victim = await resolveInRoot(rootfs, `${parentRel}/${base.slice(WHITEOUT.length)}`, false, knownDirs);
      if (victim !== rootfs) await remove(victim);
      continue;
    }
    const target = await resolveInRoot(rootfs, rel, false, knownDirs);
    if (target === rootfs) continue;
    // Parents the archive does not list are made as tar does (0755 under the usual umask).
    if (!knownDirs.has(dirname(target))) await mkdir(dirname(target), { recursive: true });
    const existing = await lstatOrUndefined(target);
    if (existing && !(h.type === 'directory' && existing.isDirectory())) {
      // A hard link to itself (some archives) must not delete its own target first.
      if (h.type === 'link' && (await resolveInRoot(rootfs, h.linkname, false, knownDirs)) === target) continue;
      if (existing.isDirectory()) await remove(target);
      else await unlink(target);
    }
    written.add(target);
    switch (h.type) {
      case 'directory':
        if (!existing?.isDirectory()) await mkdir(target, { mode: 0o700 });
        knownDirs.add(target);
        dirMeta.push({ path: target, h });
        continue;
      case 'file': {
        const out = createWriteStream(target, { flags: 'wx', mode: 0o600 });
        await pipelineAsync(entry.body(), out);
        size += h.size;
        break;
      }
      case 'symlink':
        await symlink(h.linkname, target);
        break;
      case 'link': {
        const src = await resolveInRoot(rootfs, h.linkname, false, knownDirs);
        try {
          await link(src, target);
        } catch (err) {
          throw new LayerError(`hard link ${rel} -> ${h.linkname}: ${(err as Error).message}`);
        }
        // A hard link shares the inode: its metadata is the target's.
        continue;
      }
      case 'char':
      case 'block':
        // Device nodes need root; an unprivileged unpack leaves them out (runc provides /dev).
        if (!ownership) continue;
        await run('mknod', ['-m', (h.mode & 0o7777).toString(8), target, h.type === 'char' ? 'c' : 'b', String(h.devmajor), String(h.devminor)]);
        break;
      case 'fifo':
        await run('mkfifo', ['-m', (h.mode & 0o7777).toString(8), target]);
        break;
    }
    await meta(target, h);
  }
  // Deepest first, so setting a parent's mtime is not undone by its children.
  dirMeta.sort((a, b) => b.path.length - a.path.length);
  for (const d of dirMeta) await meta(d.path, d.h);
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}
