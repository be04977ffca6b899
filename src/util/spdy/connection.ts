// A SPDY/3.1 session over any byte transport (a TCP socket after an HTTP upgrade, or the binary
// messages of a WebSocket): streams are Node Duplexes. Semantics (draft 3.1):
// - Stream ids: the client opens odd ids, the server even ones; every SYN_STREAM is answered with
//   SYN_REPLY before the opener's data is accepted by some peers, so `reply()` early.
// - FIN on a DATA/SYN/SYN_REPLY/HEADERS frame half-closes the sender's side: ending a stream's
//   writable side sends an empty DATA frame with FIN; a FIN from the peer ends the readable side.
//   RST_STREAM aborts both sides.
// - Flow control: each stream has a send window (initially the peer's SETTINGS_INITIAL_WINDOW_SIZE,
//   64 KiB by default) and the session has one (64 KiB, grown only by WINDOW_UPDATE on stream 0).
//   Data is sent only within both windows; received data is acknowledged with WINDOW_UPDATE for the
//   stream and the session once the stream's reader has taken it.
//   `enforceSendWindow: false` sends regardless of the windows (still tracking them): client-go's
//   SPDY library (moby/spdystream) neither sends WINDOW_UPDATE nor checks windows, so a peer that
//   is kubectl would otherwise stall after the first 64 KiB.
// - PING with an id of the peer's parity is echoed; GOAWAY stops new streams.
// Frames leave in the order they were queued (one outgoing compression context), and incoming
// frames are handled strictly in order (one incoming decompression context).

import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { DEFAULT_WINDOW, FLAG_FIN, FLAG_UNIDIRECTIONAL, type Frame, FrameCodec, FrameSplitter, type RawFrame, RstStatus, Setting, type SpdyHeaders } from './frames.js';

export interface SpdyTransport {
  /** Sends bytes; a returned promise delays later frames until it settles (backpressure). */
  write(data: Buffer): void | Promise<void>;
  /** Ends the transport once everything queued was written. */
  end(): void;
}

export interface SpdyConnectionOptions {
  /** The server side opens even stream ids and answers odd pings. */
  server: boolean;
  /** Hold data beyond the peer's windows until WINDOW_UPDATE (default true). */
  enforceSendWindow?: boolean;
  /** Largest DATA frame sent (default 32 KiB). */
  maxDataFrame?: number;
}

export declare interface SpdyConnection {
  on(event: 'stream', listener: (s: SpdyStream) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'error', listener: (e: Error) => void): this;
  on(event: 'goaway', listener: (lastGoodStreamId: number, status: number) => void): this;
  on(event: 'ping', listener: (id: number) => void): this;
  on(event: 'protocolError', listener: (e: Error) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export class SpdyConnection extends EventEmitter {
  readonly streams = new Map<number, SpdyStream>();
  private readonly codec = new FrameCodec();
  private readonly splitter = new FrameSplitter();
  private inChain: Promise<void> = Promise.resolve();
  private outChain: Promise<void> = Promise.resolve();
  private nextStreamId: number;
  private nextPingId: number;
  private lastPeerStreamId = 0;
  private closed = false;
  goneAway = false;
  readonly enforceSendWindow: boolean;
  readonly maxDataFrame: number;
  /** The peer's initial stream window (SETTINGS_INITIAL_WINDOW_SIZE). */
  peerInitialWindow = DEFAULT_WINDOW;
  /** Session-level window for what we send. */
  sendWindow = DEFAULT_WINDOW;
  /** Session-level bytes received and not yet acknowledged. */
  private recvUnacked = 0;
  private readonly pings = new Map<number, () => void>();

  constructor(
    private readonly transport: SpdyTransport,
    opts: SpdyConnectionOptions,
  ) {
    super();
    this.nextStreamId = opts.server ? 2 : 1;
    this.nextPingId = opts.server ? 2 : 1;
    this.enforceSendWindow = opts.enforceSendWindow ?? true;
    this.maxDataFrame = opts.maxDataFrame ?? 32 * 1024;
  }

  /** Bytes from the transport, in order. */
  feed(chunk: Buffer): void {
    if (this.closed) return;
    let raws: RawFrame[];
    try {
      raws = this.splitter.push(chunk);
    } catch (e) {
      return this.fail(e as Error);
    }
    for (const raw of raws) {
      this.inChain = this.inChain.then(async () => {
        if (this.closed) return;
        try {
          this.handle(await this.codec.decode(raw));
        } catch (e) {
          this.fail(e as Error);
        }
      });
    }
  }

  /** The transport ended or broke: every stream ends. */
  transportClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) s.abort();
    this.streams.clear();
    for (const done of this.pings.values()) done();
    this.codec.close();
    this.emit('close');
  }

  /** Opens a stream (client or server initiated). */
  openStream(headers: SpdyHeaders, opts: { fin?: boolean; priority?: number } = {}): SpdyStream {
    if (this.goneAway || this.closed) throw new Error('the SPDY session is closing');
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const s = new SpdyStream(this, id, headers, true);
    this.streams.set(id, s);
    this.send({ type: 'syn_stream', streamId: id, associatedId: 0, priority: opts.priority ?? 0, slot: 0, flags: opts.fin ? FLAG_FIN : 0, headers });
    if (opts.fin) s.localFinished();
    return s;
  }

  /** Round trip of a PING. */
  ping(): Promise<void> {
    const id = this.nextPingId;
    this.nextPingId += 2;
    return new Promise((resolve) => {
      this.pings.set(id, resolve);
      this.send({ type: 'ping', id });
    });
  }

  settings(entries: { id: number; value: number }[]): void {
    this.send({ type: 'settings', flags: 0, entries: entries.map((e) => ({ flags: 0, ...e })) });
  }

  /** GOAWAY, then the transport ends once queued frames are out. */
  close(status = 0): void {
    if (!this.goneAway && !this.closed) {
      this.goneAway = true;
      this.send({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status });
    }
    void this.flushed().then(() => this.transport.end());
  }

  /** Resolves once every frame queued so far was handed to the transport. */
  flushed(): Promise<void> {
    return this.outChain;
  }

  /** @internal Queues a frame (in order). */
  send(f: Frame): Promise<void> {
    const p = this.outChain.then(async () => {
      if (this.closed) return;
      const bytes = await this.codec.encode(f);
      await this.transport.write(bytes);
    });
    this.outChain = p.catch((e: Error) => this.fail(e));
    return this.outChain;
  }

  /** @internal */
  removeStream(s: SpdyStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
  }

  /** @internal A stream's reader took `n` bytes: acknowledge them on the session. */
  consumed(n: number): void {
    this.recvUnacked += n;
    if (this.recvUnacked >= DEFAULT_WINDOW / 2) {
      const delta = this.recvUnacked;
      this.recvUnacked = 0;
      this.send({ type: 'window_update', streamId: 0, delta });
    }
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.emit('protocolError', e);
    if (!this.goneAway) {
      this.goneAway = true;
      this.send({ type: 'goaway', lastGoodStreamId: this.lastPeerStreamId, status: 1 });
    }
    void this.flushed().then(() => {
      this.transport.end();
      this.transportClosed();
    });
  }

  private handle(f: Frame): void {
    switch (f.type) {
      case 'syn_stream': {
        const peerParity = this.nextStreamId % 2 === 0 ? 1 : 0;
        if (f.streamId % 2 !== peerParity || f.streamId <= this.lastPeerStreamId) {
          this.send({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.ProtocolError });
          return;
        }
        this.lastPeerStreamId = f.streamId;
        if (this.goneAway) {
          this.send({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.RefusedStream });
          return;
        }
        const s = new SpdyStream(this, f.streamId, f.headers, false);
        this.streams.set(f.streamId, s);
        if (f.flags & FLAG_FIN) s.remoteFinished();
        if (f.flags & FLAG_UNIDIRECTIONAL) s.localFinished();
        this.emit('stream', s);
        return;
      }
      case 'syn_reply': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.gotReply(f.headers);
        if (f.flags & FLAG_FIN) s.remoteFinished();
        return;
      }
      case 'headers': {
        const s = this.streams.get(f.streamId);
        if (!s) return;
        s.emit('headers', f.headers);
        if (f.flags & FLAG_FIN) s.remoteFinished();
        return;
      }
      case 'data': {
        const s = this.streams.get(f.streamId);
        if (!s) {
          // Unknown or finished stream: the bytes still count against the session window.
          this.consumed(f.data.length);
          if (f.streamId !== 0 && !(f.flags & FLAG_FIN)) this.send({ type: 'rst_stream', streamId: f.streamId, status: RstStatus.InvalidStream });
          return;
        }
        s.gotData(f.data, (f.flags & FLAG_FIN) !== 0);
        return;
      }
      case 'rst_stream': {
        const s = this.streams.get(f.streamId);
        if (s) s.gotReset(f.status);
        return;
      }
      case 'settings':
        for (const e of f.entries) {
          if (e.id === Setting.InitialWindowSize) {
            const delta = e.value - this.peerInitialWindow;
            this.peerInitialWindow = e.value;
            for (const s of this.streams.values()) s.growSendWindow(delta);
          }
        }
        return;
      case 'ping': {
        const mine = f.id % 2 === this.nextPingId % 2;
        if (!mine) {
          this.send({ type: 'ping', id: f.id });
          this.emit('ping', f.id);
        } else {
          const done = this.pings.get(f.id);
          this.pings.delete(f.id);
          done?.();
        }
        return;
      }
      case 'goaway':
        this.goneAway = true;
        this.emit('goaway', f.lastGoodStreamId, f.status);
        return;
      case 'window_update':
        if (f.streamId === 0) {
          this.sendWindow += f.delta;
          for (const s of this.streams.values()) s.kick();
        } else this.streams.get(f.streamId)?.growSendWindow(f.delta);
        return;
      case 'unknown':
        return;
    }
  }
}

export declare interface SpdyStream {
  on(event: 'reply', listener: (headers: SpdyHeaders) => void): this;
  on(event: 'headers', listener: (headers: SpdyHeaders) => void): this;
  on(event: 'reset', listener: (status: number) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** One SPDY stream: readable = what the peer sends, writable = what we send. */
export class SpdyStream extends Duplex {
  replied = false;
  replyHeaders?: SpdyHeaders;
  private remoteDone = false;
  private localDone = false;
  private wasReset = false;
  /** How much more we may send on this stream. */
  sendWindow: number;
  /** Bytes received and not yet acknowledged to the peer. */
  private recvUnacked = 0;
  /** A write held back by the send windows. */
  private waiting: { chunk: Buffer; cb: (e?: Error | null) => void } | undefined;

  constructor(
    private readonly conn: SpdyConnection,
    readonly id: number,
    /** The headers it was opened with. */
    readonly headers: SpdyHeaders,
    readonly local: boolean,
  ) {
    super({ allowHalfOpen: true });
    this.sendWindow = conn.peerInitialWindow;
    this.on('error', () => undefined);
  }

  /** Answers a stream the peer opened. */
  reply(headers: SpdyHeaders = {}, fin = false): Promise<void> {
    this.replied = true;
    const p = this.conn.send({ type: 'syn_reply', streamId: this.id, flags: fin ? FLAG_FIN : 0, headers });
    if (fin) this.localFinished();
    return p;
  }

  /** Sends a HEADERS frame. */
  sendHeaders(headers: SpdyHeaders, fin = false): Promise<void> {
    return this.conn.send({ type: 'headers', streamId: this.id, flags: fin ? FLAG_FIN : 0, headers });
  }

  /** Aborts the stream both ways (RST_STREAM). */
  reset(status: number = RstStatus.Cancel): void {
    if (this.wasReset) return;
    this.wasReset = true;
    void this.conn.send({ type: 'rst_stream', streamId: this.id, status });
    this.finish();
  }

  // --- Readable side -------------------------------------------------------------------------

  override _read(): void {
    this.ack();
  }

  /** @internal */
  gotData(data: Buffer, fin: boolean): void {
    if (this.remoteDone) {
      this.conn.consumed(data.length);
      if (!this.wasReset) this.reset(RstStatus.StreamAlreadyClosed);
      return;
    }
    if (data.length) {
      this.recvUnacked += data.length;
      if (this.push(data)) this.ack();
    }
    if (fin) this.remoteFinished();
  }

  /** The reader took what was pushed: give the window back (stream and session). */
  private ack(): void {
    if (this.recvUnacked === 0) return;
    const n = this.recvUnacked;
    this.recvUnacked = 0;
    this.conn.consumed(n);
    if (!this.remoteDone && !this.wasReset) void this.conn.send({ type: 'window_update', streamId: this.id, delta: n });
  }

  /** @internal The peer half-closed. */
  remoteFinished(): void {
    if (this.remoteDone) return;
    this.remoteDone = true;
    this.push(null);
    this.maybeDone();
  }

  /** @internal */
  gotReply(headers: SpdyHeaders): void {
    if (this.replied) return;
    this.replied = true;
    this.replyHeaders = headers;
    this.emit('reply', headers);
  }

  /** @internal */
  gotReset(status: number): void {
    if (this.wasReset) return;
    this.wasReset = true;
    this.emit('reset', status);
    this.finish();
  }

  /** @internal The session went away. */
  abort(): void {
    this.wasReset = true;
    this.finish();
  }

  private finish(): void {
    this.remoteDone = true;
    this.localDone = true;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = undefined;
      w.cb();
    }
    this.conn.removeStream(this);
    this.push(null);
    this.destroy();
  }

  // --- Writable side -------------------------------------------------------------------------

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.localDone || this.wasReset) return cb(new Error('write on a closed SPDY stream'));
    this.waiting = { chunk, cb };
    this.kick();
  }

  /** @internal The window grew (or the session's did): send what waits. */
  growSendWindow(delta: number): void {
    this.sendWindow += delta;
    this.kick();
  }

  /** @internal */
  kick(): void {
    const w = this.waiting;
    if (!w) return;
    let chunk = w.chunk;
    let last: Promise<void> | undefined;
    while (chunk.length > 0) {
      let n = Math.min(chunk.length, this.conn.maxDataFrame);
      if (this.conn.enforceSendWindow) n = Math.min(n, this.sendWindow, this.conn.sendWindow);
      if (n <= 0) break;
      this.sendWindow -= n;
      this.conn.sendWindow -= n;
      last = this.conn.send({ type: 'data', streamId: this.id, flags: 0, data: chunk.subarray(0, n) });
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) {
      w.chunk = chunk; // wait for WINDOW_UPDATE
      return;
    }
    this.waiting = undefined;
    if (last) void last.then(() => w.cb(), (e: Error) => w.cb(e));
    else w.cb();
  }

  override _final(cb: (e?: Error | null) => void): void {
    if (this.localDone || this.wasReset) return cb();
    void this.conn.send({ type: 'data', streamId: this.id, flags: FLAG_FIN, data: Buffer.alloc(0) }).then(() => cb(), cb);
    this.localFinished();
  }

  /** @internal */
  localFinished(): void {
    this.localDone = true;
    this.maybeDone();
  }

  private maybeDone(): void {
    if (this.localDone && this.remoteDone) this.conn.removeStream(this);
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.localDone && !this.remoteDone && !this.wasReset) {
      this.wasReset = true;
      void this.conn.send({ type: 'rst_stream', streamId: this.id, status: RstStatus.Cancel });
    }
    this.conn.removeStream(this);
    cb(err);
  }
}
