// pods/log, pods/exec, pods/attach and pods/portforward, served as kube-apiserver serves them: the request is
// checked here (the pod is placed, the container exists: pkg/registry/core/pod/strategy.go
// LogLocation and streamLocation), then proxied to the kubelet API of the pod's node: logs as a
// streamed GET, exec, attach and portforward as an upgrade whose bytes are relayed both ways, so
// the WebSocket or SPDY/3.1 conversation is the kubelet's. The node is reached at its InternalIP (or
// loopback when that address is this machine's) on status.daemonEndpoints.kubeletEndpoint.Port,
// over TLS pinned to the certificate fingerprint the agent publishes on its Node, with the
// cluster's bearer token.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import { ApiError, apiErr } from '../api/errors.js';
import type { JsonObject, KObject } from '../api/types.js';
import { objectKey } from '../storage/store.js';
import type { ApiServerContext, PodStreams } from './context.js';
import type { ResourceRequest } from './request-info.js';

/** Node annotation with the kubelet serving certificate's SHA-256 fingerprint (set by the agent). */
export const KUBELET_CERT_ANNOTATION = 'k8ts.dev/kubelet-serving-cert-sha256';

export interface NodePodStreamsOptions {
  /** Bearer token presented to kubelets (the cluster token the agents hold). */
  token?: string;
}

interface Endpoint {
  host: string;
  port: number;
  fingerprint?: string;
}

const UPGRADE_HEADERS = ['upgrade', 'connection', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'x-stream-protocol-version'];

export class NodePodStreams implements PodStreams {
  constructor(
    private readonly ctx: ApiServerContext,
    private readonly opts: NodePodStreamsOptions = {},
  ) {}

  async handle(kind: 'log' | 'exec' | 'attach' | 'portforward', pod: KObject, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (kind !== 'log') throw apiErr.badRequest('Upgrade request required');
    const container = chooseContainer(pod, query.get('container') ?? '');
    const ep = this.endpoint(pod);
    const q = new URLSearchParams();
    for (const k of ['follow', 'previous', 'tailLines', 'sinceSeconds', 'sinceTime', 'timestamps', 'limitBytes']) {
      const v = query.get(k);
      if (v !== null) q.set(k, v);
    }
    const path = `/containerLogs/${enc(pod.metadata.namespace!)}/${enc(pod.metadata.name!)}/${enc(container)}${q.size ? `?${q}` : ''}`;
    const upstream = await this.request(ep, 'GET', path, {});
    await new Promise<void>((resolve) => {
      upstream.on('response', (kres) => {
        const headers: Record<string, string> = { 'Content-Type': String(kres.headers['content-type'] ?? 'text/plain') };
        if (kres.statusCode === 200) headers['Transfer-Encoding'] = 'chunked';
        res.writeHead(kres.statusCode ?? 502, headers);
        res.flushHeaders();
        kres.pipe(res);
        const done = () => resolve();
        kres.on('end', done).on('error', done).on('close', done);
        // The client left: stop the kubelet's follow too.
        res.on('close', () => upstream.destroy());
      });
      upstream.on('error', (err) => {
        if (!res.headersSent) sendStatus(res, kubeletError(ep, err));
        else res.destroy();
        resolve();
      });
      upstream.end();
    });
  }

  /** exec, attach and portforward: WebSocket or SPDY/3.1 upgrades, relayed to the kubelet as bytes. */
  async upgrade(req: IncomingMessage, socket: Socket, head: Buffer, info: ResourceRequest, query: URLSearchParams): Promise<void> {
    const sub = info.subresource;
    if (sub !== 'exec' && sub !== 'attach' && sub !== 'portforward') throw apiErr.badRequest(`${sub ?? 'the pod'} does not accept upgrade requests`);
    const pod = this.pod(info.namespace ?? 'default', info.name!);
    let path: string;
    if (sub === 'portforward') {
      if (pod.status?.phase !== 'Running') throw apiErr.badRequest(`unable to forward port because pod is not running. Current status=${String(pod.status?.phase ?? 'Pending')}`);
      const q = new URLSearchParams();
      for (const p of query.getAll('ports')) q.append('port', p);
      path = `/portForward/${enc(pod.metadata.namespace!)}/${enc(pod.metadata.name!)}${q.size ? `?${q}` : ''}`;
    } else {
      if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') {
        throw apiErr.badRequest(`cannot ${sub === 'exec' ? 'exec into' : 'attach to'} a container in a completed pod; current phase is ${pod.status.phase}`);
      }
      const container = chooseContainer(pod, query.get('container') ?? '');
      const q = new URLSearchParams();
      for (const [k, v] of query) if (k !== 'container') q.append(k, v);
      path = `/${sub}/${enc(pod.metadata.namespace!)}/${enc(pod.metadata.name!)}/${enc(container)}${q.size ? `?${q}` : ''}`;
    }
    const ep = this.endpoint(pod);
    const headers: Record<string, string | string[]> = {};
    for (const h of UPGRADE_HEADERS) {
      const v = req.headers[h];
      if (v !== undefined) headers[h] = v;
    }
    // A SPDY upgrade is a POST without a body: say so, or the request would be sent chunked and
    // its terminating chunk would reach the kubelet as the first SPDY bytes.
    if ((req.method ?? 'GET') !== 'GET') headers['content-length'] = '0';
    const upstream = await this.request(ep, req.method ?? 'GET', path, headers);
    socket.on('error', () => upstream.destroy());
    upstream.on('upgrade', (kres, ksock, khead) => {
      const lines = [`HTTP/1.1 101 Switching Protocols`];
      for (let i = 0; i < kres.rawHeaders.length; i += 2) lines.push(`${kres.rawHeaders[i]}: ${kres.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (khead.length) socket.write(khead);
      if (head.length) ksock.write(head);
      ksock.on('error', () => socket.destroy());
      socket.on('close', () => ksock.destroy());
      ksock.on('close', () => socket.destroy());
      ksock.pipe(socket);
      socket.pipe(ksock);
    });
    upstream.on('response', (kres) => {
      // Not upgraded (a Status from the kubelet): relay it as a plain response.
      const chunks: Buffer[] = [];
      kres.on('data', (d: Buffer) => chunks.push(d));
      kres.on('end', () => {
        const body = Buffer.concat(chunks);
        const code = kres.statusCode ?? 502;
        socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? ''}\r\nContent-Type: ${kres.headers['content-type'] ?? 'application/json'}\r\nContent-Length: ${body.length}\r\n\r\n${body.toString('utf8')}`);
      });
    });
    upstream.on('error', (err) => {
      const e = kubeletError(ep, err);
      const body = JSON.stringify(e.toStatus());
      socket.end(`HTTP/1.1 ${e.code} ${http.STATUS_CODES[e.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    });
    upstream.end();
  }

  private pod(namespace: string, name: string): KObject {
    const e = this.ctx.cache.get(objectKey('', 'pods', namespace, name));
    if (!e) throw apiErr.notFound('', 'pods', name);
    return e.object;
  }

  private endpoint(pod: KObject): Endpoint {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) throw apiErr.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
    const node = this.ctx.cache.get(objectKey('', 'nodes', undefined, String(nodeName)))?.object;
    if (!node) throw apiErr.notFound('', 'nodes', String(nodeName));
    const addresses = (node.status?.addresses as JsonObject[] | undefined) ?? [];
    const ip = addresses.find((a) => a.type === 'InternalIP')?.address ?? addresses.find((a) => a.type === 'ExternalIP')?.address;
    const port = Number(node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0);
    if (!ip || !port) throw new ApiError(503, 'ServiceUnavailable', `node "${nodeName}" publishes no kubelet address`);
    return { host: isLocalAddress(String(ip)) ? '127.0.0.1' : String(ip), port, fingerprint: node.metadata.annotations?.[KUBELET_CERT_ANNOTATION] };
  }

  /** A request to a kubelet over a TLS connection whose certificate matched the node's pin. */
  private async request(ep: Endpoint, method: string, path: string, headers: Record<string, string | string[]>): Promise<http.ClientRequest> {
    const all: Record<string, string | string[]> = { ...headers, host: `${ep.host}:${ep.port}` };
    if (this.opts.token) all.authorization = `Bearer ${this.opts.token}`;
    if (!ep.fingerprint) return http.request({ host: ep.host, port: ep.port, method, path, headers: all, agent: false });
    const sock = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: ep.host, port: ep.port, rejectUnauthorized: false, servername: undefined });
      s.once('secureConnect', () => {
        if (s.getPeerCertificate().fingerprint256 !== ep.fingerprint) {
          s.destroy();
          reject(new Error(`the kubelet at ${ep.host}:${ep.port} presented a certificate that is not the one its node published`));
        } else resolve(s);
      });
      s.once('error', reject);
    }).catch((err: Error) => {
      throw kubeletError(ep, err);
    });
    return http.request({ method, path, headers: all, createConnection: () => sock });
  }
}

/** validateContainer: the named container, or the only one, or a 400 naming the choices. */
export function chooseContainer(pod: KObject, name: string): string {
  const names = (list: unknown) => (Array.isArray(list) ? list.map((c: JsonObject) => String(c.name)) : []);
  const containers = names(pod.spec?.containers);
  const inits = names(pod.spec?.initContainers);
  const ephemeral = names(pod.spec?.ephemeralContainers);
  const podName = pod.metadata.name;
  if (!name) {
    if (containers.length === 1) return containers[0];
    if (containers.length === 0) throw apiErr.badRequest(`a container name must be specified for pod ${podName}`);
    let msg = `a container name must be specified for pod ${podName}, choose one of: [${containers.join(' ')}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.join(' ')}]`;
    if (ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw apiErr.badRequest(msg);
  }
  if (![...containers, ...inits, ...ephemeral].includes(name)) throw apiErr.badRequest(`container ${name} is not valid for pod ${podName}`);
  return name;
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function isLocalAddress(ip: string): boolean {
  if (ip === '127.0.0.1' || ip === '::1') return true;
  return Object.values(os.networkInterfaces()).some((list) => (list ?? []).some((a) => a.address === ip));
}

function kubeletError(ep: Endpoint, err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `error dialing backend: ${msg} (kubelet at ${ep.host}:${ep.port})`);
}

function sendStatus(res: ServerResponse, e: ApiError): void {
  const body = JSON.stringify(e.toStatus());
  res.writeHead(e.code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
}
