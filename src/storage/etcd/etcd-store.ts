// etcd Store: the state lives in an etcd v3 cluster, reached over gRPC with the `etcd3` package
// (its connection pool and raw KV/Watch clients only; watches are managed here).
//
// Keys: store key `/core/pods/ns/a` is etcd key `<prefix>/core/pods/ns/a`, prefix `/registry` by
// default as upstream (configurable, so several stores can share one etcd).
//
// Revisions ARE etcd's revisions: an entry's modRevision is the etcd kv's mod_revision, a write's
// revision is the txn response header's revision, a list's revision is the range header's. They
// stay strings on the wire and bigint here, never a JS number. etcd's revisions are cluster-wide,
// so with a shared etcd (other prefixes) they still strictly increase but may skip numbers, and a
// fresh etcd is at revision 1 while empty.
//
// Writes are single-key transactions, atomic on the etcd side:
//   create:  if create_revision(k) == 0 then put else range(k)              -> StoreKeyExistsError
//   update:  if mod_revision(k) == rev && version(k) > 0 then put(prev_kv) else range(k)
//   delete:  (if mod_revision(k) == rev && version(k) > 0 then) delete(prev_kv) else range(k)
// A failed compare writes nothing and takes no revision; the range in the failure branch tells
// "not found" from "conflict" (and the actual revision) in the same round trip. Writes to one key
// run in issue order (each waits for the previous one); writes to different keys are all in flight
// at once and etcd orders them, so their revisions need not follow issue order. Durability is
// etcd's: it answers only after its WAL is fsynced on a quorum.
//
// Watches: one etcd watch stream per Store watcher, from start_revision = fromRevision with
// prev_kv; the event AT fromRevision (if any) is dropped. Starting one revision early makes etcd
// itself enforce "fromRevision older than the compacted revision -> compacted" with exactly the
// contract's boundary (a watch from the compacted revision itself is fine). Event kinds: a put
// whose kv.version is 1 is a create, another put an update (prevValue from prev_kv), a delete
// carries the last value from prev_kv. A broken stream ends the watcher with onError (the watch
// cache re-lists), it is not silently resumed.
//
// Compaction: compact(rev) is etcd's physical compaction. etcd has no "what is compacted" call;
// the compacted revision is found when needed (oldestRevision, a compacted read) by a range at
// revision 1 (succeeds iff nothing is compacted) and else a watch from revision 1, which etcd
// cancels with compact_revision.

import etcd3 from 'etcd3';
import type * as RPC from 'etcd3';
import {
  StoreCompactedError,
  StoreConflictError,
  StoreKeyExistsError,
  StoreNotFoundError,
  type Entry,
  type ListOptions,
  type ListResult,
  type Store,
  type WatchEvent,
  type Watcher,
} from '../store.js';
import { AutoCompactor, DEFAULT_COMPACTION, type CompactionPolicy } from '../auto-compactor.js';
import { assertValidKey } from '../key-range.js';
import { asError, reportWatchError } from '../watch-hub.js';

export interface EtcdStoreOptions {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  servers: string[];
  /** Key prefix in etcd; default '/registry'. A trailing '/' is ignored. */
  prefix?: string;
  /** Automatic compaction (as for SQLite); default: check every minute, keep 10 000 revisions and 5 minutes. */
  compaction?: CompactionPolicy;
  /** How long connect() waits for etcd to answer; default 10 s. */
  connectTimeoutMs?: number;
  /** Deadline of each unary call; default 60 s. */
  callTimeoutMs?: number;
}

/** connect() found no etcd answering at the given URLs. */
export class EtcdUnreachableError extends Error {
  constructor(
    readonly servers: readonly string[],
    cause: unknown,
  ) {
    // gRPC's messages end in an empty "Resolution note: " for plain connection failures.
    const why = (cause instanceof Error ? cause.message : String(cause)).replace(/\s*Resolution note:\s*$/, '');
    super(`cannot reach etcd at ${servers.join(',')}: ${why}`, { cause });
  }
}

const COMPACTED = 'required revision has been compacted';
const FUTURE = 'required revision is a future revision';

export class EtcdStore implements Store {
  readonly backend = 'etcd';
  readonly prefix: string;
  readonly servers: readonly string[];

  private readonly client: RPC.Etcd3;
  private readonly prefixBuf: Buffer;
  private readonly rangeEnd: Buffer;
  /** A key inside our prefix that no store key can equal (store keys are non-empty). */
  private readonly probeKey: Buffer;
  private readonly callTimeoutMs: number;
  private readonly watchers = new Set<EtcdWatcher>();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Per key: settles when the last write issued for it has settled. */
  private readonly keyTails = new Map<string, Promise<void>>();
  private readonly compactor: AutoCompactor | undefined;
  private closing: Promise<void> | undefined;
  private closed = false;

  /** Opens a store and checks that etcd answers; fails with "cannot reach etcd at ..." otherwise. */
  static async connect(opts: EtcdStoreOptions): Promise<EtcdStore> {
    const store = new EtcdStore(opts);
    const timeoutMs = opts.connectTimeoutMs ?? 10_000;
    try {
      await store.client.kv.range({ key: store.probeKey, count_only: true }, { deadline: Date.now() + timeoutMs });
    } catch (err) {
      await store.close();
      throw new EtcdUnreachableError(opts.servers, err);
    }
    store.compactor?.start();
    return store;
  }

  private constructor(opts: EtcdStoreOptions) {
    if (opts.servers.length === 0) throw new TypeError('EtcdStore needs at least one server URL');
    this.servers = [...opts.servers];
    this.prefix = (opts.prefix ?? '/registry').replace(/\/+$/, '');
    this.prefixBuf = Buffer.from(this.prefix, 'utf8');
    this.rangeEnd = bufferPrefixEnd(Buffer.from(this.prefix + '/', 'utf8'));
    this.probeKey = Buffer.from(this.prefix, 'utf8');
    this.callTimeoutMs = opts.callTimeoutMs ?? 60_000;
    const options: RPC.IOptions = {
      hosts: [...this.servers],
      // Lists of many objects exceed gRPC's default 4 MiB message limit.
      grpcOptions: { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 },
    };
    this.client = new etcd3.Etcd3(options);
    const policy = opts.compaction ?? {};
    if ((policy.intervalMs ?? DEFAULT_COMPACTION.intervalMs) > 0) this.compactor = new AutoCompactor(this, policy);
  }

  // ---- reads ----

  async currentRevision(): Promise<bigint> {
    const res = await this.call(() => this.client.kv.range({ key: this.probeKey, count_only: true }, this.opts()));
    return BigInt(res.header.revision);
  }

  async oldestRevision(): Promise<bigint> {
    return (await this.compactedRevision()) + 1n;
  }

  async get(key: string): Promise<Entry | undefined> {
    const res = await this.call(() => this.client.kv.range({ key: this.k(key) }, this.opts()));
    return res.kvs.length > 0 ? this.entry(res.kvs[0]) : undefined;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const from = this.k(prefix);
    const end = this.rangeEndOf(prefix);
    let start = from;
    if (opts.startAfter !== undefined) {
      const after = Buffer.concat([this.k(opts.startAfter), Buffer.from([0])]);
      if (Buffer.compare(after, start) > 0) start = after;
    }
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const at = opts.revision;
    if (at !== undefined && at <= 0n) throw new RangeError(`invalid read revision ${at}`);
    if (Buffer.compare(start, end) >= 0) {
      return { items: [], revision: at ?? (await this.currentRevision()), more: false };
    }
    let res: RPC.IRangeResponse;
    try {
      res = await this.call(() =>
        this.client.kv.range(
          { key: start, range_end: end, limit: limit, revision: at === undefined ? 0 : at.toString() },
          this.opts(),
        ),
      );
    } catch (err) {
      throw await this.translateReadError(err, at);
    }
    return {
      items: res.kvs.map((kv) => this.entry(kv)),
      revision: at ?? BigInt(res.header.revision),
      more: res.more,
    };
  }

  // ---- writes ----

  create(key: string, value: string): Promise<Entry> {
    return this.write(key, async () => {
      assertValidKey(key);
      const k = this.k(key);
      const res = await this.client.kv.txn(
        {
          compare: [{ key: k, target: 'Create', result: 'Equal', create_revision: 0 }],
          success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8') } }],
          failure: [{ request_range: { key: k } }],
        },
        this.opts(),
      );
      if (!res.succeeded) throw new StoreKeyExistsError(key);
      const rev = BigInt(res.header.revision);
      return { key, value, modRevision: rev, createRevision: rev };
    });
  }

  update(key: string, value: string, expectedModRevision: bigint): Promise<Entry> {
    return this.write(key, async () => {
      const k = this.k(key);
      const res = await this.client.kv.txn(
        {
          compare: [
            { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision.toString() },
            { key: k, target: 'Version', result: 'Greater', version: 0 },
          ],
          success: [{ request_put: { key: k, value: Buffer.from(value, 'utf8'), prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        },
        this.opts(),
      );
      if (!res.succeeded) throw this.preconditionError(key, res);
      const prev = res.responses[0].response_put.prev_kv;
      const rev = BigInt(res.header.revision);
      // prev_kv is always there for a key that existed at the compare; fall back defensively.
      return { key, value, modRevision: rev, createRevision: prev ? BigInt(prev.create_revision) : rev };
    });
  }

  delete(key: string, expectedModRevision?: bigint): Promise<Entry> {
    return this.write(key, async () => {
      const k = this.k(key);
      const compare: RPC.ICompare[] =
        expectedModRevision === undefined
          ? [{ key: k, target: 'Version', result: 'Greater', version: 0 }]
          : [
              { key: k, target: 'Mod', result: 'Equal', mod_revision: expectedModRevision.toString() },
              { key: k, target: 'Version', result: 'Greater', version: 0 },
            ];
      const res = await this.client.kv.txn(
        {
          compare,
          success: [{ request_delete_range: { key: k, prev_kv: true } }],
          failure: [{ request_range: { key: k } }],
        },
        this.opts(),
      );
      if (!res.succeeded) throw this.preconditionError(key, res);
      const prev = res.responses[0].response_delete_range.prev_kvs[0];
      if (!prev) throw new StoreNotFoundError(key);
      return { key, value: prev.value.toString('utf8'), modRevision: BigInt(res.header.revision), createRevision: BigInt(prev.create_revision) };
    });
  }

  // ---- watch ----

  watch(prefix: string, fromRevision: bigint, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher {
    const w = new EtcdWatcher(this, prefix, fromRevision, onEvent, onError, (x) => this.watchers.delete(x));
    if (this.closed) {
      queueMicrotask(() => w.fail(new Error('store closed')));
      return w;
    }
    this.watchers.add(w);
    w.open(this.client.watchClient, this.k(prefix), this.rangeEndOf(prefix));
    return w;
  }

  /** Turns an etcd event into a store event; undefined for keys outside this store's prefix. */
  toEvent(ev: RPC.IEvent): WatchEvent | undefined {
    const key = this.unk(ev.kv.key);
    if (key === undefined) return undefined;
    const revision = BigInt(ev.kv.mod_revision);
    const prevValue = ev.prev_kv ? ev.prev_kv.value.toString('utf8') : undefined;
    if (ev.type === 'Delete') return { type: 'delete', key, value: prevValue ?? '', prevValue: prevValue ?? '', revision };
    const value = ev.kv.value.toString('utf8');
    if (ev.kv.version === '1') return { type: 'create', key, value, revision };
    return { type: 'update', key, value, prevValue, revision };
  }

  // ---- compaction ----

  async compact(revision: bigint): Promise<void> {
    await this.call(async () => {
      try {
        await this.client.kv.compact({ revision: revision.toString(), physical: true }, this.opts());
      } catch (err) {
        const msg = asError(err).message;
        if (msg.includes(FUTURE)) throw new RangeError(`cannot compact to future revision ${revision}`);
        // Already compacted at or past it: nothing to do.
        if (msg.includes(COMPACTED)) return;
        throw err;
      }
    });
  }

  /** etcd's compacted revision (0 when nothing is compacted). */
  async compactedRevision(): Promise<bigint> {
    return this.call(async () => {
      try {
        await this.client.kv.range({ key: this.probeKey, count_only: true, revision: 1 }, this.opts());
        return 0n;
      } catch (err) {
        if (!asError(err).message.includes(COMPACTED)) throw err;
      }
      return this.probeCompactedByWatch();
    });
  }

  private async probeCompactedByWatch(): Promise<bigint> {
    const stream = await this.client.watchClient.watch();
    try {
      return await new Promise<bigint>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('etcd did not report its compacted revision in time')), this.callTimeoutMs);
        const done = (fn: () => void) => {
          clearTimeout(timer);
          fn();
        };
        stream.on('data', (res) => {
          if (res.compact_revision && res.compact_revision !== '0') done(() => resolve(BigInt(res.compact_revision)));
          else if (res.canceled) done(() => reject(new Error(`etcd canceled the compaction probe: ${res.cancel_reason}`)));
        });
        stream.on('error', (err) => done(() => reject(err)));
        stream.on('end', () => done(() => reject(new Error('etcd ended the compaction probe'))));
        stream.write({ create_request: { key: this.probeKey, start_revision: 1 } });
      });
    } finally {
      stream.cancel();
    }
  }

  // ---- lifecycle ----

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.closed = true;
      await this.compactor?.stop();
      // Writes already sent settle first (they may well have been applied).
      await Promise.allSettled([...this.inflight]);
      for (const w of [...this.watchers]) w.fail(new Error('store closed'));
      this.client.close();
    })();
    return this.closing;
  }

  // ---- helpers ----

  private opts() {
    return { deadline: Date.now() + this.callTimeoutMs };
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('store closed');
    const p = fn();
    this.inflight.add(p);
    try {
      return await p;
    } finally {
      this.inflight.delete(p);
    }
  }

  /**
   * Writes to one key run one after another in issue order (each waits for the previous one to
   * settle); writes to different keys are all in flight at once.
   */
  private write(key: string, fn: () => Promise<Entry>): Promise<Entry> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    const prev = this.keyTails.get(key);
    const run = prev ? prev.then(fn) : fn();
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.keyTails.set(key, tail);
    void tail.then(() => {
      if (this.keyTails.get(key) === tail) this.keyTails.delete(key);
    });
    this.inflight.add(run);
    void tail.then(() => this.inflight.delete(run));
    return run;
  }

  private preconditionError(key: string, res: RPC.ITxnResponse): Error {
    const cur = res.responses[0]?.response_range?.kvs[0];
    return cur ? new StoreConflictError(key, BigInt(cur.mod_revision)) : new StoreNotFoundError(key);
  }

  private async translateReadError(err: unknown, at: bigint | undefined): Promise<Error> {
    const e = asError(err);
    if (at !== undefined && e.message.includes(FUTURE)) return new RangeError(`revision ${at} is in the future`);
    if (at !== undefined && e.message.includes(COMPACTED)) {
      return new StoreCompactedError(at, await this.compactedRevision().catch(() => at + 1n));
    }
    return e;
  }

  private entry(kv: RPC.IKeyValue): Entry {
    return {
      key: this.unk(kv.key) ?? kv.key.toString('utf8'),
      value: kv.value.toString('utf8'),
      modRevision: BigInt(kv.mod_revision),
      createRevision: BigInt(kv.create_revision),
    };
  }

  /** Store key (or prefix) -> etcd key. */
  private k(key: string): Buffer {
    return Buffer.concat([this.prefixBuf, Buffer.from(key, 'utf8')]);
  }

  /** etcd key -> store key, or undefined when outside the prefix. */
  private unk(key: Buffer): string | undefined {
    if (key.length <= this.prefixBuf.length || !key.subarray(0, this.prefixBuf.length).equals(this.prefixBuf)) return undefined;
    return key.subarray(this.prefixBuf.length).toString('utf8');
  }

  /** Exclusive end of the etcd range holding every store key starting with `prefix`. */
  private rangeEndOf(prefix: string): Buffer {
    return prefix === '' ? this.rangeEnd : bufferPrefixEnd(this.k(prefix));
  }
}

/** The smallest key greater than every key starting with `prefix` (etcd's "prefix + 1"). */
function bufferPrefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all 0xff: to the end of the key space
}

type WatchStream = RPC.IDuplexStream<RPC.IWatchRequest, RPC.IWatchResponse>;

class EtcdWatcher implements Watcher {
  private stream: WatchStream | undefined;
  private closed = false;
  /** Revision of the last event delivered; later events only. */
  private last: bigint;

  constructor(
    private readonly store: EtcdStore,
    readonly prefix: string,
    readonly fromRevision: bigint,
    private readonly onEvent: (ev: WatchEvent) => void,
    private readonly onError: ((err: Error) => void) | undefined,
    private readonly forget: (w: EtcdWatcher) => void,
  ) {
    this.last = fromRevision;
  }

  open(client: RPC.WatchClient, key: Buffer, rangeEnd: Buffer): void {
    // start_revision 0 means "now" to etcd; revision 1 is etcd's empty initial state.
    const start = this.fromRevision < 1n ? 1n : this.fromRevision;
    client.watch().then(
      (stream) => {
        if (this.closed) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        stream.on('data', (res) => this.onResponse(res));
        stream.on('error', (err) => this.fail(err));
        stream.on('end', () => this.fail(new Error('etcd ended the watch stream')));
        stream.write({ create_request: { key, range_end: rangeEnd, start_revision: start.toString(), prev_kv: true } });
      },
      (err) => this.fail(asError(err)),
    );
  }

  private onResponse(res: RPC.IWatchResponse): void {
    if (this.closed) return;
    if (res.compact_revision && res.compact_revision !== '0') {
      this.fail(new StoreCompactedError(this.fromRevision, BigInt(res.compact_revision)));
      return;
    }
    if (res.canceled) {
      this.fail(new Error(`etcd canceled the watch: ${res.cancel_reason || 'no reason given'}`));
      return;
    }
    for (const ev of res.events ?? []) {
      const out = this.store.toEvent(ev);
      if (!out || out.revision <= this.last) continue;
      this.last = out.revision;
      try {
        this.onEvent(out);
      } catch (err) {
        this.fail(asError(err));
        return;
      }
      if (this.closed) return;
    }
  }

  fail(err: Error): void {
    if (this.closed) return;
    this.close();
    reportWatchError(err, this.onError);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.forget(this);
    this.stream?.cancel();
    this.stream = undefined;
  }
}
