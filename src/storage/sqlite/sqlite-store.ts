// SQLite Store (better-sqlite3, WAL, synchronous=FULL). See sqlite-schema.ts for the tables.
//
// Writes: every create/update/delete is queued; the queue is flushed from setImmediate, so all
// writes issued in the same tick share ONE transaction and one fsync (group commit). Each write
// is checked and applied in queue order inside the transaction; a precondition failure
// (exists / not found / conflict) rejects that write alone and writes nothing for it. Promises
// settle only after COMMIT returned, i.e. after the WAL was fsynced. If the transaction itself
// fails, its writes are retried one transaction each, so an unexpected error also fails alone.
//
// This process is the only writer (the file is opened with an exclusive lock), so the revision
// counter lives in memory: the next write gets lastCommitted + 1 and the counter only moves after
// a successful commit. Reads are synchronous SQLite queries and see exactly the committed state.
//
// Watches: events of a committed batch are published right after COMMIT, in revision order;
// history for watches from an older revision is read from the log.
//
// Compaction is incremental: the logical compacted revision moves at once (older reads fail),
// then rows are removed in small transactions with a yield to the event loop between them, so
// writers are never stalled behind one big delete. For each log row r at or below the target:
// the row r superseded (prev_revision) is removed, and r itself when it is a delete. What stays is
// exactly each key's state at the compacted revision plus all newer history.

import type Database from 'better-sqlite3';
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
import { assertValidKey, prefixEnd } from '../key-range.js';
import { checkReadRevision } from '../read-revision.js';
import { WatchHub, asError, type BacklogChunk } from '../watch-hub.js';
import { KIND_CREATE, KIND_DELETE, KIND_UPDATE, openDatabase, type SqliteOpenOptions } from './sqlite-schema.js';

export interface SqliteStoreOptions extends SqliteOpenOptions {
  /** Automatic compaction policy; default: check every minute, keep 10 000 revisions and 5 minutes. */
  compaction?: CompactionPolicy;
  /** At most this many writes per transaction; the rest go to the next one. Default 1000. */
  maxBatch?: number;
  /** Log rows examined per compaction transaction (bounds how long one can delay writes). Default 500. */
  compactChunk?: number;
}

type WriteOp =
  | { op: 'create'; key: string; value: string; done: Settle }
  | { op: 'update'; key: string; value: string; expected: bigint; done: Settle }
  | { op: 'delete'; key: string; expected: bigint | undefined; done: Settle };

interface Settle {
  resolve(e: Entry): void;
  reject(err: Error): void;
}

interface CurrentRow {
  rev: bigint;
  createRev: bigint;
  value: string;
}

interface EntryRow {
  key: string;
  rev: bigint;
  createRev: bigint;
  value: string;
}

interface EventRow {
  rev: bigint;
  key: string;
  kind: bigint;
  value: string;
  prevValue: string | null;
}

/** TEXT sorts below every BLOB in SQLite, so this is an upper bound for any key. */
const ABOVE_ALL_KEYS = Buffer.from([0xff]);

export class SqliteStore implements Store {
  readonly backend = 'sqlite';

  private readonly db: Database.Database;
  private rev: bigint;
  private compactedRev: bigint;
  private compactDone: bigint;
  private queue: WriteOp[] = [];
  private flushScheduled = false;
  private compactLoop: Promise<void> | undefined;
  /** Set when close() begins: compaction winds down; writes are still accepted until `closed`. */
  private stopping = false;
  private closing: Promise<void> | undefined;
  private closed = false;
  private readonly hub: WatchHub;
  private readonly compactor: AutoCompactor | undefined;
  private readonly maxBatch: number;
  private readonly compactChunk: number;
  private readonly stmt: ReturnType<typeof prepare>;
  private readonly applyBatch: (batch: WriteOp[]) => BatchResult;

  static open(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(path, opts);
  }

  private constructor(
    readonly path: string,
    opts: SqliteStoreOptions,
  ) {
    const opened = openDatabase(path, opts);
    this.db = opened.db;
    this.rev = opened.revision;
    this.compactedRev = opened.compactRevision;
    this.compactDone = opened.compactDone;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 1000);
    this.compactChunk = Math.max(1, opts.compactChunk ?? 500);
    try {
      this.stmt = prepare(this.db);
    } catch (err) {
      // Tables that exist with another shape: this file belongs to something else.
      this.db.close();
      throw new Error(`cannot open sqlite store at ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.applyBatch = this.db.transaction((batch: WriteOp[]) => this.applyInTransaction(batch));
    this.hub = new WatchHub((prefix, after, upto, limit) => this.readEvents(prefix, after, upto, limit));
    if (this.compactDone < this.compactedRev) {
      // A compaction was interrupted (crash or close): finish it in the background.
      this.startCompactLoop().catch((err) => process.emitWarning(asError(err)));
    }
    const policy = opts.compaction ?? {};
    if ((policy.intervalMs ?? DEFAULT_COMPACTION.intervalMs) > 0) {
      this.compactor = new AutoCompactor(this, policy);
      this.compactor.start();
    }
  }

  async currentRevision(): Promise<bigint> {
    return this.rev;
  }

  async oldestRevision(): Promise<bigint> {
    return this.compactedRev + 1n;
  }

  async get(key: string): Promise<Entry | undefined> {
    this.assertOpen();
    const row = this.stmt.current.get(key) as CurrentRow | undefined;
    return row && { key, value: row.value, modRevision: row.rev, createRevision: row.createRev };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const at = opts.revision ?? this.rev;
    checkReadRevision(at, this.rev, this.compactedRev);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
    const after = opts.startAfter ?? '';
    const upper = prefixEnd(prefix) ?? ABOVE_ALL_KEYS;
    const sqlLimit = limit > 0 ? limit + 1 : -1;
    const rows = (
      at === this.rev
        ? this.stmt.listCurrent.all(prefix, after, upper, sqlLimit)
        : this.stmt.listAt.all({ lo: prefix, after, hi: upper, rev: at, limit: sqlLimit })
    ) as EntryRow[];
    const items: Entry[] = [];
    let more = false;
    for (const r of rows) {
      if (!r.key.startsWith(prefix)) break;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push({ key: r.key, value: r.value, modRevision: r.rev, createRevision: r.createRev });
    }
    return { items, revision: at, more };
  }

  create(key: string, value: string): Promise<Entry> {
    try {
      assertValidKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.enqueue((done) => ({ op: 'create', key, value, done }));
  }

  update(key: string, value: string, expectedModRevision: bigint): Promise<Entry> {
    return this.enqueue((done) => ({ op: 'update', key, value, expected: expectedModRevision, done }));
  }

  delete(key: string, expectedModRevision?: bigint): Promise<Entry> {
    return this.enqueue((done) => ({ op: 'delete', key, expected: expectedModRevision, done }));
  }

  watch(prefix: string, fromRevision: bigint, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher {
    if (this.closed) {
      queueMicrotask(() => onError?.(new Error('store closed')));
      return { close() {} };
    }
    return this.hub.watch(prefix, fromRevision, this.rev, onEvent, onError);
  }

  async compact(revision: bigint): Promise<void> {
    this.assertOpen();
    if (revision > this.rev) throw new RangeError(`cannot compact to future revision ${revision} (current ${this.rev})`);
    if (revision > this.compactedRev) this.compactedRev = revision;
    // A loop that is already running picks the new target up; wait until it covered ours.
    // While closing, the logical compaction stands and the rest resumes on the next open.
    while (this.compactDone < revision && !this.stopping) await this.startCompactLoop();
  }

  async close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      // Compaction stops at its next chunk boundary (it resumes on the next open).
      this.stopping = true;
      await this.compactor?.stop();
      await this.compactLoop?.catch(() => undefined);
      this.closed = true;
      // Writes already accepted are committed, not dropped.
      while (this.queue.length > 0) this.flushOnce();
      this.hub.closeAll(new Error('store closed'));
      this.db.close();
    })();
    return this.closing;
  }

  // ---- writes ----

  private enqueue(make: (done: Settle) => WriteOp): Promise<Entry> {
    if (this.closed) return Promise.reject(new Error('store closed'));
    return new Promise<Entry>((resolve, reject) => {
      this.queue.push(make({ resolve, reject }));
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.closed) return;
    this.flushOnce();
    if (this.queue.length > 0) {
      // Over maxBatch: commit the rest in the next turn so requests keep being served.
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  };

  private flushOnce(): void {
    const batch = this.queue.length > this.maxBatch ? this.queue.splice(0, this.maxBatch) : this.queue;
    if (batch === this.queue) this.queue = [];
    this.commit(batch);
  }

  private commit(batch: WriteOp[]): void {
    let result: BatchResult;
    try {
      result = this.applyBatch(batch);
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      if (batch.length > 1) {
        for (const op of batch) this.commit([op]);
      } else {
        batch[0].done.reject(asError(err));
      }
      return;
    }
    this.rev = result.rev;
    // Publish first: watcher delivery is queued ahead of the writers' continuations, so a watch
    // cache has applied the write by the time its writer runs again (read-your-writes is free).
    this.hub.publish(result.events);
    for (let i = 0; i < batch.length; i++) {
      const out = result.outcomes[i];
      if (out instanceof Error) batch[i].done.reject(out);
      else batch[i].done.resolve(out);
    }
  }

  /** Runs inside the batch transaction; throws only for unexpected (SQLite) failures. */
  private applyInTransaction(batch: WriteOp[]): BatchResult {
    const s = this.stmt;
    let rev = this.rev;
    const outcomes: (Entry | Error)[] = [];
    const events: WatchEvent[] = [];
    for (const w of batch) {
      const cur = s.current.get(w.key) as CurrentRow | undefined;
      if (w.op === 'create') {
        if (cur) {
          outcomes.push(new StoreKeyExistsError(w.key));
          continue;
        }
        rev++;
        s.insertLog.run(rev, w.key, KIND_CREATE, rev, 0n, w.value);
        s.upsertKv.run(w.key, rev);
        outcomes.push({ key: w.key, value: w.value, modRevision: rev, createRevision: rev });
        events.push({ type: 'create', key: w.key, value: w.value, revision: rev });
        continue;
      }
      if (!cur) {
        outcomes.push(new StoreNotFoundError(w.key));
        continue;
      }
      if (w.expected !== undefined && w.expected !== cur.rev) {
        outcomes.push(new StoreConflictError(w.key, cur.rev));
        continue;
      }
      rev++;
      if (w.op === 'update') {
        s.insertLog.run(rev, w.key, KIND_UPDATE, cur.createRev, cur.rev, w.value);
        s.upsertKv.run(w.key, rev);
        outcomes.push({ key: w.key, value: w.value, modRevision: rev, createRevision: cur.createRev });
        events.push({ type: 'update', key: w.key, value: w.value, prevValue: cur.value, revision: rev });
      } else {
        s.insertLog.run(rev, w.key, KIND_DELETE, cur.createRev, cur.rev, '');
        s.deleteKv.run(w.key);
        outcomes.push({ key: w.key, value: cur.value, modRevision: rev, createRevision: cur.createRev });
        events.push({ type: 'delete', key: w.key, value: cur.value, prevValue: cur.value, revision: rev });
      }
    }
    return { rev, outcomes, events };
  }

  // ---- watch history ----

  private readEvents(prefix: string, after: bigint, upto: bigint, limit: number): BacklogChunk {
    if (this.closed) throw new Error('store closed');
    if (after < this.compactedRev) throw new StoreCompactedError(after, this.compactedRev);
    const rows = this.stmt.events.all(after, upto, prefix, prefixEnd(prefix) ?? ABOVE_ALL_KEYS, limit) as EventRow[];
    const out: WatchEvent[] = [];
    const resumeAfter = rows.length === limit ? rows[rows.length - 1].rev : undefined;
    for (const r of rows) {
      if (!r.key.startsWith(prefix)) continue;
      if (r.kind === KIND_CREATE) out.push({ type: 'create', key: r.key, value: r.value, revision: r.rev });
      else if (r.kind === KIND_UPDATE) {
        out.push({ type: 'update', key: r.key, value: r.value, prevValue: r.prevValue ?? undefined, revision: r.rev });
      } else {
        const last = r.prevValue ?? '';
        out.push({ type: 'delete', key: r.key, value: last, prevValue: last, revision: r.rev });
      }
    }
    return { events: out, resumeAfter };
  }

  // ---- compaction ----

  private startCompactLoop(): Promise<void> {
    if (!this.compactLoop) {
      this.compactLoop = this.runCompaction().finally(() => {
        this.compactLoop = undefined;
      });
    }
    return this.compactLoop;
  }

  private async runCompaction(): Promise<void> {
    while (!this.stopping && this.compactDone < this.compactedRev) {
      this.compactStep();
      // Yield so queued writes commit between compaction transactions.
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  private compactStep(): void {
    const s = this.stmt;
    const target = this.compactedRev;
    const done = this.db.transaction(() => {
      const rows = s.compactScan.all(this.compactDone, target, this.compactChunk) as { id: bigint; kind: bigint; prev: bigint }[];
      for (const r of rows) {
        if (r.prev > 0n) s.deleteLog.run(r.prev);
        if (r.kind === KIND_DELETE) s.deleteLog.run(r.id);
      }
      const reached = rows.length < this.compactChunk ? target : rows[rows.length - 1].id;
      s.setMeta.run('compact_revision', target);
      s.setMeta.run('compact_done', reached);
      return reached;
    })();
    this.compactDone = done;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('store closed');
  }
}

interface BatchResult {
  rev: bigint;
  outcomes: (Entry | Error)[];
  events: WatchEvent[];
}

function prepare(db: Database.Database) {
  return {
    current: db.prepare(
      'SELECT kv.revision AS rev, l.create_revision AS createRev, l.value AS value FROM kv JOIN log l ON l.id = kv.revision WHERE kv.key = ?',
    ),
    insertLog: db.prepare('INSERT INTO log (id, key, kind, create_revision, prev_revision, value) VALUES (?, ?, ?, ?, ?, ?)'),
    upsertKv: db.prepare('INSERT INTO kv (key, revision) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET revision = excluded.revision'),
    deleteKv: db.prepare('DELETE FROM kv WHERE key = ?'),
    // Parameters: prefix (inclusive lower bound), startAfter (exclusive), upper bound, limit.
    listCurrent: db.prepare(
      `SELECT kv.key AS key, l.id AS rev, l.create_revision AS createRev, l.value AS value
       FROM kv JOIN log l ON l.id = kv.revision
       WHERE kv.key >= ? AND kv.key > ? AND kv.key < ? ORDER BY kv.key LIMIT ?`,
    ),
    // The newest version of each key at or below @rev, unless it is a delete. Driven by the
    // (key, id) index in key order, so LIMIT stops the scan early (no sort of the whole range).
    listAt: db.prepare(
      `SELECT l.key AS key, l.id AS rev, l.create_revision AS createRev, l.value AS value FROM log l
       WHERE l.key >= @lo AND l.key > @after AND l.key < @hi AND l.id <= @rev AND l.kind <> ${KIND_DELETE}
         AND NOT EXISTS (SELECT 1 FROM log n WHERE n.key = l.key AND n.id > l.id AND n.id <= @rev)
       ORDER BY l.key LIMIT @limit`,
    ),
    // The unary + keeps SQLite on the rowid (revision) range instead of the key index.
    events: db.prepare(
      `SELECT l.id AS rev, l.key AS key, l.kind AS kind, l.value AS value, p.value AS prevValue
       FROM log l LEFT JOIN log p ON p.id = l.prev_revision
       WHERE l.id > ? AND l.id <= ? AND +l.key >= ? AND +l.key < ? ORDER BY l.id LIMIT ?`,
    ),
    compactScan: db.prepare('SELECT id, kind, prev_revision AS prev FROM log WHERE id > ? AND id <= ? ORDER BY id LIMIT ?'),
    deleteLog: db.prepare('DELETE FROM log WHERE id = ?'),
    setMeta: db.prepare('INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value'),
  };
}
