// HTTPS without certificate verification, for registries the node may treat as insecure
// (loopback ones and those listed with --insecure-registry), as Docker and containerd do: such
// a registry may serve a self-signed certificate. Node's fetch cannot skip verification without
// undici's Agent, so this is a small fetch over node:https that answers with a standard
// Response. Redirects within the same host stay unverified; a redirect to another host (a blob
// store) goes through the normal, verifying fetch, without the registry's Authorization header.

import { request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 20;

export interface InsecureInit {
  method?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  body?: Uint8Array | string;
}

export async function insecureHttpsFetch(url: string, init: InsecureInit = {}, hops = 0): Promise<Response> {
  const u = new URL(url);
  const method = init.method ?? 'GET';
  const opts: RequestOptions = { method, headers: init.headers, rejectUnauthorized: false, signal: init.signal };
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(u, opts, resolve);
    req.on('error', reject);
    req.end(init.body);
  });
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (REDIRECTS.has(status) && location) {
    res.resume();
    if (hops >= MAX_REDIRECTS) throw new Error(`stopped after ${MAX_REDIRECTS} redirects`);
    const next = new URL(location, u);
    const nextMethod = status === 303 && method !== 'HEAD' ? 'GET' : method;
    // Like fetch: a 303 (or a redirected POST) drops the body.
    const nextInit = { ...init, method: nextMethod, body: nextMethod === method && status !== 303 ? init.body : undefined };
    if (next.protocol === 'https:' && next.host === u.host) return insecureHttpsFetch(next.href, nextInit, hops + 1);
    const headers = { ...init.headers };
    if (next.host !== u.host) for (const k of Object.keys(headers)) if (k.toLowerCase() === 'authorization') delete headers[k];
    return fetch(next.href, { method: nextMethod, headers, body: nextInit.body as BodyInit | undefined, signal: init.signal, redirect: 'follow' });
  }
  const headers = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
  }
  const noBody = method === 'HEAD' || status === 204 || status === 304;
  if (noBody) res.resume();
  const body = noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: res.statusMessage, headers });
}
