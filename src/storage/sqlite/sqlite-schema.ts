// Opening a SQLite store file: pragmas, schema and the persisted counters.
//
// Layout (kine-like):
// - log: append-only history. The row id IS the revision, so revisions are cluster-wide and
//   strictly increasing. kind: 0 create, 1 update, 2 delete. prev_revision points at the row this
//   write superseded (0 for a create); a delete row stores '' as value and reads the deleted value
//   through prev_revision, so values are not stored twice.
// - kv: current state, key -> revision of its live log row; makes get/list a key-range scan that
//   never sees tombstones or history.
// - log_key_id: (key, id) index for reads at an older revision.
// - meta: schema version and compaction progress (compact_revision is the logical compacted
//   revision; compact_done how far rows have physically been removed, for resuming after a crash).

import Database from 'better-sqlite3';

export const SCHEMA_VERSION = 1n;

export const KIND_CREATE = 0n;
export const KIND_UPDATE = 1n;
export const KIND_DELETE = 2n;

const DDL = `
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  kind INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS log_key_id ON log (key, id);
CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID;
`;

export interface OpenedDatabase {
  db: Database.Database;
  /** Latest revision ever assigned (survives compaction of the newest rows). */
  revision: bigint;
  compactRevision: bigint;
  compactDone: bigint;
}

export interface SqliteOpenOptions {
  /** How long to wait for a file held by another process before failing; default 1000 ms. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the store file. Throws an Error naming the path and the cause when
 * the file cannot be used: missing directory, not a database, held by another process, newer
 * schema.
 */
export function openDatabase(path: string, opts: SqliteOpenOptions = {}): OpenedDatabase {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { timeout: opts.busyTimeoutMs ?? 1000 });
    db.defaultSafeIntegers(true);
    // One process owns the file: the in-memory revision counter and the write queue assume a
    // single writer. EXCLUSIVE also lets WAL run without the shared-memory index.
    db.pragma('locking_mode = EXCLUSIVE');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') throw new Error(`cannot enable WAL journal mode (got ${String(mode)})`);
    // FULL: the WAL is fsynced at every commit, so an acknowledged write survives kill -9 and
    // power loss. Measured at ~0.2 ms per commit here, and group commit amortises it.
    db.pragma('synchronous = FULL');
    db.pragma('journal_size_limit = 67108864');
    db.pragma('cache_size = -65536');
    db.exec(DDL);
    const meta = readMeta(db);
    const version = meta.get('schema_version');
    if (version === undefined) db.prepare(`INSERT INTO meta (name, value) VALUES ('schema_version', ?)`).run(SCHEMA_VERSION);
    else if (version !== SCHEMA_VERSION) throw new Error(`unsupported schema version ${version} (this build reads ${SCHEMA_VERSION})`);
    const maxId = (db.prepare('SELECT max(id) AS m FROM log').get() as { m: bigint | null }).m ?? 0n;
    const compactRevision = meta.get('compact_revision') ?? 0n;
    const compactDone = meta.get('compact_done') ?? 0n;
    return { db, revision: maxId > compactRevision ? maxId : compactRevision, compactRevision, compactDone };
  } catch (err) {
    try {
      db?.close();
    } catch {
      // The open failure below is the error worth reporting.
    }
    const e = err as Error & { code?: string };
    const hint = e.code === 'SQLITE_BUSY' ? ' (is another k8ts process using this file?)' : '';
    throw new Error(`cannot open sqlite store at ${path}: ${e.message}${hint}`, { cause: err });
  }
}

function readMeta(db: Database.Database): Map<string, bigint> {
  const rows = db.prepare('SELECT name, value FROM meta').all() as { name: string; value: bigint }[];
  return new Map(rows.map((r) => [r.name, r.value]));
}
