// Image manifests, indexes and configs: the OCI image spec and Docker's schema 2, which differ
// only in media types. An index (Docker: manifest list) names one manifest per platform; a
// node runs the one for its own os/architecture/variant.

import { createHash } from 'node:crypto';

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistGzip: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/**
 * Every manifest type a registry may answer with. All four go in every Accept header: a
 * registry answers 404 "OCI manifest found, but accept header does not support OCI manifests"
 * to a client that lists only Docker's types.
 */
export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType: string;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** The parts of the image config a runtime uses. */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, unknown>;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    Volumes?: Record<string, unknown> | null;
  };
  rootfs?: { type: string; diff_ids: string[] };
}

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function isDigest(s: string): boolean {
  return DIGEST.test(s);
}

export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export function digestHex(digest: string): string {
  if (!isDigest(digest)) throw new ManifestError(`unsupported or invalid digest "${digest}" (only sha256 is supported)`);
  return digest.slice('sha256:'.length);
}

export function isIndexType(mediaType: string): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

export function isManifestType(mediaType: string): boolean {
  return mediaType === MEDIA.ociManifest || mediaType === MEDIA.dockerManifest;
}

/**
 * Reads a manifest or index document. The registry's Content-Type wins; a document without
 * one (an OCI layout's index.json, an archive) is recognised by its own mediaType or shape.
 */
export function parseManifestDocument(body: Buffer, contentType?: string): { kind: 'index'; index: ImageIndex } | { kind: 'manifest'; manifest: ImageManifest } {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new ManifestError('manifest is not valid JSON');
  }
  const ct = (contentType ?? '').split(';')[0].trim();
  let type = typeof doc.mediaType === 'string' ? doc.mediaType : ct && ct !== 'application/json' && ct !== 'text/plain' ? ct : '';
  if (type === MEDIA.dockerSchema1 || type === MEDIA.dockerSchema1Signed || doc.schemaVersion === 1) {
    throw new ManifestError('Docker Image Format v1 and Docker Image manifest version 2, schema 1 are not supported; push the image again with a current tool');
  }
  if (!type) type = Array.isArray(doc.manifests) ? MEDIA.ociIndex : MEDIA.ociManifest;
  if (isIndexType(type)) {
    if (!Array.isArray(doc.manifests)) throw new ManifestError('image index has no manifests');
    return { kind: 'index', index: { schemaVersion: 2, mediaType: type, manifests: (doc.manifests as unknown[]).map(descriptorOf) } };
  }
  if (isManifestType(type)) {
    if (!doc.config || !Array.isArray(doc.layers)) throw new ManifestError('image manifest has no config or layers');
    return { kind: 'manifest', manifest: { schemaVersion: 2, mediaType: type, config: descriptorOf(doc.config), layers: (doc.layers as unknown[]).map(descriptorOf) } };
  }
  throw new ManifestError(`unsupported manifest media type "${type}"`);
}

function descriptorOf(v: unknown): Descriptor {
  const d = (v ?? {}) as Record<string, unknown>;
  if (typeof d.digest !== 'string' || !isDigest(d.digest)) throw new ManifestError(`descriptor has an unsupported or invalid digest "${String(d.digest)}"`);
  if (typeof d.size !== 'number' || d.size < 0) throw new ManifestError(`descriptor ${d.digest} has no valid size`);
  const out: Descriptor = { mediaType: String(d.mediaType ?? ''), digest: d.digest, size: d.size };
  if (d.platform && typeof d.platform === 'object') out.platform = d.platform as Platform;
  if (d.annotations && typeof d.annotations === 'object') out.annotations = d.annotations as Record<string, string>;
  if (Array.isArray(d.urls)) out.urls = d.urls.map(String);
  return out;
}

/** How a layer's bytes are compressed, from its media type. */
export function layerCompression(mediaType: string): 'gzip' | 'zstd' | 'none' {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip') || mediaType === MEDIA.dockerLayerGzip) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('.tar') || mediaType === '') return 'none';
  throw new ManifestError(`unsupported layer media type "${mediaType}"`);
}

/** The platform this process runs on, in OCI terms (Node's x64 is amd64, and so on). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', mips: 'mips', mipsel: 'mipsle' };
  const architecture = arch[process.arch] ?? process.arch;
  const p: Platform = { os: process.platform === 'win32' ? 'windows' : process.platform, architecture };
  if (architecture === 'arm64') p.variant = 'v8';
  if (architecture === 'arm') {
    const v = (process.config.variables as Record<string, unknown>).arm_version;
    p.variant = `v${v ?? 7}`;
  }
  return p;
}

/**
 * The manifest of an index that suits `platform`, as containerd's default matcher picks it:
 * same os and architecture; a matching variant first, then one without a variant; for arm64,
 * "v8" and no variant are the same thing.
 */
export function selectPlatform(index: ImageIndex, platform: Platform): Descriptor | undefined {
  const norm = (v: string | undefined, arch: string) => (arch === 'arm64' && (v === undefined || v === '' || v === 'v8') ? 'v8' : v ?? '');
  const want = norm(platform.variant, platform.architecture);
  const candidates = index.manifests.filter((m) => isManifestType(m.mediaType) || m.mediaType === '');
  const same = candidates.filter((m) => m.platform && m.platform.os === platform.os && m.platform.architecture === platform.architecture);
  return same.find((m) => norm(m.platform!.variant, platform.architecture) === want) ?? same.find((m) => !m.platform!.variant);
}

export function platformString(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
