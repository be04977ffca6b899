// Reference counting of images as files: `leases/<manifest-hex>/<holder>`. A container holds a
// lease on its image from creation to removal, a pull holds one while it downloads; garbage
// collection keeps every leased image, even one whose name was removed. Files (not memory) so
// the CLI and every agent sharing the store see the same counts, and a restarted agent finds
// the leases of the containers it re-adopts.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { digestHex } from './manifest.js';

/** Lease holders that are pulls in a process carry its pid, so a crashed pull's lease can expire. */
export function pullHolder(tag: string): string {
  return `pull-${process.pid}-${tag}`;
}

function holderAlive(holder: string): boolean {
  const m = /^pull-(\d+)-/.exec(holder);
  if (!m) return true;
  try {
    process.kill(Number(m[1]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function safeHolder(holder: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(holder)) throw new Error(`invalid lease holder "${holder}"`);
  return holder;
}

export class ImageLeases {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'leases');
  }

  async acquire(manifest: string, holder: string): Promise<void> {
    const d = join(this.dir, digestHex(manifest));
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, safeHolder(holder)), '');
  }

  async release(manifest: string, holder: string): Promise<void> {
    const d = join(this.dir, digestHex(manifest));
    await rm(join(d, safeHolder(holder)), { force: true });
    await rmdir(d).catch(() => undefined);
  }

  /** Holders of a manifest's lease (dead pulls excluded). */
  async holders(manifest: string): Promise<string[]> {
    try {
      return (await readdir(join(this.dir, digestHex(manifest)))).filter(holderAlive);
    } catch {
      return [];
    }
  }

  /** Every leased manifest digest with its live holders; dead pull leases are dropped on the way. */
  async all(): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    let hexes: string[];
    try {
      hexes = await readdir(this.dir);
    } catch {
      return out;
    }
    for (const hex of hexes) {
      const d = join(this.dir, hex);
      let holders: string[];
      try {
        holders = await readdir(d);
      } catch {
        continue;
      }
      const live = holders.filter(holderAlive);
      for (const h of holders) if (!live.includes(h)) await rm(join(d, h), { force: true });
      if (live.length) out.set(`sha256:${hex}`, live);
      else await rmdir(d).catch(() => undefined);
    }
    return out;
  }

  /** Drops the leases of holders `isStale` picks (a runtime's containers that no longer exist). */
  async prune(isStale: (holder: string) => boolean): Promise<void> {
    for (const [digest, holders] of await this.all()) {
      for (const h of holders) if (isStale(h)) await this.release(digest, h);
    }
  }

  has(manifest: string, holder: string): boolean {
    return existsSync(join(this.dir, digestHex(manifest), holder));
  }
}
