// Importing images from archives, for nodes without a registry: an OCI image layout in a tar
// (`oci-layout`, `index.json`, `blobs/sha256/...`, as `skopeo copy ... oci-archive:` or
// `docker save` since Docker 25 write it) or a classic `docker save` tarball (`manifest.json`
// naming a config file and layer tars). The archive is read once as a stream; every file is
// stored by its digest, and a manifest is made for docker-save images, which have none.

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream';
import { open } from 'node:fs/promises';
import type { ImageStore } from './image-store.js';
import { MEDIA, isIndexType, parseManifestDocument, platformString, selectPlatform, sha256Digest, type Descriptor } from './manifest.js';
import { canonicalName, parseReference } from './reference.js';
import { readTar } from './tar-reader.js';

export interface ImportedImage {
  name: string;
  /** Platform manifest digest. */
  id: string;
  size: number;
}

export interface ImportOptions {
  /** Repository for archive entries that carry only a tag (OCI ref.name "1.0"), or a name for unnamed images. */
  baseName?: string;
}

const SMALL = 4 << 20;

interface ArchiveFile {
  digest: string;
  size: number;
  /** Kept in memory when small (manifests, indexes, configs, metadata). */
  data?: Buffer;
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/** Imports every image of the archive at `path`; returns the names created. */
export async function importArchive(store: ImageStore, path: string, opts: ImportOptions = {}): Promise<ImportedImage[]> {
  const src = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = (await isGzip(path)) ? pipeline(src, createGunzip(), () => undefined) : src;
  const files = new Map<string, ArchiveFile>();
  const links = new Map<string, string>();
  // Content this import added; what no imported image uses goes again at the end.
  const added = new Set<string>();
  for await (const entry of readTar(stream)) {
    const h = entry.header;
    const name = h.name.replace(/^\.\//, '');
    if (h.type === 'symlink' || h.type === 'link') {
      const base = name.includes('/') ? name.slice(0, name.lastIndexOf('/') + 1) : '';
      links.set(name, h.type === 'symlink' && !h.linkname.startsWith('/') ? normalize(base + h.linkname) : h.linkname.replace(/^\.?\//, ''));
      continue;
    }
    if (h.type !== 'file') continue;
    const m = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
    if (m && store.content.has(`sha256:${m[1]}`)) {
      files.set(name, { digest: `sha256:${m[1]}`, size: h.size, data: h.size <= SMALL ? await entry.buffer() : undefined });
    } else if (h.size <= SMALL) {
      const data = await entry.buffer();
      const digest = sha256Digest(data);
      if (!store.content.has(digest)) added.add(digest);
      await store.content.put(data, m ? `sha256:${m[1]}` : undefined);
      files.set(name, { digest, size: data.length, data });
    } else {
      const { digest, size } = await store.content.ingest(entry.body(), m ? `sha256:${m[1]}` : undefined, h.size);
      added.add(digest);
      files.set(name, { digest, size });
    }
  }
  const file = (p: string): ArchiveFile | undefined => {
    let cur = p;
    for (let i = 0; i < 16 && !files.has(cur) && links.has(cur); i++) cur = links.get(cur)!;
    return files.get(cur);
  };
  const used = new Set<string>();
  try {
    const index = file('index.json');
    if (index?.data) return await importOciLayout(store, index.data, used, opts);
    const manifest = file('manifest.json');
    if (manifest?.data) return await importDockerSave(store, manifest.data, file, used, opts);
    throw new Error(`${path} is neither an OCI image archive (no index.json) nor a docker save archive (no manifest.json)`);
  } finally {
    for (const d of added) if (!used.has(d)) await store.content.delete(d);
  }
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const c of p.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return out.join('/');
}

/**
 * A full name from an archive's name or tag. An OCI ref.name without "/", ":" or "@" is a tag
 * (as containerd reads it), which needs the repository from `baseName`.
 */
function nameFor(raw: string | undefined, opts: ImportOptions): string | undefined {
  if (raw && (raw.includes('/') || raw.includes(':') || raw.includes('@'))) return canonicalName(parseReference(raw));
  if (raw && opts.baseName) {
    const base = parseReference(opts.baseName);
    return canonicalName({ ...base, tag: raw, digest: undefined });
  }
  if (opts.baseName) return canonicalName(parseReference(opts.baseName));
  return undefined;
}

async function importOciLayout(store: ImageStore, indexJson: Buffer, used: Set<string>, opts: ImportOptions): Promise<ImportedImage[]> {
  const top = parseManifestDocument(indexJson, MEDIA.ociIndex);
  if (top.kind !== 'index') throw new Error('index.json is not an image index');
  const out: ImportedImage[] = [];
  for (const desc of top.index.manifests) {
    const ann = desc.annotations ?? {};
    const raw = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
    const name = nameFor(raw, opts);
    if (!name) throw new Error(raw ? `the archive names image ${desc.digest} only by the tag "${raw}"; give its repository with --name` : `the archive's image ${desc.digest} has no name; give one with --name`);
    const manifestId = await resolvePlatformManifest(store, desc, used);
    const r = await store.tag(name, desc.digest, manifestId);
    out.push({ name: r.name, id: r.manifest, size: r.size });
  }
  return out;
}

/** The manifest of `desc` for this node (choosing from an index); marks what it uses. */
async function resolvePlatformManifest(store: ImageStore, desc: Descriptor, used: Set<string>): Promise<string> {
  used.add(desc.digest);
  if (!store.content.has(desc.digest)) throw new Error(`content ${desc.digest} is missing from the archive`);
  const doc = parseManifestDocument(await store.content.read(desc.digest), desc.mediaType || undefined);
  let manifestDigest = desc.digest;
  let manifest;
  if (doc.kind === 'index' || isIndexType(desc.mediaType)) {
    if (doc.kind !== 'index') throw new Error(`${desc.digest} is not an index`);
    const chosen = selectPlatform(doc.index, store.nodePlatform);
    if (!chosen) throw new Error(`image ${desc.digest} has no manifest for ${platformString(store.nodePlatform)}`);
    if (!store.content.has(chosen.digest)) throw new Error(`the archive lacks the ${platformString(store.nodePlatform)} manifest ${chosen.digest}`);
    manifestDigest = chosen.digest;
    for (const m of doc.index.manifests) used.add(m.digest);
    const inner = parseManifestDocument(await store.content.read(chosen.digest), chosen.mediaType);
    if (inner.kind !== 'manifest') throw new Error('nested image indexes are not supported');
    manifest = inner.manifest;
  } else manifest = doc.manifest;
  for (const d of [manifest.config, ...manifest.layers]) {
    if (!store.content.has(d.digest)) throw new Error(`content ${d.digest} is missing from the archive`);
    used.add(d.digest);
  }
  return manifestDigest;
}

interface DockerSaveEntry {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

async function importDockerSave(store: ImageStore, manifestJson: Buffer, file: (p: string) => ArchiveFile | undefined, used: Set<string>, opts: ImportOptions): Promise<ImportedImage[]> {
  const entries = JSON.parse(manifestJson.toString('utf8')) as DockerSaveEntry[];
  if (!Array.isArray(entries)) throw new Error('manifest.json of a docker save archive must be a list');
  const out: ImportedImage[] = [];
  for (const e of entries) {
    const cfg = file(e.Config);
    if (!cfg) throw new Error(`docker save archive lacks ${e.Config}`);
    const layers: Descriptor[] = [];
    for (const l of e.Layers) {
      const f = file(l);
      if (!f) throw new Error(`docker save archive lacks ${l}`);
      const gz = await isGzip(store.content.path(f.digest));
      layers.push({ mediaType: gz ? MEDIA.dockerLayerGzip : MEDIA.dockerLayer, digest: f.digest, size: f.size });
    }
    // docker save has no manifest: make the schema 2 manifest a registry would hold.
    const manifest = { schemaVersion: 2, mediaType: MEDIA.dockerManifest, config: { mediaType: MEDIA.dockerConfig, digest: cfg.digest, size: cfg.size }, layers };
    const id = await store.content.put(Buffer.from(JSON.stringify(manifest)));
    for (const d of [id, cfg.digest, ...layers.map((l) => l.digest)]) used.add(d);
    const names = (e.RepoTags ?? []).map((t) => nameFor(t, opts)).filter((n): n is string => !!n);
    if (!names.length) {
      const n = nameFor(undefined, opts);
      if (!n) throw new Error(`the archive's image ${cfg.digest} has no RepoTags; give it a name with --name`);
      names.push(n);
    }
    for (const n of names) {
      const r = await store.tag(n, id, id);
      out.push({ name: r.name, id: r.manifest, size: r.size });
    }
  }
  return out;
}
