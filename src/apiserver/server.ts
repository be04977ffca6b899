// The HTTP(S) front: authentication, non-resource endpoints (/version, health, discovery,
// OpenAPI), body limits, and dispatch of resource requests to the handlers.

import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApiError, apiErr } from '../api/errors.js';
import { buildGroupVersionDocument, buildOpenApiIndex, documentHash } from '../openapi/document.js';
import { buildSwaggerV2 } from '../openapi/swagger-v2.js';
import { OpenApiV2Documents, serveOpenApiV2 } from '../openapi/v2-endpoint.js';
import { MAX_BODY_BYTES } from './codec.js';
import type { ApiServerContext } from './context.js';
import {
  AGGREGATED_V2,
  AGGREGATED_V2BETA1,
  aggregatedDiscovery,
  aggregatedVersion,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
} from './discovery.js';
import { handleResource, sendError, sendJson } from './handlers.js';
import { NodePodStreams } from './pod-streams.js';
import { parseRequestPath } from './request-info.js';

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4-k8ts',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-11-29T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export interface ServerOptions {
  host: string;
  port: number;
  /** PEM key and certificate; plain HTTP when absent (tests of pieces only). */
  tls?: { key: string; cert: string };
  /** Bearer tokens accepted; empty means no authentication. */
  tokens: string[];
  /** Reports readiness for /readyz. */
  ready: () => boolean;
}

const OPEN_PATHS = new Set(['/readyz', '/livez', '/healthz', '/version']);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(apiErr.tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(apiErr.tooLarge(`Request entity too large: limit is ${MAX_BODY_BYTES}`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class ApiServer {
  private server?: http.Server | https.Server;
  private openapiCache = new Map<string, { text: string; hash: string }>();
  private openapiV2?: OpenApiV2Documents;

  constructor(
    readonly ctx: ApiServerContext,
    private readonly opts: ServerOptions,
  ) {
    // Logs, exec and attach go to the kubelet API of the pod's node, with the cluster token.
    ctx.podStreams ??= new NodePodStreams(ctx, { token: opts.tokens[0] });
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.opts.port;
  }

  async listen(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    this.server = this.opts.tls ? https.createServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, handler) : http.createServer(handler);
    this.server.keepAliveTimeout = 65_000;
    this.server.requestTimeout = 0; // watches and log streams are long-lived
    this.server.on('upgrade', (req, socket, head) => {
      void this.handleUpgrade(req, socket as import('node:net').Socket, head);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      // A deep accept backlog: many node agents and controllers connect at once.
      this.server!.listen(this.opts.port, this.opts.host, 4096, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections?.();
    });
  }

  private authenticated(req: IncomingMessage): boolean {
    if (this.opts.tokens.length === 0) return true;
    const h = req.headers.authorization;
    if (!h || !h.startsWith('Bearer ')) return false;
    const given = Buffer.from(h.slice(7).trim());
    return this.opts.tokens.some((t) => {
      const want = Buffer.from(t);
      return want.length === given.length && timingSafeEqual(want, given);
    });
  }

  private async handleUpgrade(req: IncomingMessage, socket: import('node:net').Socket, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const fail = (e: ApiError) => {
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${http.STATUS_CODES[e.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    if (!this.authenticated(req)) return fail(apiErr.unauthorized());
    const info = parseRequestPath(url.pathname);
    if (info.kind !== 'resource' || info.group !== '' || info.resource !== 'pods' || !info.name) return fail(apiErr.pathNotFound());
    const streams = this.ctx.podStreams;
    if (!streams?.upgrade) {
      return fail(apiErr.badRequest(`${info.subresource ?? 'this request'} is not supported yet: no node agent serves pod streams`));
    }
    try {
      await streams.upgrade(req, socket, head, info, url.searchParams);
    } catch (err) {
      fail(err instanceof ApiError ? err : apiErr.internal(String(err)));
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
      if (!OPEN_PATHS.has(path) && !this.authenticated(req)) throw apiErr.unauthorized();
      const body = req.method === 'GET' || req.method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
      if (await this.nonResource(req, res, path, url)) return;
      const info = parseRequestPath(path);
      if (info.kind !== 'resource' || !info.resource) throw apiErr.pathNotFound();
      const def = this.ctx.table.lookup(info.group, info.version, info.resource);
      if (!def) throw apiErr.pathNotFound();
      await handleResource(this.ctx, { req, res, info, def, query: url.searchParams, body });
    } catch (err) {
      sendError(res, err);
    }
  }

  /** Serves /version, health, discovery and OpenAPI; false when `path` is none of them. */
  private async nonResource(req: IncomingMessage, res: ServerResponse, path: string, url: URL): Promise<boolean> {
    const table = this.ctx.table;
    switch (path) {
      case '/version':
        sendJson(res, 200, SERVER_VERSION);
        return true;
      case '/livez':
      case '/healthz':
      case '/readyz': {
        const ok = path !== '/readyz' || this.opts.ready();
        res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end(ok ? 'ok' : 'not ready');
        return true;
      }
      case '/api':
      case '/apis': {
        const agg = aggregatedVersion(req.headers.accept);
        if (agg) {
          sendJson(res, 200, aggregatedDiscovery(table, path === '/api', agg), [], agg === 'v2' ? AGGREGATED_V2 : AGGREGATED_V2BETA1);
        } else if (path === '/api') {
          sendJson(res, 200, apiVersions(`${req.socket.localAddress}:${req.socket.localPort}`));
        } else sendJson(res, 200, apiGroupList(table));
        return true;
      }
      case '/openapi/v2':
        // kubectl 1.27/1.28 read only v2 (gnostic protobuf) for fieldValidation support and explain;
        // later versions fetch it during client-side apply. Built on first request, then cached.
        this.openapiV2 ??= new OpenApiV2Documents(() => buildSwaggerV2(table.groupVersions(), (g, v) => table.kindsOf(g, v)));
        serveOpenApiV2(req, res, this.openapiV2);
        return true;
      case '/openapi/v3':
        sendJson(res, 200, buildOpenApiIndex(table.groupVersions(), (gv) => this.openapiDoc(gv.group, gv.version).hash));
        return true;
    }
    if (path.startsWith('/openapi/v3/')) {
      const rest = path.slice('/openapi/v3/'.length).split('/');
      let group: string;
      let version: string;
      if (rest[0] === 'api' && rest.length === 2) [group, version] = ['', rest[1]];
      else if (rest[0] === 'apis' && rest.length === 3) [group, version] = [rest[1], rest[2]];
      else throw apiErr.pathNotFound();
      if (!table.kindsOf(group, version).length) throw apiErr.pathNotFound();
      const doc = this.openapiDoc(group, version);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(doc.text)), ...(url.searchParams.get('hash') ? { 'Cache-Control': 'public, immutable', Etag: `"${doc.hash}"` } : {}) });
      res.end(doc.text);
      return true;
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList(table, '', parts[1]);
      if (!list) throw apiErr.pathNotFound();
      sendJson(res, 200, list);
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const g = apiGroup(table, parts[1]);
      if (!g) throw apiErr.pathNotFound();
      sendJson(res, 200, g);
      return true;
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(table, parts[1], parts[2]);
      if (!list) throw apiErr.pathNotFound();
      sendJson(res, 200, list);
      return true;
    }
    return false;
  }

  private openapiDoc(group: string, version: string): { text: string; hash: string } {
    const key = `${group}/${version}`;
    let d = this.openapiCache.get(key);
    if (!d) {
      const text = JSON.stringify(buildGroupVersionDocument(group, version, this.ctx.table.kindsOf(group, version)));
      d = { text, hash: documentHash(text) };
      this.openapiCache.set(key, d);
    }
    return d;
  }
}
