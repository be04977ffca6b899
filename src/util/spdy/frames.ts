// SPDY/3.1 frame layout (SPDY Protocol draft 3.1, section 2.2). Every frame has an 8-byte header:
//   control frames: 1 bit set, 15 bits version (3), 16 bits type, 8 bits flags, 24 bits length
//   data frames:    1 bit clear, 31 bits stream id, 8 bits flags, 24 bits length
// then `length` bytes of payload. Header blocks (SYN_STREAM, SYN_REPLY, HEADERS) are a count of
// name/value pairs, each name and value prefixed by a 32-bit length, compressed with zlib primed
// with the SPDY/3 dictionary; one compression context per direction spans the whole connection,
// so header blocks must be compressed and decompressed strictly in frame order (HeaderCodec).

import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.js';

export const SPDY_VERSION = 3;

export const FrameType = {
  SynStream: 1,
  SynReply: 2,
  RstStream: 3,
  Settings: 4,
  Ping: 6,
  GoAway: 7,
  Headers: 8,
  WindowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;
export const FLAG_SETTINGS_CLEAR = 0x01;

/** RST_STREAM status codes. */
export const RstStatus = {
  ProtocolError: 1,
  InvalidStream: 2,
  RefusedStream: 3,
  UnsupportedVersion: 4,
  Cancel: 5,
  InternalError: 6,
  FlowControlError: 7,
  StreamInUse: 8,
  StreamAlreadyClosed: 9,
  FrameTooLarge: 11,
} as const;

/** SETTINGS ids. */
export const Setting = {
  MaxConcurrentStreams: 4,
  InitialWindowSize: 7,
} as const;

/** Default per-stream and per-connection flow-control window (64 KiB). */
export const DEFAULT_WINDOW = 65536;
export const MAX_FRAME_LENGTH = 0xffffff;

/** Header names are lowercase; several values of one name are joined with NUL. */
export type SpdyHeaders = Record<string, string>;

export type Frame =
  | { type: 'data'; streamId: number; flags: number; data: Buffer }
  | { type: 'syn_stream'; streamId: number; associatedId: number; priority: number; slot: number; flags: number; headers: SpdyHeaders }
  | { type: 'syn_reply'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'headers'; streamId: number; flags: number; headers: SpdyHeaders }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; flags: number; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  | { type: 'unknown'; frameType: number; flags: number; payload: Buffer };

/** One frame as cut from the byte stream, its header block still compressed. */
export interface RawFrame {
  control: boolean;
  /** Control: the frame type; data: the stream id. */
  typeOrStream: number;
  version: number;
  flags: number;
  payload: Buffer;
}

export class SpdyProtocolError extends Error {}

/** Cuts a byte stream into frames; feed it chunks in order. */
export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RawFrame[] = [];
    let off = 0;
    while (this.buf.length - off >= 8) {
      const w0 = this.buf.readUInt32BE(off);
      const flags = this.buf[off + 4];
      const len = this.buf.readUIntBE(off + 5, 3);
      if (this.buf.length - off < 8 + len) break;
      const payload = this.buf.subarray(off + 8, off + 8 + len);
      const control = (w0 & 0x80000000) !== 0;
      out.push(control ? { control, version: (w0 >>> 16) & 0x7fff, typeOrStream: w0 & 0xffff, flags, payload } : { control, version: SPDY_VERSION, typeOrStream: w0 & 0x7fffffff, flags, payload });
      off += 8 + len;
    }
    this.buf = off === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
    return out;
  }

  /** Bytes of an incomplete frame held back. */
  get pending(): number {
    return this.buf.length;
  }
}

/** A zlib stream used as one long-lived context: each call compresses or inflates one block, sync-flushed. */
class ZContext {
  private chain: Promise<unknown> = Promise.resolve();
  private chunks: Buffer[] = [];
  private error?: Error;

  constructor(private readonly z: zlib.Deflate | zlib.Inflate) {
    z.on('data', (d: Buffer) => this.chunks.push(d));
    z.on('error', (e: Error) => (this.error = e));
  }

  run(input: Buffer): Promise<Buffer> {
    const p = this.chain.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.error) return reject(this.error);
          this.chunks = [];
          if (input.length) this.z.write(input);
          this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            // Output pushed on a later tick is emitted before setImmediate runs.
            setImmediate(() => {
              if (this.error) return reject(this.error);
              const out = Buffer.concat(this.chunks);
              this.chunks = [];
              resolve(out);
            });
          });
        }),
    );
    this.chain = p.catch(() => undefined);
    return p;
  }

  close(): void {
    this.z.close();
  }
}

/** Encodes a name/value block (uncompressed). */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, value] of entries) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(value, 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Decodes a name/value block (uncompressed); repeated names are joined with NUL. */
export function decodeHeaderBlock(b: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = {};
  if (b.length < 4) throw new SpdyProtocolError('header block too short');
  const count = b.readUInt32BE(0);
  let off = 4;
  const take = (): string => {
    if (off + 4 > b.length) throw new SpdyProtocolError('truncated header block');
    const len = b.readUInt32BE(off);
    off += 4;
    if (off + len > b.length) throw new SpdyProtocolError('truncated header block');
    const s = b.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take().toLowerCase();
    const value = take();
    headers[name] = name in headers ? `${headers[name]}\0${value}` : value;
  }
  return headers;
}

/** The two compression contexts of one endpoint, and frame (de)serialisation. */
export class FrameCodec {
  private readonly deflate = new ZContext(zlib.createDeflate({ dictionary: SPDY3_DICTIONARY, level: zlib.constants.Z_DEFAULT_COMPRESSION }));
  private readonly inflate = new ZContext(zlib.createInflate({ dictionary: SPDY3_DICTIONARY }));

  /** Serialises a frame; header blocks go through the outgoing compression context, so call in send order. */
  async encode(f: Frame): Promise<Buffer> {
    switch (f.type) {
      case 'data':
        if (f.data.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError('data frame too large');
        return Buffer.concat([u32(f.streamId & 0x7fffffff), flagsLen(f.flags, f.data.length), f.data]);
      case 'syn_stream': {
        const block = await this.deflate.run(encodeHeaderBlock(f.headers));
        const fixed = Buffer.alloc(10);
        fixed.writeUInt32BE(f.streamId & 0x7fffffff, 0);
        fixed.writeUInt32BE(f.associatedId & 0x7fffffff, 4);
        fixed[8] = (f.priority & 0x7) << 5;
        fixed[9] = f.slot & 0xff;
        return control(FrameType.SynStream, f.flags, Buffer.concat([fixed, block]));
      }
      case 'syn_reply':
      case 'headers': {
        const block = await this.deflate.run(encodeHeaderBlock(f.headers));
        return control(f.type === 'syn_reply' ? FrameType.SynReply : FrameType.Headers, f.flags, Buffer.concat([u32(f.streamId & 0x7fffffff), block]));
      }
      case 'rst_stream':
        return control(FrameType.RstStream, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.status)]));
      case 'settings': {
        const parts = [u32(f.entries.length)];
        for (const e of f.entries) {
          const b = Buffer.alloc(8);
          b[0] = e.flags & 0xff;
          b.writeUIntBE(e.id & 0xffffff, 1, 3);
          b.writeUInt32BE(e.value >>> 0, 4);
          parts.push(b);
        }
        return control(FrameType.Settings, f.flags, Buffer.concat(parts));
      }
      case 'ping':
        return control(FrameType.Ping, 0, u32(f.id >>> 0));
      case 'goaway':
        return control(FrameType.GoAway, 0, Buffer.concat([u32(f.lastGoodStreamId & 0x7fffffff), u32(f.status)]));
      case 'window_update':
        return control(FrameType.WindowUpdate, 0, Buffer.concat([u32(f.streamId & 0x7fffffff), u32(f.delta & 0x7fffffff)]));
      case 'unknown':
        return control(f.frameType, f.flags, f.payload);
    }
  }

  /** Parses a raw frame; header blocks go through the incoming decompression context, so call in receive order. */
  async decode(r: RawFrame): Promise<Frame> {
    const p = r.payload;
    if (!r.control) return { type: 'data', streamId: r.typeOrStream, flags: r.flags, data: p };
    if (r.version !== SPDY_VERSION) throw new SpdyProtocolError(`unsupported SPDY version ${r.version}`);
    const need = (n: number) => {
      if (p.length < n) throw new SpdyProtocolError(`control frame type ${r.typeOrStream} too short`);
    };
    switch (r.typeOrStream) {
      case FrameType.SynStream: {
        need(10);
        const headers = decodeHeaderBlock(await this.inflate.run(p.subarray(10)));
        return { type: 'syn_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, associatedId: p.readUInt32BE(4) & 0x7fffffff, priority: p[8] >> 5, slot: p[9], flags: r.flags, headers };
      }
      case FrameType.SynReply:
      case FrameType.Headers: {
        need(4);
        const headers = decodeHeaderBlock(await this.inflate.run(p.subarray(4)));
        const streamId = p.readUInt32BE(0) & 0x7fffffff;
        return r.typeOrStream === FrameType.SynReply ? { type: 'syn_reply', streamId, flags: r.flags, headers } : { type: 'headers', streamId, flags: r.flags, headers };
      }
      case FrameType.RstStream:
        need(8);
        return { type: 'rst_stream', streamId: p.readUInt32BE(0) & 0x7fffffff, status: p.readUInt32BE(4) };
      case FrameType.Settings: {
        need(4);
        const n = p.readUInt32BE(0);
        need(4 + n * 8);
        const entries = [];
        for (let i = 0; i < n; i++) {
          const o = 4 + i * 8;
          entries.push({ flags: p[o], id: p.readUIntBE(o + 1, 3), value: p.readUInt32BE(o + 4) });
        }
        return { type: 'settings', flags: r.flags, entries };
      }
      case FrameType.Ping:
        need(4);
        return { type: 'ping', id: p.readUInt32BE(0) };
      case FrameType.GoAway:
        need(4);
        return { type: 'goaway', lastGoodStreamId: p.readUInt32BE(0) & 0x7fffffff, status: p.length >= 8 ? p.readUInt32BE(4) : 0 };
      case FrameType.WindowUpdate:
        need(8);
        return { type: 'window_update', streamId: p.readUInt32BE(0) & 0x7fffffff, delta: p.readUInt32BE(4) & 0x7fffffff };
      default:
        return { type: 'unknown', frameType: r.typeOrStream, flags: r.flags, payload: p };
    }
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function flagsLen(flags: number, len: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = flags & 0xff;
  b.writeUIntBE(len, 1, 3);
  return b;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  if (payload.length > MAX_FRAME_LENGTH) throw new SpdyProtocolError('control frame too large');
  const h = Buffer.alloc(4);
  h.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  h.writeUInt16BE(type, 2);
  return Buffer.concat([h, flagsLen(flags, payload.length), payload]);
}
