// WatchCache: paging over large resources, read-your-writes, watch replay, 410 when too old,
// many watchers, failure handling.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.js';
import { StoreCompactedError, objectKey, type Store, type WatchEvent, type Watcher } from '../../src/storage/store.js';
import { RevisionTimeoutError, WatchCache, type CachedWatchEvent } from '../../src/storage/watch-cache.js';

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const pod = (ns: string, name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, ...extra });

async function started(store: Store, historySize?: number): Promise<WatchCache> {
  const cache = new WatchCache(store, { historySize });
  await cache.start();
  return cache;
}

function record(cache: WatchCache, prefix: string, from: bigint) {
  const events: CachedWatchEvent[] = [];
  const errors: Error[] = [];
  const watcher = cache.watch(prefix, from, (ev) => events.push(ev), (e) => errors.push(e));
  return { events, errors, watcher };
}

describe('WatchCache', () => {
  test('start loads existing objects; entries are parsed once and shared', async () => {
    const store = new MemoryStore();
    await store.create(objectKey('', 'pods', 'a', 'p1'), pod('a', 'p1'));
    await store.create(objectKey('', 'namespaces', undefined, 'a'), '{"kind":"Namespace","metadata":{"name":"a"}}');
    const cache = await started(store);
    try {
      assert.equal(cache.revision(), 2n);
      const e = cache.get('/core/pods/a/p1')!;
      assert.equal(e.modRevision, 1n);
      assert.equal(e.createRevision, 1n);
      assert.equal(e.value, pod('a', 'p1'));
      assert.equal(e.object.metadata.resourceVersion, undefined, 'the cache does not inject resourceVersion');
      assert.deepEqual(e.object, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'a' } });
      assert.equal(cache.get('/core/pods/a/p1')!.object, e.object);
      assert.equal(cache.list('/core/pods/').items[0].object, e.object);
      assert.equal(cache.get('/core/pods/a/nope'), undefined);
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('pages through 10k objects under a prefix in key order', async () => {
    const store = new MemoryStore();
    const keys: string[] = [];
    // Insert in a scrambled order across 10 namespaces, with neighbours in other resources.
    for (let i = 0; i < 10_000; i++) {
      const j = (i * 7919) % 10_000;
      const ns = `ns${j % 10}`;
      const key = objectKey('', 'pods', ns, `p${j}`);
      keys.push(key);
      await store.create(key, pod(ns, `p${j}`, { spec: { n: j } }));
    }
    await store.create(objectKey('', 'podtemplates', 'ns0', 't'), '{"metadata":{}}');
    await store.create(objectKey('apps', 'deployments', 'ns0', 'd'), '{"metadata":{}}');
    await store.create('/odd', '{"metadata":{}}'); // outside the usual key layout
    const cache = await started(store);
    try {
      keys.sort();
      const seen: string[] = [];
      let startAfter: string | undefined;
      let pages = 0;
      for (;;) {
        const page = cache.list('/core/pods/', { limit: 500, startAfter });
        pages++;
        assert.equal(page.revision, cache.revision());
        seen.push(...page.items.map((e) => e.key));
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1].key;
      }
      assert.equal(pages, 20);
      assert.deepEqual(seen, keys);

      // A namespace is a sub-range of the resource.
      const ns3 = cache.list('/core/pods/ns3/');
      assert.equal(ns3.items.length, 1000);
      assert.ok(ns3.items.every((e) => e.key.startsWith('/core/pods/ns3/')));
      assert.equal(ns3.more, false);

      // The filter counts toward the limit; `more` means further keys exist.
      const even = cache.list('/core/pods/', { limit: 3, filter: (e) => e.object.spec.n % 2 === 0 });
      assert.equal(even.items.length, 3);
      assert.ok(even.items.every((e) => e.object.spec.n % 2 === 0));
      assert.equal(even.more, true);
      const none = cache.list('/core/pods/', { limit: 3, filter: () => false });
      assert.deepEqual(none, { items: [], revision: cache.revision(), more: false });

      // Prefixes wider than one resource walk every matching resource in key order.
      const wide = cache.list('/');
      assert.equal(wide.items.length, 10_003);
      const wideKeys = wide.items.map((e) => e.key);
      assert.deepEqual(wideKeys, [...wideKeys].sort());
      assert.deepEqual(cache.list('/core/pod').items.length, 10_001);
      const afterPods = cache.list('/', { startAfter: keys[keys.length - 1], limit: 2 });
      assert.deepEqual(afterPods.items.map((e) => e.key), ['/core/podtemplates/ns0/t', '/odd']);
      assert.equal(afterPods.more, false);
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('lists follow creates and deletes', async () => {
    const store = new MemoryStore();
    const cache = await started(store);
    try {
      const a = await store.create('/core/cm/ns/a', '{"metadata":{"name":"a"}}');
      const b = await store.create('/core/cm/ns/b', '{"metadata":{"name":"b"}}');
      await store.delete('/core/cm/ns/a', a.modRevision);
      await cache.waitForRevision(b.modRevision + 1n);
      assert.deepEqual(cache.list('/core/cm/').items.map((e) => e.key), ['/core/cm/ns/b']);
      assert.equal(cache.get('/core/cm/ns/a'), undefined);
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('read-your-writes with waitForRevision (sqlite store)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-watch-cache-'));
    const store = SqliteStore.open(path.join(dir, 'db'), { compaction: { intervalMs: 0 } });
    const cache = await started(store);
    try {
      for (let i = 0; i < 50; i++) {
        const e = await store.create(`/core/cm/ns/c${i}`, JSON.stringify({ metadata: { name: `c${i}` } }));
        await cache.waitForRevision(e.modRevision);
        assert.ok(cache.revision() >= e.modRevision);
        assert.equal(cache.get(e.key)?.modRevision, e.modRevision);
        assert.equal(cache.list('/core/cm/').items.length, i + 1);
      }
      // Concurrent writers waiting at once.
      const writes = await Promise.all(Array.from({ length: 100 }, (_, i) => store.create(`/core/cm/ns/d${i}`, '{"metadata":{}}')));
      await Promise.all(writes.map((w) => cache.waitForRevision(w.modRevision)));
      assert.equal(cache.list('/core/cm/').items.length, 150);

      const ahead = cache.revision() + 10n;
      await assert.rejects(cache.waitForRevision(ahead, 30), (e: unknown) => {
        assert.ok(e instanceof RevisionTimeoutError);
        assert.equal(e.message, `Too large resource version: ${ahead}, current: ${cache.revision()}`);
        return true;
      });
    } finally {
      await cache.stop();
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('watch replays buffered events after the revision, then live ones, in order', async () => {
    const store = new MemoryStore();
    await store.create('/core/pods/a/p0', pod('a', 'p0')); // 1, before start
    const cache = await started(store);
    try {
      await store.create('/core/pods/a/p1', pod('a', 'p1', { v: 1 })); // 2
      await store.create('/core/pods/b/p1', pod('b', 'p1')); // 3
      await store.update('/core/pods/a/p1', pod('a', 'p1', { v: 2 }), 2n); // 4
      await store.create('/core/services/a/s', '{"metadata":{}}'); // 5
      await cache.waitForRevision(5n);

      const w = record(cache, '/core/pods/a/', 1n);
      assert.equal(w.events.length, 0, 'nothing delivered inside watch()');
      await store.delete('/core/pods/a/p1', 4n); // 6
      await store.create('/core/pods/a/p2', pod('a', 'p2')); // 7
      await waitUntil(() => w.events.length === 4, 'four events');
      w.watcher.close();
      assert.deepEqual(
        w.events.map((e) => [e.type, e.key, e.revision]),
        [
          ['create', '/core/pods/a/p1', 2n],
          ['update', '/core/pods/a/p1', 4n],
          ['delete', '/core/pods/a/p1', 6n],
          ['create', '/core/pods/a/p2', 7n],
        ],
      );
      const [, upd, del] = w.events;
      assert.equal(upd.object.v, 2);
      assert.equal(upd.prevObject!.v, 1);
      assert.equal(del.object.v, 2, 'a delete carries the last state');
      assert.equal(del.prevObject, del.object);
      assert.equal(del.value, pod('a', 'p1', { v: 2 }));
      assert.deepEqual(w.errors, []);

      // From the current revision: live events only; from the future: skips up to it.
      const now = record(cache, '/', cache.revision());
      const future = record(cache, '/', cache.revision() + 1n);
      await store.create('/core/pods/a/p3', pod('a', 'p3')); // 8
      await store.create('/core/pods/a/p4', pod('a', 'p4')); // 9
      await waitUntil(() => now.events.length === 2 && future.events.length === 1, 'live events');
      assert.deepEqual(now.events.map((e) => e.revision), [8n, 9n]);
      assert.deepEqual(future.events.map((e) => e.revision), [9n]);
      now.watcher.close();
      future.watcher.close();
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('a revision older than the buffer fails with StoreCompactedError (410)', async () => {
    const store = new MemoryStore();
    const cache = await started(store, 5);
    try {
      let last = 0n;
      for (let i = 1; i <= 12; i++) last = (await store.create(`/core/cm/ns/c${i}`, '{"metadata":{}}')).modRevision;
      await cache.waitForRevision(last);
      // Buffer holds revisions 8..12; 7 is the last one forgotten.
      const old = record(cache, '/core/cm/', 6n);
      await waitUntil(() => old.errors.length === 1, 'the error');
      const err = old.errors[0];
      assert.ok(err instanceof StoreCompactedError);
      assert.equal(err.requested, 6n);
      assert.equal(err.compacted, 7n);
      assert.equal(old.events.length, 0);

      const edge = record(cache, '/core/cm/', 7n);
      await waitUntil(() => edge.events.length === 5, 'the whole buffer');
      assert.deepEqual(edge.events.map((e) => e.revision), [8n, 9n, 10n, 11n, 12n]);
      assert.deepEqual(edge.errors, []);
      edge.watcher.close();
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('many watchers each get exactly their events, in order', async () => {
    const store = new MemoryStore();
    const cache = await started(store);
    try {
      const perNs = Array.from({ length: 20 }, (_, n) => Array.from({ length: 50 }, () => record(cache, `/core/pods/ns${n}/`, 0n)));
      const all = Array.from({ length: 20 }, () => record(cache, '/', 0n));
      const pods = Array.from({ length: 20 }, () => record(cache, '/core/pods/', 0n));
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 400; i++) writes.push(store.create(`/core/pods/ns${i % 20}/p${i}`, pod(`ns${i % 20}`, `p${i}`)));
      for (let i = 0; i < 50; i++) writes.push(store.create(`/core/services/ns0/s${i}`, '{"metadata":{}}'));
      await Promise.all(writes);
      await waitUntil(() => all.every((w) => w.events.length === 450), 'all events everywhere');
      for (const w of all) assert.deepEqual(w.events.map((e) => e.revision), Array.from({ length: 450 }, (_, i) => BigInt(i + 1)));
      for (const w of pods) assert.equal(w.events.length, 400);
      perNs.forEach((group, n) => {
        for (const w of group) {
          assert.equal(w.events.length, 20);
          assert.ok(w.events.every((e) => e.key.startsWith(`/core/pods/ns${n}/`)));
          for (let i = 1; i < w.events.length; i++) assert.ok(w.events[i].revision > w.events[i - 1].revision);
        }
      });
      assert.equal(cache.watcherCount(), 1040);
      for (const w of [...perNs.flat(), ...all, ...pods]) w.watcher.close();
      assert.equal(cache.watcherCount(), 0);
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('a throwing watcher loses its watch; closing stops delivery', async () => {
    const store = new MemoryStore();
    const cache = await started(store);
    try {
      const boom = new Error('consumer bug');
      const errs: Error[] = [];
      cache.watch('/', 0n, () => { throw boom; }, (e) => errs.push(e));
      const closing = record(cache, '/', 0n);
      const ok = record(cache, '/', 0n);
      await store.create('/core/cm/ns/a', '{"metadata":{}}');
      await waitUntil(() => ok.events.length === 1 && errs.length === 1 && closing.events.length === 1, 'first event');
      assert.equal(errs[0], boom);
      closing.watcher.close();
      await store.create('/core/cm/ns/b', '{"metadata":{}}');
      await waitUntil(() => ok.events.length === 2, 'second event');
      assert.equal(closing.events.length, 1);
      assert.equal(cache.watcherCount(), 1);
      ok.watcher.close();
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('a broken store watch ends client watches and re-lists', async () => {
    const store = new MemoryStore();
    let breakWatch: ((err: Error) => void) | undefined;
    const flaky: Store = Object.create(store, {
      watch: {
        value(prefix: string, from: bigint, onEvent: (ev: WatchEvent) => void, onError?: (err: Error) => void): Watcher {
          const inner = store.watch(prefix, from, onEvent, onError);
          breakWatch = (err) => {
            inner.close();
            onError?.(err);
          };
          return inner;
        },
      },
    });
    const cache = await started(flaky);
    try {
      await store.create('/core/cm/ns/a', '{"metadata":{"name":"a"}}');
      await cache.waitForRevision(1n);
      const w = record(cache, '/core/cm/', 1n);
      const broken = new Error('store watch broke');
      breakWatch!(broken);
      await waitUntil(() => w.errors.length === 1, 'client watch error');
      assert.equal(w.errors[0], broken);
      // Writes made while the cache is re-listing are not lost.
      await store.create('/core/cm/ns/b', '{"metadata":{"name":"b"}}');
      await cache.waitForRevision(2n, 2000);
      assert.deepEqual(cache.list('/core/cm/').items.map((e) => e.key), ['/core/cm/ns/a', '/core/cm/ns/b']);
      // The replay window restarts at the re-list: older revisions are 410.
      const stale = record(cache, '/', 0n);
      await waitUntil(() => stale.errors.length === 1, 'stale watch error');
      assert.ok(stale.errors[0] instanceof StoreCompactedError);
    } finally {
      await cache.stop();
      await store.close();
    }
  });

  test('stop ends watches and waits, then reads fail', async () => {
    const store = new MemoryStore();
    const cache = new WatchCache(store);
    assert.throws(() => cache.list('/'), /not started/);
    await cache.start();
    await assert.rejects(cache.start(), /cannot start/);
    const w = record(cache, '/', 0n);
    const waiting = cache.waitForRevision(100n, 10_000);
    await cache.stop();
    await assert.rejects(waiting, /stopped/);
    assert.equal(w.errors.length, 1);
    assert.throws(() => cache.get('/x'), /stopped/);
    await store.close();
  });
});
