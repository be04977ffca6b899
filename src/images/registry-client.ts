// The OCI distribution API, pull side, over fetch: manifests by tag or digest and blobs by
// digest, with the registry's authentication (registry-auth.ts). HTTPS always, except for
// registries the node lists as insecure and loopback registries (as Docker treats 127.0.0.0/8):
// for those HTTPS is tried first and plain HTTP used when the server does not speak TLS.

import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { insecureHttpsFetch } from './insecure-fetch.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import { basicAuth, parseChallenges, type Credentials } from './registry-auth.js';
import { registryHost } from './reference.js';

export interface RegistryClientOptions {
  /** host[:port] of registries that may be reached over plain HTTP. */
  insecureRegistries?: string[];
  credentials?: Credentials;
  userAgent?: string;
  /** Per request (not per blob body) time limit, ms. */
  requestTimeoutMs?: number;
  /** Scheme learned per registry host (shared by the clients of one image service). */
  schemeCache?: Map<string, 'https' | 'http'>;
}

/** The registry answered: what was asked for does not exist. */
export class RegistryNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryNotFoundError';
  }
}

export class RegistryAuthError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryAuthError';
  }
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

interface TokenEntry {
  header: string;
  expiresAt: number;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Whether a registry (as in an image reference: host[:port]) may be reached over plain HTTP:
 * loopback registries (localhost, 127.0.0.0/8, ::1) and those listed (`--insecure-registry`,
 * matched as host:port exactly as written in the reference). Every other registry is HTTPS only.
 */
export function mayUsePlainHttp(registry: string, insecureRegistries: readonly string[] = []): boolean {
  const host = registryHost(registry);
  return isLoopback(host) || insecureRegistries.includes(registry) || insecureRegistries.includes(host);
}

export class RegistryClient {
  private readonly host: string;
  private readonly schemes: Map<string, 'https' | 'http'>;
  private auth?: TokenEntry;

  constructor(
    readonly registry: string,
    readonly repository: string,
    private readonly opts: RegistryClientOptions = {},
  ) {
    this.host = registryHost(registry);
    this.schemes = opts.schemeCache ?? new Map();
  }

  private mayUseHttp(): boolean {
    return mayUsePlainHttp(this.registry, this.opts.insecureRegistries);
  }

  /** fetch with the learned scheme; for insecure registries, HTTPS (unverified) then HTTP. */
  private async send(path: string, init: RequestInit): Promise<Response> {
    const known = this.schemes.get(this.host);
    const order: ('https' | 'http')[] = known ? [known] : this.mayUseHttp() ? ['https', 'http'] : ['https'];
    let lastErr: unknown;
    for (const scheme of order) {
      try {
        // The limit covers getting the response headers, not streaming a large body.
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(new Error('timeout awaiting response headers')), this.opts.requestTimeoutMs ?? 30_000);
        try {
          const url = `${scheme}://${this.host}${path}`;
          // A registry that may use plain HTTP may also serve HTTPS with a certificate nobody signed.
          const res =
            scheme === 'https' && this.mayUseHttp()
              ? await insecureHttpsFetch(url, { method: init.method, headers: init.headers as Record<string, string> | undefined, signal: ac.signal })
              : await fetch(url, { ...init, signal: ac.signal, redirect: 'follow' });
          this.schemes.set(this.host, scheme);
          return res;
        } finally {
          clearTimeout(timer);
        }
      } catch (err) {
        lastErr = err;
      }
    }
    const cause = (lastErr as { cause?: { code?: string; message?: string } })?.cause;
    throw new RegistryError(`failed to do request: Get "${order[order.length - 1]}://${this.host}${path}": ${cause?.code ?? ''} ${cause?.message ?? (lastErr as Error)?.message ?? lastErr}`.replace(/\s+/g, ' ').trim());
  }

  /** A GET/HEAD with authentication: answers a 401 challenge once, then reuses the token. */
  private async request(method: 'GET' | 'HEAD', path: string, headers: Record<string, string> = {}): Promise<Response> {
    const h: Record<string, string> = { 'User-Agent': this.opts.userAgent ?? 'k8ts', ...headers };
    if (this.auth && this.auth.expiresAt > Date.now()) h.Authorization = this.auth.header;
    let res = await this.send(path, { method, headers: h });
    if (res.status !== 401) return res;
    await res.body?.cancel().catch(() => undefined);
    const header = await this.authorize(res.headers.get('www-authenticate'));
    res = await this.send(path, { method, headers: { ...h, Authorization: header } });
    if (res.status === 401 || res.status === 403) {
      const body = await res.text().catch(() => '');
      throw new RegistryAuthError(`pull access denied, repository does not exist or may require authorization: server message: ${serverMessage(body) || `${res.status} ${res.statusText}`}`);
    }
    return res;
  }

  private async authorize(header: string | null): Promise<string> {
    const challenges = parseChallenges(header);
    const creds = this.opts.credentials;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const realm = bearer.params.realm;
      if (!realm) throw new RegistryAuthError('failed to authorize: bearer challenge without a realm');
      const url = new URL(realm);
      if (bearer.params.service) url.searchParams.set('service', bearer.params.service);
      url.searchParams.set('scope', `repository:${this.repository}:pull`);
      const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent ?? 'k8ts' };
      let res: Response;
      if (creds?.identityToken) {
        // OAuth2 refresh-token grant, as Docker's credential helpers use it.
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service: bearer.params.service ?? '', scope: `repository:${this.repository}:pull`, client_id: 'k8ts' });
        res = await fetch(realm, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/x-www-form-urlencoded' }, body: form, signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000) });
      } else {
        const basic = creds ? basicAuth(creds) : undefined;
        if (basic) headers.Authorization = basic;
        res = await fetch(url, { headers, signal: AbortSignal.timeout(this.opts.requestTimeoutMs ?? 30_000) });
      }
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        throw new RegistryAuthError(`failed to authorize: failed to fetch ${basicOr(creds)} token: unexpected status from GET request to ${url}: ${res.status} ${res.statusText}${serverMessage(body) ? `: ${serverMessage(body)}` : ''}`);
      }
      const tok = (await res.json()) as { token?: string; access_token?: string; expires_in?: number };
      const token = tok.token ?? tok.access_token;
      if (!token) throw new RegistryAuthError('failed to authorize: the token server answered without a token');
      const ttl = Math.max(60, Number(tok.expires_in ?? 60)) * 1000;
      this.auth = { header: `Bearer ${token}`, expiresAt: Date.now() + ttl - 10_000 };
      return this.auth.header;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      const basic = creds ? basicAuth(creds) : undefined;
      if (!basic) throw new RegistryAuthError(`failed to authorize: the registry ${this.registry} asks for a username and password (use imagePullSecrets)`);
      this.auth = { header: basic, expiresAt: Number.MAX_SAFE_INTEGER };
      return basic;
    }
    throw new RegistryAuthError(`failed to authorize: unsupported authentication challenge "${header ?? ''}"`);
  }

  /** A manifest or index by tag or digest: its raw bytes (digests are over these), type and digest header. */
  async getManifest(reference: string): Promise<{ body: Buffer; contentType: string; digest?: string }> {
    const res = await this.request('GET', `/v2/${this.repository}/manifests/${reference}`, { Accept: MANIFEST_ACCEPT });
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      throw new RegistryNotFoundError('not found');
    }
    if (!res.ok) throw new RegistryError(`unexpected status from GET request to ${res.url}: ${res.status} ${res.statusText}${await errorDetail(res)}`, res.status);
    const body = Buffer.from(await res.arrayBuffer());
    return { body, contentType: res.headers.get('content-type') ?? '', digest: res.headers.get('docker-content-digest') ?? undefined };
  }

  /** A blob's bytes as a stream (redirects to storage are followed). */
  async getBlob(digest: string): Promise<Readable> {
    const res = await this.request('GET', `/v2/${this.repository}/blobs/${digest}`);
    if (res.status === 404) {
      await res.body?.cancel().catch(() => undefined);
      throw new RegistryNotFoundError(`blob ${digest} not found`);
    }
    if (!res.ok || !res.body) throw new RegistryError(`unexpected status from GET request to ${res.url}: ${res.status} ${res.statusText}${await errorDetail(res)}`, res.status);
    return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
  }
}

function basicOr(c: Credentials | undefined): string {
  return c ? 'oauth' : 'anonymous';
}

/** The first message of a distribution error body ({"errors":[{"code","message"}]}). */
function serverMessage(body: string): string {
  try {
    const e = (JSON.parse(body) as { errors?: { code?: string; message?: string }[]; details?: string }).errors?.[0];
    if (e) return [e.code?.toLowerCase(), e.message].filter(Boolean).join(': ');
  } catch {
    /* not JSON */
  }
  return body.trim().slice(0, 200);
}

async function errorDetail(res: Response): Promise<string> {
  const msg = serverMessage(await res.text().catch(() => ''));
  return msg ? `: ${msg}` : '';
}
