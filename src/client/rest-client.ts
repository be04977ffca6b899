// The REST client every controller, scheduler and node agent uses to reach the API server,
// in the same process or over the network. Errors come back as ApiError built from the
// server's Status, so callers branch on `code`/`reason` exactly as client-go users do.

import http from 'node:http';
import https from 'node:https';
import { ApiError, type Status } from '../api/errors.js';
import type { KObject } from '../api/types.js';

export interface ClientConfig {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  token?: string;
  caCert?: string;
  userAgent?: string;
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  accept?: string;
  signal?: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T = KObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchHandle {
  /** Resolves when the stream ends (server closed it, error, or stop()). */
  done: Promise<void>;
  stop(): void;
}

function toQuery(q: RequestOptions['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.append(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export class RestClient {
  private readonly url: URL;
  private readonly agent: http.Agent;
  private readonly mod: typeof http | typeof https;

  constructor(readonly config: ClientConfig) {
    this.url = new URL(config.server);
    const secure = this.url.protocol === 'https:';
    this.mod = secure ? https : http;
    this.agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: 64, ca: config.caCert || undefined })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  close(): void {
    this.agent.destroy();
  }

  private headers(o: RequestOptions, bodyText?: string): Record<string, string> {
    const h: Record<string, string> = { Accept: o.accept ?? 'application/json', 'User-Agent': this.config.userAgent ?? 'k8ts/v1.32' };
    if (this.config.token) h.Authorization = `Bearer ${this.config.token}`;
    if (bodyText !== undefined) {
      h['Content-Type'] = o.contentType ?? 'application/json';
      h['Content-Length'] = String(Buffer.byteLength(bodyText));
    }
    return h;
  }

  /** One request; resolves with the parsed JSON body, rejects with ApiError on non-2xx. */
  request<T = KObject>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const bodyText = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
    return new Promise<T>((resolve, reject) => {
      const req = this.mod.request(
        { protocol: this.url.protocol, hostname: this.url.hostname, port: this.url.port, path: path + toQuery(o.query), method, headers: this.headers(o, bodyText), agent: this.agent, signal: o.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              const ct = res.headers['content-type'] ?? '';
              if (!text) return resolve(undefined as T);
              if (!ct.includes('json')) return resolve(text as T);
              try {
                resolve(JSON.parse(text) as T);
              } catch (e) {
                reject(new ApiError(500, 'InternalError', `invalid JSON from server: ${(e as Error).message}`));
              }
              return;
            }
            reject(errorFromResponse(code, text));
          });
          res.on('error', reject);
        },
      );
      req.on('error', (e) => reject(new ApiError(503, 'ServiceUnavailable', `cannot reach the API server at ${this.config.server}: ${e.message}`)));
      req.end(bodyText);
    });
  }

  /** A raw streaming GET (logs, watches): calls onData with each chunk until the stream ends. */
  stream(path: string, o: RequestOptions, onResponse: (res: http.IncomingMessage) => void): http.ClientRequest {
    const req = this.mod.request(
      { protocol: this.url.protocol, hostname: this.url.hostname, port: this.url.port, path: path + toQuery(o.query), method: 'GET', headers: this.headers(o), agent: this.agent },
      onResponse,
    );
    req.end();
    return req;
  }

  /**
   * Watches `path` (a list path) from `resourceVersion`, delivering decoded events in order.
   * The stream ends when the server closes it (timeout) or on error; informers then re-watch.
   */
  watch<T = KObject>(path: string, query: RequestOptions['query'], onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    let stopped = false;
    let req: http.ClientRequest | undefined;
    const done = new Promise<void>((resolve, reject) => {
      req = this.stream(path, { query: { ...query, watch: 'true' } }, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => reject(errorFromResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line || stopped) continue;
            try {
              onEvent(JSON.parse(line) as WatchEvent<T>);
            } catch (e) {
              if (e instanceof SyntaxError) continue;
              throw e;
            }
          }
        });
        res.on('end', () => resolve());
        res.on('close', () => resolve());
        res.on('error', (e) => (stopped ? resolve() : reject(e)));
      });
      req.on('error', (e) => (stopped ? resolve() : reject(new ApiError(503, 'ServiceUnavailable', `watch ${path}: ${e.message}`))));
    });
    return {
      done,
      stop() {
        stopped = true;
        req?.destroy();
      },
    };
  }
}

export function errorFromResponse(code: number, text: string): ApiError {
  try {
    const s = JSON.parse(text) as Status;
    if (s && s.kind === 'Status') return new ApiError(s.code || code, s.reason ?? 'Unknown', s.message ?? text, s.details);
  } catch {
    /* not a Status */
  }
  return new ApiError(code, code === 404 ? 'NotFound' : 'Unknown', text || `HTTP ${code}`);
}
