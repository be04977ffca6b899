// SqliteStore behaviour beyond the shared contract: persistence across reopen, compaction that
// survives restarts, automatic compaction, and clear errors for unusable files.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { StoreCompactedError } from '../../src/storage/store.js';
import { collect, waitUntil } from './store-contract.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-sqlite-store-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(dir, `s-${n++}.db`);
const noAuto = { compaction: { intervalMs: 0 } };

function logRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return Number((db.prepare('SELECT count(*) AS c FROM log').get() as { c: number }).c);
  } finally {
    db.close();
  }
}

describe('SqliteStore', () => {
  test('reopening restores state, history and the revision counter', async () => {
    const file = fresh();
    const s1 = SqliteStore.open(file, noAuto);
    await s1.create('/core/pods/ns/a', '{"a":1}'); // 1
    await s1.create('/core/pods/ns/b', '{"b":1}'); // 2
    await s1.update('/core/pods/ns/a', '{"a":2}', 1n); // 3
    await s1.delete('/core/pods/ns/b', 2n); // 4
    await s1.close();

    const s2 = SqliteStore.open(file, noAuto);
    try {
      assert.equal(await s2.currentRevision(), 4n);
      assert.deepEqual(await s2.get('/core/pods/ns/a'), { key: '/core/pods/ns/a', value: '{"a":2}', modRevision: 3n, createRevision: 1n });
      assert.equal(await s2.get('/core/pods/ns/b'), undefined);
      assert.deepEqual((await s2.list('/core/pods/', { revision: 2n })).items.map((e) => e.value), ['{"a":1}', '{"b":1}']);
      const w = collect(s2, '/', 0n);
      await waitUntil(() => w.events.length === 4, 'history replay after reopen');
      w.watcher.close();
      assert.deepEqual(w.events.map((e) => `${e.type}@${e.revision}`), ['create@1', 'create@2', 'update@3', 'delete@4']);
      assert.equal(w.events[3].value, '{"b":1}');
      assert.equal((await s2.create('/core/pods/ns/c', '{}')).modRevision, 5n);
    } finally {
      await s2.close();
    }
    // WAL is persistent in the file header.
    const db = new Database(file, { readonly: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
  });

  test('revisions are never reused, even after compacting away the newest rows', async () => {
    const file = fresh();
    const s1 = SqliteStore.open(file, noAuto);
    await s1.create('/k/a', 'x'); // 1
    await s1.delete('/k/a'); // 2
    await s1.compact(2n);
    await s1.close();
    assert.equal(logRows(file), 0, 'create and delete both compacted away');
    const s2 = SqliteStore.open(file, noAuto);
    try {
      assert.equal(await s2.currentRevision(), 2n);
      assert.equal(await s2.oldestRevision(), 3n);
      assert.equal((await s2.create('/k/a', 'y')).modRevision, 3n);
    } finally {
      await s2.close();
    }
  });

  test('compaction removes superseded rows in chunks and resumes after a restart', async () => {
    const file = fresh();
    const s1 = SqliteStore.open(file, { ...noAuto, compactChunk: 3 });
    for (let i = 0; i < 10; i++) await s1.create(`/c/${i}`, 'v0'); // 1..10
    for (let i = 0; i < 10; i++) await s1.update(`/c/${i}`, 'v1', BigInt(i + 1)); // 11..20
    for (let i = 0; i < 5; i++) await s1.delete(`/c/${i}`); // 21..25
    // Close while the chunked compaction is still running.
    const compaction = s1.compact(25n);
    await s1.close();
    await compaction;
    const s2 = SqliteStore.open(file, { ...noAuto, compactChunk: 3 });
    try {
      assert.equal(await s2.oldestRevision(), 26n);
      await assert.rejects(s2.list('/c/', { revision: 24n }), StoreCompactedError);
      assert.deepEqual((await s2.list('/c/')).items.map((e) => [e.key, e.value, e.modRevision]), [
        ['/c/5', 'v1', 16n],
        ['/c/6', 'v1', 17n],
        ['/c/7', 'v1', 18n],
        ['/c/8', 'v1', 19n],
        ['/c/9', 'v1', 20n],
      ]);
      assert.deepEqual((await s2.list('/c/', { revision: 25n })).items.length, 5);
      // Resolves once the resumed compaction has physically finished.
      await s2.compact(25n);
    } finally {
      await s2.close();
    }
    assert.equal(logRows(file), 5, 'one row per live key is left');
  });

  test('automatic compaction keeps the configured number of revisions', async () => {
    const file = fresh();
    const s = SqliteStore.open(file, { compaction: { intervalMs: 5, keepRevisions: 10, keepMs: 0 } });
    try {
      await s.create('/a/x', '0');
      for (let i = 1; i < 50; i++) await s.update('/a/x', String(i), BigInt(i));
      let oldest = 0n;
      await waitUntil(() => {
        void s.oldestRevision().then((r) => (oldest = r));
        return oldest === 41n;
      }, 'automatic compaction');
      assert.equal((await s.get('/a/x'))!.value, '49');
      const w = collect(s, '/', 40n);
      await waitUntil(() => w.events.length === 10, 'the kept history');
      w.watcher.close();
      await s.compact(40n); // waits for the physical deletion to finish
    } finally {
      await s.close();
    }
    assert.equal(logRows(file), 11, 'the state at revision 40 plus the 10 newer revisions');
  });

  test('clear errors for files that cannot be used', async () => {
    const missingDir = path.join(dir, 'no', 'such', 'dir', 'x.db');
    assert.throws(() => SqliteStore.open(missingDir), (e: Error) => e.message.startsWith(`cannot open sqlite store at ${missingDir}: `) && /directory does not exist/.test(e.message));

    const junk = path.join(dir, 'junk.db');
    fs.writeFileSync(junk, 'this is not a database '.repeat(200));
    assert.throws(() => SqliteStore.open(junk), (e: Error) => e.message.includes(junk) && /not a database/.test(e.message));

    const file = fresh();
    const owner = SqliteStore.open(file, noAuto);
    try {
      assert.throws(
        () => SqliteStore.open(file, { busyTimeoutMs: 50 }),
        (e: Error) => e.message.includes(file) && /locked/.test(e.message) && /another k8ts process/.test(e.message),
      );
      // The owner is unaffected.
      assert.equal((await owner.create('/still/works', 'x')).modRevision, 1n);
    } finally {
      await owner.close();
    }

    const newer = fresh();
    await SqliteStore.open(newer, noAuto).close();
    const db = new Database(newer);
    db.prepare(`UPDATE meta SET value = 99 WHERE name = 'schema_version'`).run();
    db.close();
    assert.throws(() => SqliteStore.open(newer), /unsupported schema version 99/);

    // Some other application's SQLite file with a clashing table.
    const foreign = fresh();
    const other = new Database(foreign);
    other.exec('CREATE TABLE log (id INTEGER PRIMARY KEY, line TEXT)');
    other.close();
    assert.throws(() => SqliteStore.open(foreign), (e: Error) => e.message.startsWith(`cannot open sqlite store at ${foreign}: `));
  });
});
