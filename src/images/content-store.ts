// A content-addressed blob store: `blobs/sha256/<hex>`. A blob is written to a private temp file
// under `ingest/`, its sha256 (and size, when known) checked, then renamed into place, so a blob
// that exists is complete and correct, and writers racing on the same digest (two pulls, two
// processes) both end with the same file. Nothing is ever modified in place.

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex, sha256Digest } from './manifest.js';

export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`content ${expected} failed validation: got ${actual}`);
    this.name = 'DigestMismatchError';
  }
}

export class ContentStore {
  readonly blobsDir: string;
  private readonly ingestDir: string;

  constructor(readonly root: string) {
    this.blobsDir = join(root, 'blobs', 'sha256');
    this.ingestDir = join(root, 'ingest');
  }

  path(digest: string): string {
    return join(this.blobsDir, digestHex(digest));
  }

  has(digest: string): boolean {
    return existsSync(this.path(digest));
  }

  size(digest: string): number | undefined {
    try {
      return statSync(this.path(digest)).size;
    } catch {
      return undefined;
    }
  }

  async read(digest: string): Promise<Buffer> {
    return readFile(this.path(digest));
  }

  /** Stores bytes already in memory; returns their digest. */
  async put(data: Buffer, expected?: string): Promise<string> {
    const digest = sha256Digest(data);
    if (expected && expected !== digest) throw new DigestMismatchError(expected, digest);
    if (this.has(digest)) return digest;
    const tmp = await this.tempPath();
    await writeFile(tmp, data);
    await this.commit(tmp, digest);
    return digest;
  }

  /**
   * Streams a blob into the store, checking it against `expected` (and `expectedSize`). Without
   * `expected` the computed digest is returned (archives whose files are named otherwise).
   */
  async ingest(source: AsyncIterable<Buffer | Uint8Array> | NodeJS.ReadableStream, expected?: string, expectedSize?: number): Promise<{ digest: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    const tmp = await this.tempPath();
    try {
      await pipeline(source as NodeJS.ReadableStream, tap, createWriteStream(tmp));
      const digest = `sha256:${hash.digest('hex')}`;
      if (expected && digest !== expected) throw new DigestMismatchError(expected, digest);
      if (expectedSize !== undefined && size !== expectedSize) throw new DigestMismatchError(expected ?? digest, `${size} bytes instead of ${expectedSize}`);
      await this.commit(tmp, digest);
      return { digest, size };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  /** Every stored digest. */
  async list(): Promise<string[]> {
    try {
      return (await readdir(this.blobsDir)).filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
    } catch {
      return [];
    }
  }

  async totalSize(digests: string[]): Promise<number> {
    let total = 0;
    for (const d of digests) total += (await stat(this.path(d)).catch(() => undefined))?.size ?? 0;
    return total;
  }

  private async tempPath(): Promise<string> {
    await mkdir(this.ingestDir, { recursive: true });
    return join(this.ingestDir, `${Date.now()}-${randomBytes(6).toString('hex')}`);
  }

  private async commit(tmp: string, digest: string): Promise<void> {
    await mkdir(this.blobsDir, { recursive: true });
    await rename(tmp, this.path(digest));
  }
}
