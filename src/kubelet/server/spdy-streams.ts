// exec, attach and port-forward over SPDY/3.1, as the kubelet serves them to kubectl 1.27-1.29
// (and to newer kubectl falling back from WebSocket, and to port-forward's WebSocket tunnel of
// SPDY frames, kubectl 1.31+).
//
// Remote command (v4.channel.k8s.io over SPDY): after the 101 the client opens one stream per
// channel, each with a `streamType` header: error, stdin, stdout, stderr, resize. The server
// answers each with SYN_REPLY, copies the command's output to stdout/stderr and half-closes them
// (FIN) when the output ends, then writes the Status JSON on the error stream (the same as the
// WebSocket error channel) and half-closes it; the client's FIN on stdin is the end of input;
// resize carries JSON {"Width","Height"} objects, one per line.
//
// Port-forward (portforward.k8s.io): per forwarded connection the client opens an `error` and a
// `data` stream, both with headers `port` and `requestID`. The kubelet dials the port in the pod's
// network and copies bytes both ways; a failed dial writes the reason on the error stream. Both
// streams are half-closed once the pod's connection is done.

import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import type { WebSocket } from 'ws';
import { type SpdyConnection, type SpdyStream, type SpdyTransport } from '../../util/spdy/connection.js';
import { RstStatus } from '../../util/spdy/frames.js';
import type { StreamSession } from '../runtime/runtime.js';
import { exitStatus } from './remote-command.js';

export const SPDY_UPGRADE = 'SPDY/3.1';
/** Remote command protocols served over SPDY, preferred first. v5 over SPDY only adds stdin close signalling, which SPDY's FIN already gives. */
export const SPDY_REMOTE_COMMAND_PROTOCOLS = ['v4.channel.k8s.io'];
export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of kubectl 1.31+ port-forward: SPDY frames inside binary messages. */
export const PORT_FORWARD_WEBSOCKET_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

const HIGH_WATER = 4 * 1024 * 1024;

/** A SPDY transport over an upgraded TCP (or TLS) socket. */
export function socketTransport(socket: Socket): SpdyTransport {
  return {
    write(d) {
      if (socket.destroyed || !socket.writable) return;
      if (socket.write(d)) return;
      return new Promise<void>((resolve) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    },
    end() {
      if (!socket.destroyed) socket.end();
    },
  };
}

/** A SPDY transport over a WebSocket whose binary messages carry the frames. */
export function webSocketTransport(ws: WebSocket): SpdyTransport {
  return {
    write(d) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount < HIGH_WATER) {
        ws.send(d);
        return;
      }
      return new Promise<void>((resolve) => ws.send(d, () => resolve()));
    },
    end() {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
}

/** Picks the remote command protocol from the X-Stream-Protocol-Version values offered. */
export function chooseSpdyProtocol(header: string | string[] | undefined, supported: string[]): string | undefined {
  const offered = (Array.isArray(header) ? header : [header ?? ''])
    .flatMap((h) => h.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  return supported.find((p) => offered.includes(p));
}

export interface SpdyCommandOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  cmd: string[];
}

type StreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';
const STREAM_TYPES = new Set<string>(['error', 'stdin', 'stdout', 'stderr', 'resize']);

/** Wires an exec/attach session to a SPDY session until the command ends or the client goes away. */
export function serveSpdyRemoteCommand(conn: SpdyConnection, session: StreamSession, o: SpdyCommandOptions): void {
  const streams = new Map<StreamType, SpdyStream>();
  const waiters = new Map<StreamType, ((s: SpdyStream | undefined) => void)[]>();
  let closed = false;
  const want = (t: StreamType): Promise<SpdyStream | undefined> =>
    streams.has(t) || closed ? Promise.resolve(streams.get(t)) : new Promise((resolve) => waiters.set(t, [...(waiters.get(t) ?? []), resolve]));

  conn.on('stream', (s) => {
    const type = s.headers.streamtype ?? '';
    if (!STREAM_TYPES.has(type) || streams.has(type as StreamType)) {
      s.reset(RstStatus.ProtocolError);
      return;
    }
    void s.reply({});
    const t = type as StreamType;
    streams.set(t, s);
    if (t === 'stdin') {
      if (o.stdin && session.stdin) s.pipe(session.stdin);
      else s.resume();
    } else if (t === 'resize') {
      let buf = '';
      s.on('data', (d: Buffer) => {
        buf += d.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          try {
            const size = JSON.parse(line) as { Width?: number; Height?: number };
            if (size.Width && size.Height) session.resize(size.Width, size.Height);
          } catch {
            /* a malformed resize is ignored, as upstream does */
          }
        }
      });
    } else s.resume(); // error, stdout, stderr: the client only half-closes them
    for (const w of waiters.get(t) ?? []) w(s);
    waiters.delete(t);
  });
  conn.on('close', () => {
    closed = true;
    for (const list of waiters.values()) for (const w of list) w(undefined);
    waiters.clear();
    session.stdin?.end();
    session.close();
  });

  const copy = async (src: NodeJS.ReadableStream | undefined, t: StreamType, wanted: boolean): Promise<void> => {
    if (!src) return;
    if (!wanted) {
      src.resume();
      return new Promise((resolve) => src.on('end', resolve).on('error', () => resolve()));
    }
    // Read at once (into a buffer that keeps backpressure): a child process's unread output is
    // discarded when it exits, and the client opens its streams one round trip after another.
    const held = new PassThrough();
    src.on('error', () => held.end());
    src.pipe(held);
    const dst = await want(t);
    if (!dst) {
      held.resume();
      return;
    }
    await new Promise<void>((resolve) => {
      dst.on('close', () => resolve());
      held.pipe(dst).on('finish', () => resolve());
    });
  };
  const outputs = Promise.all([copy(session.stdout, 'stdout', o.stdout), copy(session.stderr, 'stderr', o.stderr)]);
  void Promise.all([outputs, session.exit]).then(async ([, r]) => {
    if (closed) return;
    const err = await want('error');
    if (err && !closed) await new Promise<void>((resolve) => err.end(JSON.stringify(exitStatus(r.exitCode, o.cmd)), () => resolve()));
    conn.close();
  });
}

export interface PortForwardTarget {
  /** How the pod is named in errors (the sandbox id, as the CRI names it). */
  podId: string;
  /** The network namespace named in errors. */
  netns: string;
  /** The address dialled in the pod's network. */
  host: string;
}

/** Serves the streams of a port-forward session: one pod connection per error/data pair. */
export function servePortForward(conn: SpdyConnection, target: PortForwardTarget, dial: (host: string, port: number) => Promise<Socket>): void {
  const pairs = new Map<string, { error?: SpdyStream; data?: SpdyStream }>();
  const sockets = new Set<Socket>();
  conn.on('stream', (s) => {
    const type = s.headers.streamtype ?? '';
    const key = `${s.headers.requestid ?? ''}`;
    if (type !== 'error' && type !== 'data') {
      s.reset(RstStatus.ProtocolError);
      return;
    }
    void s.reply({});
    const pair = pairs.get(key) ?? {};
    if (pair[type]) {
      s.reset(RstStatus.ProtocolError);
      return;
    }
    pair[type] = s;
    pairs.set(key, pair);
    if (pair.error && pair.data) {
      pairs.delete(key);
      void forward(pair.error, pair.data);
    }
  });
  conn.on('close', () => {
    for (const s of sockets) s.destroy();
  });

  const forward = async (error: SpdyStream, data: SpdyStream): Promise<void> => {
    error.resume(); // the client half-closes it at once
    const portHeader = data.headers.port ?? '';
    const port = Number(portHeader);
    const fail = (msg: string) => {
      data.resume();
      error.end(msg);
      data.end();
    };
    if (!/^\d+$/.test(portHeader) || port < 1 || port > 65535) return fail(`invalid port header value "${portHeader}"`);
    let sock: Socket;
    try {
      sock = await dial(target.host, port);
    } catch (e) {
      return fail(`error forwarding port ${port} to pod ${target.podId}, uid : failed to execute portforward in network namespace "${target.netns}": ${dialError(e, target.host, port)}`);
    }
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => {
      sockets.delete(sock);
      if (!data.destroyed) data.end();
      if (!error.destroyed) error.end();
    });
    data.on('reset', () => sock.destroy());
    data.pipe(sock);
    sock.pipe(data);
  };
}

const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  ECONNRESET: 'connection reset by peer',
  EADDRNOTAVAIL: 'cannot assign requested address',
};

/** A dial error in Go's words (`dial tcp4 127.0.0.1:80: connect: connection refused`). */
export function dialError(e: unknown, host: string, port: number): string {
  const err = e as NodeJS.ErrnoException;
  const text = (err.code && ERRNO_TEXT[err.code]) ?? err.message ?? String(e);
  return `dial tcp4 ${host}:${port}: connect: ${text}`;
}
