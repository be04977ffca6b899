// The node's image service: pulls images from registries (or takes them from archives,
// image-import.ts), keeps their blobs in a content-addressed store, unpacks each image once into
// a flattened root filesystem (`snapshots/<manifest-hex>/rootfs`) that containers use read-only
// as their overlay's lower layer, and removes what no name and no container uses any more.
//
// Layout under the root (`<dataDir>/images`):
//   blobs/sha256/<hex>      manifests, indexes, configs, layers (content-store.ts)
//   refs/<name>.json        image names (image-refs.ts)
//   leases/<hex>/<holder>   images in use (image-leases.ts)
//   snapshots/<hex>/rootfs  unpacked images; snapshots/<hex>/config.json is the image config
//
// Pulls of the same name, and unpacks of the same image, are shared within one service; across
// services every write is a rename of a complete file or directory, so racing writers are safe.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContentStore } from './content-store.js';
import { ImageLeases, pullHolder } from './image-leases.js';
import { ImageRefs, type ImageRef } from './image-refs.js';
import { applyLayer } from './layer-unpack.js';
import { digestHex, hostPlatform, isDigest, parseManifestDocument, platformString, selectPlatform, sha256Digest, type ImageConfig, type ImageManifest, type Platform } from './manifest.js';
import { canonicalName, digestReference, parseReference, pullTarget, repositoryName, type ImageReference } from './reference.js';
import type { Credentials } from './registry-auth.js';
import { RegistryClient, RegistryNotFoundError } from './registry-client.js';

export interface ImageStoreOptions {
  /** The store's directory (`<dataDir>/images`). */
  root: string;
  /** host[:port] of registries that may be used over plain HTTP. */
  insecureRegistries?: string[];
  /** The platform to pick from multi-arch images (default: this machine's). */
  platform?: Platform;
  userAgent?: string;
  /** Parallel blob downloads per pull (default 3). */
  parallelDownloads?: number;
}

export interface PullOptions {
  credentials?: Credentials;
}

/** An image the node has, resolved from a name. */
export interface LocalImage {
  name: string;
  /** repo@digest, reported as a container's imageID. */
  repoDigest: string;
  /** Platform manifest digest: the image's identity on this node. */
  id: string;
  configDigest: string;
  config: ImageConfig;
  size: number;
}

export interface ImageListEntry extends ImageRef {
  /** Containers holding the image. */
  inUseBy: string[];
}

export interface GcResult {
  removedImages: string[];
  removedBlobs: number;
  freedBytes: number;
}

export class ImagePullError extends Error {
  constructor(
    message: string,
    readonly notFound = false,
  ) {
    super(message);
    this.name = 'ImagePullError';
  }
}

/** Content younger than this is never collected unless asked (a pull in another process may be writing it). */
const TEMP_GRACE_MS = 60 * 60 * 1000;

export class ImageStore {
  readonly root: string;
  readonly content: ContentStore;
  readonly refs: ImageRefs;
  readonly leases: ImageLeases;
  private readonly snapshotsDir: string;
  private readonly platform: Platform;
  private readonly pulls = new Map<string, Promise<LocalImage>>();
  private readonly unpacks = new Map<string, Promise<string>>();
  private readonly schemes = new Map<string, 'https' | 'http'>();
  private gcRunning?: Promise<GcResult>;

  constructor(private readonly opts: ImageStoreOptions) {
    this.root = opts.root;
    this.content = new ContentStore(opts.root);
    this.refs = new ImageRefs(opts.root);
    this.leases = new ImageLeases(opts.root);
    this.snapshotsDir = join(opts.root, 'snapshots');
    this.platform = opts.platform ?? hostPlatform();
  }

  /** The image a name refers to, when the node has it (no network). */
  async status(image: string): Promise<LocalImage | undefined> {
    const ref = parseReference(image);
    const found = await this.findRef(ref);
    if (!found || !this.content.has(found.manifest) || !this.content.has(found.config)) return undefined;
    return this.localImage(found, ref);
  }

  private async findRef(ref: ImageReference): Promise<ImageRef | undefined> {
    const direct = await this.refs.get(canonicalName(ref));
    if (direct) return direct;
    if (ref.digest) {
      // A digest names content: any name of the same repository resolving to it will do.
      const repo = repositoryName(ref);
      return (await this.refs.list()).find((r) => (r.target === ref.digest || r.manifest === ref.digest) && r.name.startsWith(repo) && /^[:@]/.test(r.name.slice(repo.length)));
    }
    return undefined;
  }

  private async localImage(r: ImageRef, ref: ImageReference): Promise<LocalImage> {
    // Synchronous: the config blob is small and read for every container start.
    const config = JSON.parse(readFileSync(this.content.path(r.config), 'utf8')) as ImageConfig;
    return { name: r.name, repoDigest: digestReference(ref, r.target), id: r.manifest, configDigest: r.config, config, size: r.size };
  }

  /**
   * Pulls a name from its registry, sharing a pull of the same name with the same credentials
   * already running (a pull with other credentials, or none, may fail where this one succeeds).
   */
  pull(image: string, opts: PullOptions = {}): Promise<LocalImage> {
    const ref = parseReference(image);
    const c = opts.credentials;
    const key = `${canonicalName(ref)}\0${c ? createHash('sha256').update(JSON.stringify([c.username ?? null, c.password ?? null, c.identityToken ?? null])).digest('hex') : ''}`;
    let p = this.pulls.get(key);
    if (!p) {
      p = this.doPull(ref, opts).finally(() => this.pulls.delete(key));
      this.pulls.set(key, p);
    }
    return p;
  }

  private async doPull(ref: ImageReference, opts: PullOptions): Promise<LocalImage> {
    const name = canonicalName(ref);
    const client = new RegistryClient(ref.registry, ref.repository, {
      insecureRegistries: this.opts.insecureRegistries,
      credentials: opts.credentials,
      userAgent: this.opts.userAgent,
      schemeCache: this.schemes,
    });
    const holder = pullHolder(randomBytes(4).toString('hex'));
    const leased: string[] = [];
    const lease = async (d: string) => {
      await this.leases.acquire(d, holder);
      leased.push(d);
    };
    try {
      let target: string;
      let manifestBody: Buffer;
      let contentType: string;
      try {
        const res = await client.getManifest(pullTarget(ref));
        target = sha256Digest(res.body);
        if (ref.digest && target !== ref.digest) throw new Error(`manifest digest ${target} does not match ${ref.digest}`);
        manifestBody = res.body;
        contentType = res.contentType;
      } catch (err) {
        if (err instanceof RegistryNotFoundError) throw new ImagePullError(`failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${name}: not found`, true);
        throw new ImagePullError(`failed to pull and unpack image "${name}": failed to resolve reference "${name}": ${(err as Error).message}`);
      }
      try {
        await lease(target);
        await this.content.put(manifestBody, target);
        let doc = parseManifestDocument(manifestBody, contentType);
        let manifestDigest = target;
        if (doc.kind === 'index') {
          const desc = selectPlatform(doc.index, this.platform);
          if (!desc) throw new Error(`no match for platform in manifest: not found (this node is ${platformString(this.platform)})`);
          manifestDigest = desc.digest;
          await lease(manifestDigest);
          let body: Buffer;
          if (this.content.has(desc.digest)) body = await this.content.read(desc.digest);
          else {
            const res = await client.getManifest(desc.digest);
            body = res.body;
            await this.content.put(body, desc.digest);
          }
          doc = parseManifestDocument(body, desc.mediaType);
          if (doc.kind !== 'manifest') throw new Error('an image index names another index for this platform; nested indexes are not supported');
        }
        const manifest = doc.manifest;
        await this.fetchBlobs(client, [manifest.config, ...manifest.layers]);
        await this.unpack(manifestDigest);
        const size = manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0);
        const r: ImageRef = { name, target, manifest: manifestDigest, config: manifest.config.digest, size, updated: new Date().toISOString() };
        const before = await this.refs.get(name);
        await this.refs.put(r);
        // The name moved (a new :latest): what only the old image used can go, unless in use.
        if (before && before.manifest !== r.manifest) void this.gc().catch(() => undefined);
        return await this.localImage(r, ref);
      } catch (err) {
        if (err instanceof ImagePullError) throw err;
        throw new ImagePullError(`failed to pull and unpack image "${name}": ${(err as Error).message}`);
      }
    } finally {
      for (const d of leased) await this.leases.release(d, holder).catch(() => undefined);
    }
  }

  private async fetchBlobs(client: RegistryClient, descs: { digest: string; size: number }[]): Promise<void> {
    const todo = descs.filter((d, i) => !this.content.has(d.digest) && descs.findIndex((x) => x.digest === d.digest) === i);
    const width = Math.max(1, this.opts.parallelDownloads ?? 3);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const d = todo[next++];
        const stream = await client.getBlob(d.digest);
        await this.content.ingest(stream, d.digest, d.size);
      }
    };
    await Promise.all(Array.from({ length: Math.min(width, todo.length) }, worker));
  }

  /** The manifest stored for an image id. */
  async manifest(id: string): Promise<ImageManifest> {
    const doc = parseManifestDocument(await this.content.read(id));
    if (doc.kind !== 'manifest') throw new Error(`${id} is an image index, not a manifest`);
    return doc.manifest;
  }

  async config(id: string): Promise<ImageConfig> {
    const m = await this.manifest(id);
    return JSON.parse((await this.content.read(m.config.digest)).toString('utf8')) as ImageConfig;
  }

  /** The image's unpacked root filesystem (unpacking it now if needed); containers must not write to it. */
  rootfs(id: string): Promise<string> {
    return this.unpack(id);
  }

  snapshotPath(id: string): string {
    return join(this.snapshotsDir, digestHex(id), 'rootfs');
  }

  private unpack(id: string): Promise<string> {
    const done = this.snapshotPath(id);
    if (existsSync(done)) return Promise.resolve(done);
    let p = this.unpacks.get(id);
    if (!p) {
      p = this.doUnpack(id).finally(() => this.unpacks.delete(id));
      this.unpacks.set(id, p);
    }
    return p;
  }

  private async doUnpack(id: string): Promise<string> {
    const manifest = await this.manifest(id);
    const config = JSON.parse((await this.content.read(manifest.config.digest)).toString('utf8')) as ImageConfig;
    const diffIds = config.rootfs?.diff_ids ?? [];
    const tmp = join(this.snapshotsDir, `.tmp-${Date.now()}-${randomBytes(4).toString('hex')}`);
    const rootfs = join(tmp, 'rootfs');
    await mkdir(rootfs, { recursive: true, mode: 0o755 });
    try {
      for (let i = 0; i < manifest.layers.length; i++) {
        const layer = manifest.layers[i];
        if (!this.content.has(layer.digest)) throw new Error(`layer ${layer.digest} is missing from the content store`);
        const res = await applyLayer(rootfs, this.content.path(layer.digest));
        if (diffIds.length === manifest.layers.length && diffIds[i] !== res.diffId) {
          throw new Error(`layer ${layer.digest}: uncompressed content ${res.diffId} does not match the image config's diff_id ${diffIds[i]}`);
        }
      }
      await writeFile(join(tmp, 'config.json'), JSON.stringify(config));
      const dest = join(this.snapshotsDir, digestHex(id));
      try {
        await rename(tmp, dest);
      } catch (err) {
        // Another unpack of the same image finished first: use its result.
        if (!existsSync(join(dest, 'rootfs'))) throw err;
      }
      return join(dest, 'rootfs');
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Every named image, with the containers using it. */
  async list(): Promise<ImageListEntry[]> {
    const leases = await this.leases.all();
    return (await this.refs.list()).map((r) => ({ ...r, inUseBy: (leases.get(r.manifest) ?? []).filter((h) => !h.startsWith('pull-')) }));
  }

  /**
   * Removes names: a name (busybox, busybox:1.36, repo@sha256:...), or an image id / digest
   * prefix (as `crictl rmi` takes them) removing every name of that image. Returns the names
   * removed. Content goes with the next gc, unless a container still holds it.
   */
  async remove(image: string): Promise<string[]> {
    const all = await this.refs.list();
    let matched: ImageRef[] = [];
    const hex = image.replace(/^sha256:/, '');
    if (/^[a-f0-9]{6,64}$/.test(hex)) {
      matched = all.filter((r) => [r.manifest, r.config, r.target].some((d) => digestHex(d).startsWith(hex)));
    }
    if (!matched.length) {
      let ref: ImageReference | undefined;
      try {
        ref = parseReference(image);
      } catch {
        ref = undefined;
      }
      if (ref) {
        const found = await this.findRef(ref);
        if (found) matched = [found];
      }
    }
    if (!matched.length) throw new Error(`no such image: ${image}`);
    for (const r of matched) await this.refs.delete(r.name);
    return matched.map((r) => r.name);
  }

  /**
   * Deletes snapshots and blobs no name and no lease reaches. With `unusedImages`, names of
   * images no container uses are removed first (the kubelet's image GC under disk pressure).
   */
  gc(opts: { unusedImages?: boolean; now?: number } = {}): Promise<GcResult> {
    if (!this.gcRunning) this.gcRunning = this.doGc(opts).finally(() => (this.gcRunning = undefined));
    return this.gcRunning;
  }

  private async doGc(opts: { unusedImages?: boolean; now?: number }): Promise<GcResult> {
    const now = opts.now ?? Date.now();
    // Pulls in this service hold leases, as pulls elsewhere do; waiting for ours is simpler still.
    await Promise.allSettled([...this.pulls.values(), ...this.unpacks.values()]);
    const leases = await this.leases.all();
    const removedImages: string[] = [];
    let refs = await this.refs.list();
    if (opts.unusedImages) {
      for (const r of refs) {
        if (!leases.has(r.manifest) && !leases.has(r.target)) {
          await this.refs.delete(r.name);
          removedImages.push(r.name);
        }
      }
      refs = await this.refs.list();
    }
    const liveManifests = new Set<string>([...refs.map((r) => r.manifest), ...leases.keys()]);
    const liveBlobs = new Set<string>([...refs.map((r) => r.target), ...leases.keys()]);
    for (const m of liveManifests) {
      liveBlobs.add(m);
      if (!this.content.has(m)) continue;
      try {
        const doc = parseManifestDocument(await this.content.read(m));
        if (doc.kind === 'manifest') for (const d of [doc.manifest.config, ...doc.manifest.layers]) liveBlobs.add(d.digest);
        else for (const d of doc.index.manifests) liveBlobs.add(d.digest);
      } catch {
        /* an unreadable document protects nothing */
      }
    }
    // An index that is live keeps the platform manifest it was resolved to (already a ref's manifest).
    let freedBytes = 0;
    let removedBlobs = 0;
    for (const d of await this.content.list()) {
      if (liveBlobs.has(d)) continue;
      const st = await stat(this.content.path(d)).catch(() => undefined);
      if (!st) continue;
      await this.content.delete(d);
      freedBytes += st.size;
      removedBlobs++;
    }
    let snaps: string[] = [];
    try {
      snaps = await readdir(this.snapshotsDir);
    } catch {
      /* none yet */
    }
    for (const s of snaps) {
      const p = join(this.snapshotsDir, s);
      if (s.startsWith('.tmp-')) {
        const st = await stat(p).catch(() => undefined);
        if (st && now - st.mtimeMs > TEMP_GRACE_MS) await rm(p, { recursive: true, force: true });
        continue;
      }
      if (!liveManifests.has(`sha256:${s}`)) await rm(p, { recursive: true, force: true });
    }
    return { removedImages, removedBlobs, freedBytes };
  }

  /** Names an image found in an archive or built locally (image-import.ts). */
  async tag(name: string, target: string, manifest: string): Promise<ImageRef> {
    const ref = parseReference(name);
    if (!isDigest(target) || !isDigest(manifest)) throw new Error('tag: invalid digest');
    const m = await this.manifest(manifest);
    const r: ImageRef = { name: canonicalName(ref), target, manifest, config: m.config.digest, size: m.config.size + m.layers.reduce((s, l) => s + l.size, 0), updated: new Date().toISOString() };
    await this.unpack(manifest);
    await this.refs.put(r);
    return r;
  }

  /** The platform this store picks from multi-arch images. */
  get nodePlatform(): Platform {
    return this.platform;
  }

  /** Reads the image config saved next to an unpacked root filesystem (no blob access). */
  async snapshotConfig(id: string): Promise<ImageConfig> {
    return JSON.parse(await readFile(join(this.snapshotsDir, digestHex(id), 'config.json'), 'utf8')) as ImageConfig;
  }
}
