// Test images built in memory (layers, configs, manifests, indexes, archives) and a small
// registry speaking the distribution API on 127.0.0.1, with optional bearer or basic auth.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { MEDIA, sha256Digest } from '../../src/images/manifest.js';
import { writeTar, type TarWriteEntry } from '../../src/images/tar-writer.js';

export interface Blob {
  digest: string;
  data: Buffer;
  mediaType: string;
}

export function blob(data: Buffer | string, mediaType: string): Blob {
  const d = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return { digest: sha256Digest(d), data: d, mediaType };
}

export function layer(entries: TarWriteEntry[], gzip = true): Blob & { diffId: string } {
  const tar = writeTar(entries);
  const b = blob(gzip ? gzipSync(tar) : tar, gzip ? MEDIA.ociLayerGzip : MEDIA.ociLayer);
  return { ...b, diffId: sha256Digest(tar) };
}

export interface BuiltImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
  blobs: Blob[];
}

export function image(layers: (Blob & { diffId: string })[], config: Record<string, unknown> = {}, docker = false, arch = 'amd64'): BuiltImage {
  const cfg = blob(
    JSON.stringify({ architecture: arch, os: 'linux', config, rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) } }),
    docker ? MEDIA.dockerConfig : MEDIA.ociConfig,
  );
  const m = {
    schemaVersion: 2,
    mediaType: docker ? MEDIA.dockerManifest : MEDIA.ociManifest,
    config: { mediaType: cfg.mediaType, digest: cfg.digest, size: cfg.data.length },
    layers: layers.map((l) => ({ mediaType: docker ? MEDIA.dockerLayerGzip : l.mediaType, digest: l.digest, size: l.data.length })),
  };
  const manifest = blob(JSON.stringify(m), m.mediaType);
  return { manifest, config: cfg, layers, blobs: [manifest, cfg, ...layers] };
}

export function index(entries: { image: BuiltImage; os?: string; architecture: string; variant?: string }[]): Blob {
  return blob(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: entries.map((e) => ({ mediaType: e.image.manifest.mediaType, digest: e.image.manifest.digest, size: e.image.manifest.data.length, platform: { os: e.os ?? 'linux', architecture: e.architecture, ...(e.variant ? { variant: e.variant } : {}) } })),
    }),
    MEDIA.ociIndex,
  );
}

export interface FakeRegistry {
  host: string;
  /** Requests seen, "METHOD path". */
  requests: string[];
  put(repo: string, tag: string, manifest: Blob, blobs: Blob[]): void;
  /** Serves wrong bytes for a blob (digest verification must catch it). */
  corrupt(digest: string): void;
  close(): Promise<void>;
}

export async function fakeRegistry(auth?: { bearer?: { token: string; user?: string; password?: string }; basic?: { user: string; password: string } }): Promise<FakeRegistry> {
  const manifests = new Map<string, Blob>();
  const blobs = new Map<string, Buffer>();
  const corrupt = new Set<string>();
  const requests: string[] = [];
  let host = '';
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${host}`);
    requests.push(`${req.method} ${url.pathname}`);
    if (url.pathname === '/token') {
      const want = auth?.bearer;
      if (want?.user) {
        const got = req.headers.authorization ?? '';
        if (got !== `Basic ${Buffer.from(`${want.user}:${want.password}`).toString('base64')}`) {
          res.writeHead(401).end('{"details":"bad credentials"}');
          return;
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token: want?.token, expires_in: 300, scope: url.searchParams.get('scope') }));
      return;
    }
    if (auth?.bearer && req.headers.authorization !== `Bearer ${auth.bearer.token}`) {
      res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://${host}/token",service="fake-registry",scope="repository:x:pull"`, 'Content-Type': 'application/json' });
      res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (auth?.basic && req.headers.authorization !== `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake"' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      return;
    }
    if (url.pathname === '/v2/') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      return;
    }
    let m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
    if (m) {
      const b = manifests.get(`${m[1]}:${m[2]}`) ?? manifests.get(`${m[1]}@${m[2]}`);
      if (!b) {
        res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail: { Tag: m[2] } }] }));
        return;
      }
      res.writeHead(200, { 'Content-Type': b.mediaType, 'Docker-Content-Digest': b.digest, 'Content-Length': b.data.length });
      res.end(req.method === 'HEAD' ? undefined : b.data);
      return;
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (m) {
      const b = blobs.get(m[2]);
      if (!b) {
        res.writeHead(404).end('{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}');
        return;
      }
      const data = corrupt.has(m[2]) ? Buffer.concat([b.subarray(0, b.length - 1), Buffer.from([b[b.length - 1] ^ 1])]) : b;
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': data.length }).end(data);
      return;
    }
    res.writeHead(404).end();
  };
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    requests,
    put(repo, tag, manifest, bl) {
      manifests.set(`${repo}:${tag}`, manifest);
      manifests.set(`${repo}@${manifest.digest}`, manifest);
      for (const b of bl) {
        if (b.mediaType.includes('manifest') || b.mediaType.includes('index')) manifests.set(`${repo}@${b.digest}`, b);
        blobs.set(b.digest, b.data);
      }
    },
    corrupt(d) {
      corrupt.add(d);
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A busybox-like root: a shell script "binary" is enough for the store (nothing runs). */
export function baseLayer(): Blob & { diffId: string } {
  return layer([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/sh', data: '#!fake shell\n', mode: 0o755 },
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\n' },
    { name: 'etc/image-marker', data: 'base\n' },
    { name: 'root/', type: 'directory', mode: 0o700 },
    { name: 'root/.profile', data: 'x\n' },
  ]);
}
