// Image names on disk: one small JSON file per name under `refs/`, replaced atomically, so
// several image services (one per node agent in a process, the `k8ts image` CLI) share a store
// without a lock: the last writer of a name wins, as a tag in a registry does.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ImageRef {
  /** Canonical name (docker.io/library/busybox:1.36, or repo@sha256:... for digest pulls). */
  name: string;
  /** What the name resolved to in the registry or archive: an index or a manifest (the repo digest). */
  target: string;
  /** The platform manifest the node runs (the image's identity here; its snapshot key). */
  manifest: string;
  config: string;
  /** Sum of the config and layer blob sizes. */
  size: number;
  /** When the name was last pulled or imported (ISO). */
  updated: string;
}

export class ImageRefs {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'refs');
  }

  private file(name: string): string {
    return join(this.dir, `${encodeURIComponent(name)}.json`);
  }

  async get(name: string): Promise<ImageRef | undefined> {
    try {
      // Synchronous: a small file, read for every container start (no thread pool round trips).
      return JSON.parse(readFileSync(this.file(name), 'utf8')) as ImageRef;
    } catch {
      return undefined;
    }
  }

  async put(ref: ImageRef): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.tmp-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, JSON.stringify(ref));
    await rename(tmp, this.file(ref.name));
  }

  async delete(name: string): Promise<boolean> {
    const f = this.file(name);
    try {
      await rm(f);
      return true;
    } catch {
      return false;
    }
  }

  async list(): Promise<ImageRef[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: ImageRef[] = [];
    for (const n of names) {
      if (!n.endsWith('.json') || n.startsWith('.')) continue;
      try {
        out.push(JSON.parse(await readFile(join(this.dir, n), 'utf8')) as ImageRef);
      } catch {
        /* being replaced right now, or damaged: skip */
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}
