// The kubelet API: the small HTTPS server through which the API server reaches a node's pods, as
// kube-apiserver reaches kubelets on port 10250. Requests must carry the cluster's bearer token.
//   GET  /healthz
//   GET  /containerLogs/{namespace}/{pod}/{container}?follow&previous&tailLines&sinceSeconds&sinceTime&timestamps&limitBytes
//   GET  /exec/{namespace}/{pod}/{container}?command=...&stdin&stdout&stderr&tty   (WebSocket upgrade)
//   GET  /attach/{namespace}/{pod}/{container}?stdin&stdout&stderr&tty             (WebSocket upgrade)
//   POST (or GET) of both with `Upgrade: SPDY/3.1`                                 (SPDY upgrade)
//   POST /portForward/{namespace}/{pod}   `Upgrade: SPDY/3.1`, portforward.k8s.io
//   GET  /portForward/{namespace}/{pod}   WebSocket, subprotocol SPDY/3.1+portforward.k8s.io
// exec and attach speak v5.channel.k8s.io and v4.channel.k8s.io over WebSocket (kubectl 1.30+),
// and v4.channel.k8s.io over SPDY/3.1 (kubectl 1.27-1.29, and 1.30+ after a failed WebSocket
// attempt). port-forward is SPDY/3.1, on the raw connection (kubectl 1.27-1.30) or tunnelled in
// WebSocket binary messages (1.31+).

import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import net from 'node:net';
import { ApiError } from '../../api/errors.js';
import { SpdyConnection } from '../../util/spdy/connection.js';
import { RuntimeNotFoundError } from '../runtime/runtime.js';
import type { ContainerStreams } from '../container-streams.js';
import { serveLogs } from './log-handler.js';
import { serveRemoteCommand, SUPPORTED_PROTOCOLS } from './remote-command.js';
import type { ServingCert } from './serving-cert.js';
import {
  chooseSpdyProtocol,
  PORT_FORWARD_PROTOCOL,
  PORT_FORWARD_WEBSOCKET_PROTOCOL,
  type PortForwardTarget,
  servePortForward,
  serveSpdyRemoteCommand,
  socketTransport,
  SPDY_REMOTE_COMMAND_PROTOCOLS,
  SPDY_UPGRADE,
  webSocketTransport,
} from './spdy-streams.js';

const PF_WS_TOKEN = 'k8ts-spdy-portforward';

export interface KubeletServerOptions {
  host: string;
  /** 0 picks a free port (published in the Node's daemonEndpoints). */
  port: number;
  /** Bearer token callers must present; undefined accepts anyone (tests only). */
  token?: string;
  /** TLS identity; plain HTTP without it (tests only). */
  cert?: ServingCert;
}

function status(e: ApiError): string {
  return JSON.stringify(e.toStatus());
}

export class KubeletServer {
  private server?: http.Server | https.Server;
  private readonly wss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => SUPPORTED_PROTOCOLS.find((p) => offered.has(p)) ?? false });
  // "SPDY/3.1+portforward.k8s.io" is not an RFC 7230 token ('/' is a separator), which ws refuses
  // to parse: the request offers a stand-in token and the reply names the real subprotocol.
  private readonly pfWss = new WebSocketServer({ noServer: true, handleProtocols: (offered) => (offered.has(PF_WS_TOKEN) ? PORT_FORWARD_WEBSOCKET_PROTOCOL : false) });
  private readonly spdySockets = new Set<Socket>();

  constructor(
    private readonly streams: ContainerStreams,
    private readonly opts: KubeletServerOptions,
  ) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.opts.port;
  }

  async listen(): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res);
    const c = this.opts.cert;
    this.server = c ? https.createServer({ key: c.key, cert: c.cert }, handler) : http.createServer(handler);
    this.server.requestTimeout = 0; // log follows and exec sessions are long-lived
    this.server.on('upgrade', (req, socket, head) => void this.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => {
        this.server!.off('error', reject);
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    if (!s) return;
    for (const ws of this.wss.clients) ws.terminate();
    for (const ws of this.pfWss.clients) ws.terminate();
    for (const sock of this.spdySockets) sock.destroy();
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections?.();
    });
  }

  private authorized(req: IncomingMessage): boolean {
    const t = this.opts.token;
    if (t === undefined) return true;
    const h = req.headers.authorization;
    if (!h?.startsWith('Bearer ')) return false;
    const given = Buffer.from(h.slice(7).trim());
    const want = Buffer.from(t);
    return given.length === want.length && timingSafeEqual(given, want);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? '/', 'http://kubelet');
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return;
      }
      if (!this.authorized(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      if (parts[0] === 'containerLogs' && parts.length === 4 && req.method === 'GET') {
        return await serveLogs(this.streams, parts[1], parts[2], parts[3], url.searchParams, req, res);
      }
      if ((parts[0] === 'exec' || parts[0] === 'attach') && parts.length === 4) throw new ApiError(400, 'BadRequest', 'Upgrade request required');
      if (parts[0] === 'portForward' && parts.length === 3) throw new ApiError(400, 'BadRequest', 'Upgrade request required');
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    } catch (err) {
      const e = toApiError(err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(e.code, { 'Content-Type': 'application/json' }).end(status(e));
    }
  }

  private acceptSpdy(socket: Socket, head: Buffer, protocol: string): SpdyConnection {
    return acceptSpdyOn(socket, head, protocol, this.spdySockets);
  }

  private portForward(req: IncomingMessage, socket: Socket, head: Buffer, ns: string, pod: string, isWebSocket: boolean, isSpdy: boolean): void {
    const target: PortForwardTarget = this.streams.portForward(ns, pod);
    const dial = (host: string, port: number) =>
      new Promise<Socket>((resolve, reject) => {
        const s = net.connect({ host, port });
        s.once('connect', () => {
          s.off('error', reject);
          resolve(s);
        });
        s.once('error', reject);
      });
    if (isSpdy) {
      if (!chooseSpdyProtocol(req.headers['x-stream-protocol-version'], [PORT_FORWARD_PROTOCOL])) {
        throw new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(String(req.headers['x-stream-protocol-version'] ?? ''))}, server supports ["${PORT_FORWARD_PROTOCOL}"]`);
      }
      servePortForward(this.acceptSpdy(socket, head, PORT_FORWARD_PROTOCOL), target, dial);
      return;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    if (!isWebSocket || !offered.includes(PORT_FORWARD_WEBSOCKET_PROTOCOL)) {
      throw new ApiError(400, 'BadRequest', `port-forward needs a SPDY/3.1 upgrade or a WebSocket with subprotocol ${PORT_FORWARD_WEBSOCKET_PROTOCOL}`);
    }
    req.headers['sec-websocket-protocol'] = PF_WS_TOKEN;
    this.pfWss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new SpdyConnection(webSocketTransport(ws), { server: true, enforceSendWindow: false });
      ws.on('message', (d: Buffer, isBinary: boolean) => conn.feed(isBinary ? d : Buffer.from(d)));
      ws.on('close', () => conn.transportClosed());
      ws.on('error', () => undefined);
      servePortForward(conn, target, dial);
    });
  }

  private async upgrade(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    const fail = (e: ApiError) => {
      const body = status(e);
      socket.end(`HTTP/1.1 ${e.code} ${http.STATUS_CODES[e.code]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };
    socket.on('error', () => undefined);
    try {
      if (!this.authorized(req)) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const url = new URL(req.url ?? '/', 'http://kubelet');
      const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
      const kind = parts[0];
      const isWebSocket = String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
      const isSpdy = String(req.headers.upgrade ?? '').toLowerCase() === SPDY_UPGRADE.toLowerCase();
      if (kind === 'portForward' && parts.length === 3) return this.portForward(req, socket, head, parts[1], parts[2], isWebSocket, isSpdy);
      if ((kind !== 'exec' && kind !== 'attach') || parts.length !== 4) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      const [, ns, pod, container] = parts;
      const q = url.searchParams;
      const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
      const opts = { stdin: flag('stdin') || flag('input'), tty: flag('tty') };
      const cmd = q.getAll('command');
      if (kind === 'exec' && cmd.length === 0) throw new ApiError(400, 'BadRequest', 'you must specify at least 1 command');
      const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
      const protocol = isWebSocket ? SUPPORTED_PROTOCOLS.find((p) => protocols.includes(p)) : chooseSpdyProtocol(req.headers['x-stream-protocol-version'], SPDY_REMOTE_COMMAND_PROTOCOLS);
      const channels = { stdin: opts.stdin, stdout: q.get('stdout') !== 'false' && q.get('output') !== '0', stderr: !opts.tty && (flag('stderr') || flag('error')), cmd };
      // Validate the target first, so the client sees why it cannot exec whatever it speaks.
      const session = kind === 'exec' ? await this.streams.exec(ns, pod, container, cmd, opts) : await this.streams.attach(ns, pod, container, opts);
      if ((!isWebSocket && !isSpdy) || !protocol) {
        session.close();
        if (isWebSocket) throw new ApiError(400, 'BadRequest', `unsupported WebSocket subprotocols ${JSON.stringify(protocols)}: this node speaks ${SUPPORTED_PROTOCOLS.join(', ')}`);
        if (isSpdy) throw new ApiError(403, 'Forbidden', `unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(String(req.headers['x-stream-protocol-version'] ?? ''))}, server supports ${JSON.stringify(SPDY_REMOTE_COMMAND_PROTOCOLS)}`);
        throw new ApiError(400, 'BadRequest', `unsupported upgrade ${JSON.stringify(String(req.headers.upgrade ?? ''))}: use WebSocket or SPDY/3.1`);
      }
      if (isSpdy) {
        const conn = this.acceptSpdy(socket, head, protocol);
        serveSpdyRemoteCommand(conn, session, channels);
        return;
      }
      // A handshake that fails (ws answers it and drops the socket) must not leave the command running.
      let upgraded = false;
      socket.once('close', () => {
        if (!upgraded) session.close();
      });
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded = true;
        serveRemoteCommand(ws, session, { protocol, ...channels });
      });
    } catch (err) {
      fail(toApiError(err));
    }
  }
}

/** Answers a SPDY upgrade with 101 and starts the session on the socket. */
function acceptSpdyOn(socket: Socket, head: Buffer, protocol: string, track: Set<Socket>): SpdyConnection {
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${SPDY_UPGRADE}\r\nX-Stream-Protocol-Version: ${protocol}\r\n\r\n`);
  socket.setNoDelay(true);
  const conn = new SpdyConnection(socketTransport(socket), { server: true, enforceSendWindow: false });
  track.add(socket);
  socket.on('data', (d: Buffer) => conn.feed(d));
  socket.on('end', () => conn.transportClosed());
  socket.on('close', () => {
    track.delete(socket);
    conn.transportClosed();
  });
  if (head.length) conn.feed(head);
  return conn;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof RuntimeNotFoundError) return new ApiError(404, 'NotFound', err.message);
  return new ApiError(500, 'InternalError', err instanceof Error ? err.message : String(err));
}
