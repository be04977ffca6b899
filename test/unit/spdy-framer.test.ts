import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { SPDY3_DICTIONARY } from '../../src/util/spdy/dictionary.js';
import { decodeHeaderBlock, encodeHeaderBlock, FLAG_FIN, type Frame, FrameCodec, FrameSplitter } from '../../src/util/spdy/frames.js';
import { SpdyConnection, type SpdyStream } from '../../src/util/spdy/connection.js';

test('the SPDY/3 dictionary: 1423 bytes, starting with the length-prefixed "options" and ending with "enq=0."', () => {
  assert.equal(SPDY3_DICTIONARY.length, 1423);
  assert.deepEqual([...SPDY3_DICTIONARY.subarray(0, 11)], [0, 0, 0, 7, 0x6f, 0x70, 0x74, 0x69, 0x6f, 0x6e, 0x73]);
  assert.equal(SPDY3_DICTIONARY.subarray(-6).toString('latin1'), 'enq=0.');
  // Checked against real kubectl (client-go's spdystream) in the e2e tests; pinned here.
  assert.equal(createHash('sha256').update(SPDY3_DICTIONARY).digest('hex'), DICT_SHA256);
});

const DICT_SHA256 = '51d27341373f923f3cd88e1eb7162aeaa3723d7585ff2399201dc06498407f02';

test('header blocks: encode/decode, lowercase names, repeated values joined by NUL', () => {
  const b = encodeHeaderBlock({ StreamType: 'stdout', port: '80' });
  assert.deepEqual(decodeHeaderBlock(b), { streamtype: 'stdout', port: '80' });
  assert.equal(b.readUInt32BE(0), 2);
  assert.throws(() => decodeHeaderBlock(b.subarray(0, 9)));
});

test('every frame type round-trips through one pair of compression contexts', async () => {
  const tx = new FrameCodec();
  const rx = new FrameCodec();
  const frames: Frame[] = [
    { type: 'syn_stream', streamId: 1, associatedId: 0, priority: 3, slot: 0, flags: 0, headers: { streamtype: 'error' } },
    { type: 'syn_stream', streamId: 3, associatedId: 1, priority: 0, slot: 0, flags: FLAG_FIN, headers: { streamtype: 'data', port: '8080', requestid: '0' } },
    { type: 'syn_reply', streamId: 1, flags: 0, headers: {} },
    { type: 'headers', streamId: 3, flags: FLAG_FIN, headers: { a: 'b\0c' } },
    { type: 'data', streamId: 5, flags: FLAG_FIN, data: Buffer.from('hello') },
    { type: 'data', streamId: 7, flags: 0, data: Buffer.alloc(0) },
    { type: 'rst_stream', streamId: 9, status: 5 },
    { type: 'settings', flags: 1, entries: [{ flags: 0, id: 7, value: 1 << 20 }, { flags: 1, id: 4, value: 100 }] },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goaway', lastGoodStreamId: 11, status: 0 },
    { type: 'window_update', streamId: 0, delta: 65536 },
  ];
  const bytes: Buffer[] = [];
  for (const f of frames) bytes.push(await tx.encode(f));
  const all = Buffer.concat(bytes);
  // Cut anywhere: the splitter reassembles whole frames.
  const splitter = new FrameSplitter();
  const raws = [...splitter.push(all.subarray(0, 13)), ...splitter.push(all.subarray(13, 100)), ...splitter.push(all.subarray(100))];
  assert.equal(splitter.pending, 0);
  const decoded: Frame[] = [];
  for (const r of raws) decoded.push(await rx.decode(r));
  assert.deepEqual(decoded, frames);
  // The control frame header: control bit, version 3, type.
  assert.deepEqual([...bytes[0].subarray(0, 4)], [0x80, 0x03, 0x00, 0x01]);
  tx.close();
  rx.close();
});

test('header blocks use one zlib stream primed with the dictionary (readable by a plain inflater)', async () => {
  const tx = new FrameCodec();
  const a = await tx.encode({ type: 'syn_reply', streamId: 1, flags: 0, headers: { 'x-stream-protocol-version': 'v4.channel.k8s.io' } });
  const b = await tx.encode({ type: 'syn_reply', streamId: 3, flags: 0, headers: { 'x-stream-protocol-version': 'v4.channel.k8s.io' } });
  // The zlib header announces a preset dictionary (FDICT) whose Adler-32 follows.
  const blockA = a.subarray(12);
  assert.equal(blockA[1] & 0x20, 0x20);
  const inflated = zlib.inflateSync(Buffer.concat([blockA, b.subarray(12)]), { dictionary: SPDY3_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const first = encodeHeaderBlock({ 'x-stream-protocol-version': 'v4.channel.k8s.io' });
  assert.deepEqual(inflated, Buffer.concat([first, first]));
  // The second block reuses the context: it is much smaller than the first.
  assert.ok(b.length < a.length, `${b.length} < ${a.length}`);
  tx.close();
});

function pair(opts: { enforce?: boolean } = {}): { client: SpdyConnection; server: SpdyConnection; wire: { c2s: number; s2c: number } } {
  const wire = { c2s: 0, s2c: 0 };
  const client: SpdyConnection = new SpdyConnection(
    {
      write: (d) => {
        wire.c2s += d.length;
        setImmediate(() => server.feed(d));
      },
      end: () => setImmediate(() => server.transportClosed()),
    },
    { server: false, enforceSendWindow: opts.enforce },
  );
  const server: SpdyConnection = new SpdyConnection(
    {
      write: (d) => {
        wire.s2c += d.length;
        setImmediate(() => client.feed(d));
      },
      end: () => setImmediate(() => client.transportClosed()),
    },
    { server: true, enforceSendWindow: opts.enforce },
  );
  return { client, server, wire };
}

const readAll = (s: NodeJS.ReadableStream) =>
  new Promise<Buffer>((resolve) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('end', () => resolve(Buffer.concat(parts)));
  });

test('streams: SYN_STREAM/SYN_REPLY, data both ways, FIN half-close, RST, PING', async () => {
  const { client, server } = pair();
  const got = new Promise<SpdyStream>((resolve) => server.on('stream', resolve));
  const cs = client.openStream({ streamtype: 'stdin' });
  assert.equal(cs.id, 1);
  const replied = new Promise((resolve) => cs.on('reply', resolve));
  const ss = await got;
  assert.equal(ss.id, 1);
  assert.deepEqual(ss.headers, { streamtype: 'stdin' });
  await ss.reply({});
  await replied;
  cs.end('to server');
  assert.equal((await readAll(ss)).toString(), 'to server');
  // The server's side is still open after the client's FIN.
  ss.end('to client');
  assert.equal((await readAll(cs)).toString(), 'to client');
  assert.equal(server.streams.size, 0, 'a stream closed both ways is forgotten');

  const cs2 = client.openStream({ streamtype: 'data' });
  const ss2 = await new Promise<SpdyStream>((resolve) => server.once('stream', resolve));
  assert.equal(cs2.id, 3);
  const reset = new Promise<number>((resolve) => cs2.on('reset', resolve));
  ss2.reset(5);
  assert.equal(await reset, 5);

  await client.ping();
  await server.ping();
  const closed = new Promise((resolve) => server.on('close', resolve));
  client.close();
  await closed;
});

test('flow control: the sender stops at the 64 KiB window until the reader consumes and WINDOW_UPDATE arrives', async () => {
  const { client, server, wire } = pair({ enforce: true });
  const got = new Promise<SpdyStream>((resolve) => server.on('stream', resolve));
  const cs = client.openStream({ streamtype: 'stdout' });
  const ss = await got;
  await ss.reply();
  const payload = Buffer.alloc(300 * 1024, 7);
  let written = false;
  cs.end(payload, () => (written = true));
  // Nobody reads on the server: the readable buffer fills, nothing is acknowledged.
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 1000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  };
  await until(() => wire.c2s >= 64 * 1024);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  assert.ok(wire.c2s < 64 * 1024 + 1024, `sent ${wire.c2s} bytes before any WINDOW_UPDATE`);
  assert.equal(cs.sendWindow, 0);
  assert.equal(written, false);
  // Reading releases the window step by step.
  const body = await readAll(ss);
  assert.equal(body.length, payload.length);
  assert.ok(body.equals(payload));
  await until(() => written);
  assert.equal(written, true);
  client.close();
});

test('flow control off (client-go peers): data flows without WINDOW_UPDATE', async () => {
  const { client, server } = pair({ enforce: false });
  const got = new Promise<SpdyStream>((resolve) => server.on('stream', resolve));
  const cs = client.openStream({ streamtype: 'stdout' });
  const ss = await got;
  await ss.reply();
  // Swallow the server's WINDOW_UPDATEs: the client must not care.
  (client as unknown as { handle: (f: Frame) => void }).handle = ((orig) => (f: Frame) => (f.type === 'window_update' ? undefined : orig(f)))(
    (client as unknown as { handle: (f: Frame) => void }).handle.bind(client),
  );
  const payload = Buffer.alloc(256 * 1024, 1);
  cs.end(payload);
  assert.equal((await readAll(ss)).length, payload.length);
  client.close();
});

test('SETTINGS_INITIAL_WINDOW_SIZE changes the windows of open streams', async () => {
  const { client, server } = pair({ enforce: true });
  const got = new Promise<SpdyStream>((resolve) => server.on('stream', resolve));
  const cs = client.openStream({});
  await got;
  const applied = new Promise<void>((resolve) => {
    const t = setInterval(() => {
      if (client.peerInitialWindow === 1024 * 1024) {
        clearInterval(t);
        resolve();
      }
    }, 1);
  });
  server.settings([{ id: 7, value: 1024 * 1024 }]);
  await applied;
  assert.equal(cs.sendWindow, 1024 * 1024);
  client.close();
});
