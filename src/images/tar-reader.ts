// A streaming tar reader: ustar, GNU long names (L/K) and PAX headers (x/g), which is what image
// layers contain. Entries come one at a time; an entry's body must be read (or skipped by moving
// on) before the next entry is asked for. Sparse files and multi-volume archives are refused.

export type TarEntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'directory' | 'fifo';

export interface TarHeader {
  name: string;
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** PAX extended attributes (SCHILY.xattr.*), without the prefix. */
  xattrs?: Record<string, string>;
}

export interface TarEntry {
  header: TarHeader;
  /** The entry's bytes (files only; empty for the rest). */
  body(): AsyncIterable<Buffer>;
  /** Reads the whole body into memory (small files: manifests, configs). */
  buffer(): Promise<Buffer>;
}

export class TarFormatError extends Error {
  constructor(message: string) {
    super(`invalid tar archive: ${message}`);
    this.name = 'TarFormatError';
  }
}

const BLOCK = 512;

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private readonly it: AsyncIterator<Buffer | Uint8Array | string>;

  constructor(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>) {
    this.it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (async function* () {
      yield* source as Iterable<Buffer>;
    })();
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && !this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        break;
      }
      const b = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      if (b.length) {
        this.chunks.push(b);
        this.buffered += b.length;
      }
    }
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    return this.take(Math.min(n, this.buffered));
  }

  /** Up to max bytes that are already available or arrive next (for streaming bodies). */
  async readSome(max: number): Promise<Buffer> {
    if (this.buffered === 0) await this.fill(1);
    return this.take(Math.min(max, this.buffered, this.chunks[0]?.length ?? 0));
  }

  async skip(n: number): Promise<number> {
    let left = n;
    while (left > 0) {
      const b = await this.readSome(left);
      if (b.length === 0) break;
      left -= b.length;
    }
    return n - left;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first.length >= n) {
      this.buffered -= n;
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.buffered -= n;
    return out;
  }

  /** Reads and drops the rest of the stream (the end padding), so hashes over it are complete. */
  async drain(): Promise<void> {
    while ((await this.readSome(1 << 20)).length > 0);
  }

  async close(): Promise<void> {
    if (!this.done) await this.it.return?.();
  }
}

function cstring(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}

function number(b: Buffer, off: number, len: number): number {
  const f = b.subarray(off, off + len);
  if (f[0] & 0x80) {
    // base-256 (GNU): big-endian two's complement with the top bit as a flag.
    let v = f[0] & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = cstring(b, off, len).replace(/ /g, '').trim();
  return s ? parseInt(s, 8) : 0;
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === number(h, 148, 8);
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'link', '2': 'symlink', '3': 'char', '4': 'block', '5': 'directory', '6': 'fifo' };

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let off = 0;
  while (off < data.length) {
    const sp = data.indexOf(0x20, off);
    if (sp < 0) break;
    const len = parseInt(data.subarray(off, sp).toString('ascii'), 10);
    if (!Number.isFinite(len) || len <= 0) throw new TarFormatError('bad PAX record length');
    const rec = data.subarray(sp + 1, off + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    off += len;
  }
  return out;
}

/** Reads tar entries from a byte stream (already decompressed). */
export async function* readTar(source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer>): AsyncGenerator<TarEntry> {
  const r = new ByteReader(source);
  let globalPax: Record<string, string> = {};
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  try {
    for (;;) {
      const h = await r.read(BLOCK);
      if (h.length === 0) return;
      if (h.length < BLOCK) throw new TarFormatError('unexpected end of archive in a header');
      if (h.every((x) => x === 0)) {
        // End-of-archive marker (the second block and the record padding are read and dropped).
        await r.drain();
        return;
      }
      if (!checksumOk(h)) throw new TarFormatError('header checksum mismatch');
      const flag = String.fromCharCode(h[156]);
      let size = number(h, 124, 12);
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
        const data = await r.read(padded);
        if (data.length < padded) throw new TarFormatError('unexpected end of archive in an extended header');
        const body = data.subarray(0, size);
        if (flag === 'x') pax = { ...pax, ...parsePax(body) };
        else if (flag === 'g') globalPax = { ...globalPax, ...parsePax(body) };
        else if (flag === 'L') longName = cstring(body, 0, body.length);
        else longLink = cstring(body, 0, body.length);
        continue;
      }
      const type = TYPES[flag];
      if (!type) {
        if (flag === 'S') throw new TarFormatError('sparse files are not supported');
        if (flag === 'M' || flag === 'V') throw new TarFormatError('multi-volume archives are not supported');
        // Unknown vendor types carry data we skip, as GNU tar does with a warning.
        await r.skip(padded);
        pax = {};
        longName = longLink = undefined;
        continue;
      }
      const ext = { ...globalPax, ...pax };
      const magic = h.subarray(257, 263).toString('ascii');
      const prefix = magic.startsWith('ustar') ? cstring(h, 345, 155) : '';
      let name = ext.path ?? longName ?? (prefix ? `${prefix}/${cstring(h, 0, 100)}` : cstring(h, 0, 100));
      if (ext.size !== undefined) size = Number(ext.size);
      const header: TarHeader = {
        name,
        type,
        mode: number(h, 100, 8) & 0o7777,
        uid: ext.uid !== undefined ? Number(ext.uid) : number(h, 108, 8),
        gid: ext.gid !== undefined ? Number(ext.gid) : number(h, 116, 8),
        size: type === 'file' ? size : 0,
        mtime: ext.mtime !== undefined ? Number(ext.mtime) : number(h, 136, 12),
        linkname: ext.linkpath ?? longLink ?? cstring(h, 157, 100),
        devmajor: number(h, 329, 8),
        devminor: number(h, 337, 8),
      };
      const xattrs = Object.entries(ext).filter(([k]) => k.startsWith('SCHILY.xattr.'));
      if (xattrs.length) header.xattrs = Object.fromEntries(xattrs.map(([k, v]) => [k.slice('SCHILY.xattr.'.length), v]));
      if (type === 'directory' && !name.endsWith('/')) name += '/';
      header.name = name;
      pax = {};
      longName = longLink = undefined;
      // Links and directories normally carry no data, but the header's size says what follows.
      const dataSize = size;
      const dataPadded = Math.ceil(dataSize / BLOCK) * BLOCK;
      let consumed = 0;
      let finished = false;
      const bodyIter = async function* (): AsyncGenerator<Buffer> {
        while (consumed < dataSize) {
          const b = await r.readSome(dataSize - consumed);
          if (b.length === 0) throw new TarFormatError(`unexpected end of archive in ${header.name}`);
          consumed += b.length;
          yield b;
        }
        finished = true;
      };
      const entry: TarEntry = {
        header,
        body: bodyIter,
        async buffer() {
          const parts: Buffer[] = [];
          for await (const b of bodyIter()) parts.push(b);
          return Buffer.concat(parts);
        },
      };
      yield entry;
      // Whatever the consumer left unread, then the padding.
      if (!finished && consumed < dataSize) {
        const skipped = await r.skip(dataSize - consumed);
        if (skipped < dataSize - consumed) throw new TarFormatError(`unexpected end of archive in ${header.name}`);
      }
      await r.skip(dataPadded - dataSize);
    }
  } finally {
    await r.close();
  }
}
