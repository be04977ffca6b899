// The Store contract suite: every backend runs it unchanged (see src/storage/store.ts).
// Usage: runStoreContract('sqlite', async () => SqliteStore.open(tmpFile)).

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StoreCompactedError,
  StoreConflictError,
  StoreKeyExistsError,
  StoreNotFoundError,
  type Store,
  type WatchEvent,
} from '../../src/storage/store.js';

/** Polls `cond` until it holds or the deadline passes (no fixed sleeps). */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Collects a watch's events and its error. */
export function collect(store: Store, prefix: string, from: bigint) {
  const events: WatchEvent[] = [];
  const errors: Error[] = [];
  const watcher = store.watch(prefix, from, (ev) => events.push(ev), (err) => errors.push(err));
  return { events, errors, watcher };
}

function brief(evs: readonly WatchEvent[]) {
  return evs.map((e) => ({ type: e.type, key: e.key, value: e.value, prevValue: e.prevValue, revision: e.revision }));
}

export interface StoreContractOptions {
  /**
   * The store's revisions are shared with writers outside it (etcd: cluster-wide revisions, other
   * key prefixes), so a new store need not start at revision 0. Every test then counts revisions
   * from the store's current revision when it starts (no one else may write meanwhile).
   * Default false: a new store is at revision 0.
   */
  sharedRevisions?: boolean;
  /**
   * Concurrent writes to different keys get revisions in the order they were issued (one
   * in-process writer). Default true. Writes to the same key always apply in issue order.
   */
  issueOrderAcrossKeys?: boolean;
}

export function runStoreContract(name: string, make: () => Promise<Store>, options: StoreContractOptions = {}): void {
  const shared = options.sharedRevisions ?? false;
  const issueOrder = options.issueOrderAcrossKeys ?? true;
  describe(`Store contract: ${name}`, () => {
    const open = async (t: { after(fn: () => Promise<void>): void }) => {
      const s = await make();
      t.after(() => s.close());
      const base = await s.currentRevision();
      if (!shared) assert.equal(base, 0n, 'a new store starts at revision 0');
      /** The revision of this test's n-th write (revisions counted from where the store started). */
      const r = (n: number) => base + BigInt(n);
      return { s, r };
    };

    test('starts empty at revision 0', async (t) => {
      const { s, r } = await open(t);
      assert.equal(await s.currentRevision(), r(0));
      assert.equal(await s.get('/core/pods/a/x'), undefined);
      assert.deepEqual(await s.list('/'), { items: [], revision: r(0), more: false });
      assert.equal(typeof s.backend, 'string');
    });

    test('create, get, update, delete round trip', async (t) => {
      const { s, r } = await open(t);
      const c = await s.create('/core/pods/ns/a', '{"v":1}');
      assert.equal(c.modRevision, r(1));
      assert.equal(c.createRevision, r(1));
      assert.deepEqual(await s.get('/core/pods/ns/a'), { key: '/core/pods/ns/a', value: '{"v":1}', modRevision: r(1), createRevision: r(1) });

      const u = await s.update('/core/pods/ns/a', '{"v":2}', r(1));
      assert.deepEqual(u, { key: '/core/pods/ns/a', value: '{"v":2}', modRevision: r(2), createRevision: r(1) });
      assert.deepEqual(await s.get('/core/pods/ns/a'), u);

      const d = await s.delete('/core/pods/ns/a', r(2));
      assert.deepEqual(d, { key: '/core/pods/ns/a', value: '{"v":2}', modRevision: r(3), createRevision: r(1) });
      assert.equal(await s.get('/core/pods/ns/a'), undefined);
      assert.equal(await s.currentRevision(), r(3));

      // Re-creating starts a new life: a new createRevision.
      const again = await s.create('/core/pods/ns/a', '{"v":3}');
      assert.deepEqual(again, { key: '/core/pods/ns/a', value: '{"v":3}', modRevision: r(4), createRevision: r(4) });
      // Delete without a precondition.
      assert.equal((await s.delete('/core/pods/ns/a')).modRevision, r(5));
    });

    test('failed preconditions write nothing and keep the revision', async (t) => {
      const { s, r } = await open(t);
      await s.create('/k/a', 'A');
      await assert.rejects(s.create('/k/a', 'B'), (e: unknown) => e instanceof StoreKeyExistsError && e.key === '/k/a');
      await assert.rejects(
        s.update('/k/a', 'B', r(7)),
        (e: unknown) => e instanceof StoreConflictError && e.key === '/k/a' && e.actual === r(1),
      );
      await assert.rejects(s.update('/k/missing', 'B', r(1)), (e: unknown) => e instanceof StoreNotFoundError && e.key === '/k/missing');
      await assert.rejects(s.delete('/k/missing'), StoreNotFoundError);
      await assert.rejects(s.delete('/k/a', r(9)), (e: unknown) => e instanceof StoreConflictError && e.actual === r(1));
      assert.equal(await s.currentRevision(), r(1));
      assert.deepEqual(await s.get('/k/a'), { key: '/k/a', value: 'A', modRevision: r(1), createRevision: r(1) });
      // An update after a delete is "not found", not a conflict.
      await s.delete('/k/a', r(1));
      await assert.rejects(s.update('/k/a', 'C', r(1)), StoreNotFoundError);
    });

    test('revisions are bigint, strictly increasing across keys', async (t) => {
      const { s, r } = await open(t);
      let last = await s.currentRevision();
      for (let i = 0; i < 20; i++) {
        const e = i % 3 === 2 ? await s.update(`/k/${i - 1}`, 'u', last) : await s.create(`/k/${i}`, 'c');
        assert.equal(typeof e.modRevision, 'bigint');
        assert.ok(e.modRevision > last, `revision ${e.modRevision} after ${last}`);
        assert.equal(await s.currentRevision(), e.modRevision);
        last = e.modRevision;
      }
    });

    test('list: prefix, key order, limit, startAfter', async (t) => {
      const { s, r } = await open(t);
      const keys = ['/core/pods/b/2', '/core/pods/a/1', '/core/pods2/x', '/core/pod', '/core/pods/a/10', '/core/pods/b/1', '/apps/deployments/a/d'];
      for (const k of keys) await s.create(k, `v${k}`);
      const all = await s.list('/core/pods/');
      assert.deepEqual(
        all.items.map((e) => e.key),
        ['/core/pods/a/1', '/core/pods/a/10', '/core/pods/b/1', '/core/pods/b/2'],
      );
      assert.equal(all.revision, r(7));
      assert.equal(all.more, false);
      assert.deepEqual(all.items[0], { key: '/core/pods/a/1', value: 'v/core/pods/a/1', modRevision: r(2), createRevision: r(2) });
      assert.deepEqual((await s.list('/core/pods/a/')).items.map((e) => e.key), ['/core/pods/a/1', '/core/pods/a/10']);
      assert.equal((await s.list('/')).items.length, 7);
      assert.deepEqual((await s.list('/none/')).items, []);

      const p1 = await s.list('/core/pods/', { limit: 3 });
      assert.deepEqual(p1.items.map((e) => e.key), ['/core/pods/a/1', '/core/pods/a/10', '/core/pods/b/1']);
      assert.equal(p1.more, true);
      const p2 = await s.list('/core/pods/', { limit: 3, startAfter: '/core/pods/b/1' });
      assert.deepEqual(p2.items.map((e) => e.key), ['/core/pods/b/2']);
      assert.equal(p2.more, false);
      const exact = await s.list('/core/pods/', { limit: 4 });
      assert.equal(exact.items.length, 4);
      assert.equal(exact.more, false, 'no more when the limit is exactly the count');
      // startAfter below the prefix starts at the prefix; a key that no longer exists still works.
      assert.equal((await s.list('/core/pods/', { startAfter: '/a' })).items.length, 4);
      assert.deepEqual((await s.list('/core/pods/', { startAfter: '/core/pods/a/2' })).items.map((e) => e.key), ['/core/pods/b/1', '/core/pods/b/2']);
    });

    test('list pages cover a large prefix exactly once', async (t) => {
      const { s, r } = await open(t);
      const n = 1000;
      await Promise.all(Array.from({ length: n }, (_, i) => s.create(`/core/cm/ns/c${String(i).padStart(4, '0')}`, '{}')));
      const seen: string[] = [];
      let startAfter: string | undefined;
      for (;;) {
        const page = await s.list('/core/cm/', { limit: 128, startAfter });
        seen.push(...page.items.map((e) => e.key));
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1].key;
      }
      assert.equal(seen.length, n);
      assert.equal(new Set(seen).size, n);
      assert.deepEqual(seen, [...seen].sort());
    });

    test('list at an older revision sees the state of that revision', async (t) => {
      const { s, r } = await open(t);
      await s.create('/r/a', 'a1'); // 1
      await s.create('/r/b', 'b1'); // 2
      await s.update('/r/a', 'a2', r(1)); // 3
      await s.delete('/r/b', r(2)); // 4
      await s.create('/r/c', 'c1'); // 5
      const at2 = await s.list('/r/', { revision: r(2) });
      assert.equal(at2.revision, r(2));
      assert.deepEqual(at2.items, [
        { key: '/r/a', value: 'a1', modRevision: r(1), createRevision: r(1) },
        { key: '/r/b', value: 'b1', modRevision: r(2), createRevision: r(2) },
      ]);
      const at4 = await s.list('/r/', { revision: r(4) });
      assert.deepEqual(at4.items, [{ key: '/r/a', value: 'a2', modRevision: r(3), createRevision: r(1) }]);
      const at4paged = await s.list('/r/', { revision: r(2), limit: 1 });
      assert.deepEqual(at4paged.items.map((e) => e.key), ['/r/a']);
      assert.equal(at4paged.more, true);
      const rest = await s.list('/r/', { revision: r(2), limit: 1, startAfter: '/r/a' });
      assert.deepEqual(rest.items.map((e) => e.value), ['b1']);
      assert.equal(rest.more, false);
      assert.equal((await s.list('/r/', { revision: r(5) })).items.length, 2);
      await assert.rejects(s.list('/r/', { revision: r(6) }), RangeError);
    });

    test('watch from a revision replays history, then live events, in order', async (t) => {
      const { s, r } = await open(t);
      await s.create('/w/a', 'a1'); // 1
      await s.create('/x/other', 'o'); // 2
      await s.update('/w/a', 'a2', r(1)); // 3
      const w = collect(s, '/w/', r(1));
      t.after(() => w.watcher.close());
      await s.create('/w/b', 'b1'); // 4
      await s.delete('/w/a', r(3)); // 5
      await s.update('/x/other', 'o2', r(2)); // 6
      await waitUntil(() => w.events.length >= 3, 'three events');
      assert.deepEqual(brief(w.events), [
        { type: 'update', key: '/w/a', value: 'a2', prevValue: 'a1', revision: r(3) },
        { type: 'create', key: '/w/b', value: 'b1', prevValue: undefined, revision: r(4) },
        { type: 'delete', key: '/w/a', value: 'a2', prevValue: 'a2', revision: r(5) },
      ]);
      assert.deepEqual(w.errors, []);

      // From 0 (nothing compacted): the whole history under the prefix.
      const all = collect(s, '/', r(0));
      t.after(() => all.watcher.close());
      await waitUntil(() => all.events.length >= 6, 'full history');
      assert.deepEqual(all.events.map((e) => e.revision), [r(1), r(2), r(3), r(4), r(5), r(6)]);
      assert.deepEqual(all.events.map((e) => e.type), ['create', 'create', 'update', 'create', 'delete', 'update']);
    });

    test('watch from the future skips events up to that revision', async (t) => {
      const { s, r } = await open(t);
      const w = collect(s, '/', r(2));
      t.after(() => w.watcher.close());
      for (let i = 1; i <= 4; i++) await s.create(`/f/${i}`, 'x');
      await waitUntil(() => w.events.length >= 2, 'two events');
      assert.deepEqual(w.events.map((e) => e.revision), [r(3), r(4)]);
    });

    test('watch delivers asynchronously, every event exactly once under write load', async (t) => {
      const { s, r } = await open(t);
      for (let i = 0; i < 700; i++) await s.create(`/load/a${i}`, 'x'); // more than one history chunk
      const w = collect(s, '/load/', r(0));
      t.after(() => w.watcher.close());
      assert.equal(w.events.length, 0, 'no event delivered inside watch()');
      const writes = Array.from({ length: 300 }, (_, i) => s.create(`/load/b${i}`, 'y'));
      await Promise.all(writes);
      await waitUntil(() => w.events.length >= 1000, '1000 events');
      const revs = w.events.map((e) => e.revision);
      assert.equal(revs.length, 1000);
      for (let i = 1; i < revs.length; i++) assert.ok(revs[i] > revs[i - 1], `order at ${i}`);
      assert.equal(new Set(w.events.map((e) => e.key)).size, 1000);
    });

    test('closed watchers get nothing more; a throwing watcher fails alone', async (t) => {
      const { s, r } = await open(t);
      const closed = collect(s, '/', r(0));
      closed.watcher.close();
      closed.watcher.close(); // idempotent
      const ok = collect(s, '/', r(0));
      t.after(() => ok.watcher.close());
      const boom = new Error('consumer bug');
      const errs: Error[] = [];
      const bad = s.watch('/', r(0), () => { throw boom; }, (e) => errs.push(e));
      t.after(() => bad.close());
      await s.create('/c/1', 'x');
      await s.create('/c/2', 'x');
      await waitUntil(() => ok.events.length === 2 && errs.length === 1, 'events and the error');
      assert.equal(errs[0], boom);
      assert.equal(closed.events.length, 0);
    });

    test('a watcher writing from its callback does not reorder anyone', async (t) => {
      const { s, r } = await open(t);
      const other = collect(s, '/', r(0));
      t.after(() => other.watcher.close());
      const w = s.watch('/chain/', r(0), (ev) => {
        const n = Number(ev.key.split('/').pop());
        if (n < 20) void s.create(`/chain/${n + 1}`, 'x');
      }, () => undefined);
      t.after(() => w.close());
      await s.create('/chain/0', 'x');
      await waitUntil(() => other.events.length === 21, '21 chained events');
      assert.deepEqual(other.events.map((e) => e.key), Array.from({ length: 21 }, (_, i) => `/chain/${i}`));
      assert.deepEqual(other.events.map((e) => e.revision), Array.from({ length: 21 }, (_, i) => r(i + 1)));
    });

    test('compaction forgets old history but keeps the state', async (t) => {
      const { s, r } = await open(t);
      await s.create('/p/a', 'a1'); // 1
      await s.create('/p/b', 'b1'); // 2
      await s.update('/p/a', 'a2', r(1)); // 3
      await s.delete('/p/b', r(2)); // 4
      await s.create('/p/c', 'c1'); // 5
      await s.update('/p/c', 'c2', r(5)); // 6
      if (shared) assert.ok((await s.oldestRevision()) <= r(1), 'nothing of this test compacted yet');
      else assert.equal(await s.oldestRevision(), r(1));
      await s.compact(r(4));
      assert.equal(await s.oldestRevision(), r(5));
      assert.equal(await s.currentRevision(), r(6));

      await assert.rejects(s.list('/p/', { revision: r(3) }), (e: unknown) => e instanceof StoreCompactedError && e.requested === r(3) && e.compacted === r(4));
      assert.deepEqual((await s.list('/p/', { revision: r(4) })).items, [{ key: '/p/a', value: 'a2', modRevision: r(3), createRevision: r(1) }]);
      assert.deepEqual((await s.list('/p/', { revision: r(5) })).items.map((e) => e.value), ['a2', 'c1']);
      assert.deepEqual((await s.list('/p/')).items.map((e) => e.value), ['a2', 'c2']);
      assert.deepEqual(await s.get('/p/a'), { key: '/p/a', value: 'a2', modRevision: r(3), createRevision: r(1) });

      const tooOld = collect(s, '/p/', r(3));
      await waitUntil(() => tooOld.errors.length === 1, 'compacted error');
      assert.ok(tooOld.errors[0] instanceof StoreCompactedError);
      assert.equal((tooOld.errors[0] as StoreCompactedError).compacted, r(4));
      assert.equal(tooOld.events.length, 0);

      const fine = collect(s, '/p/', r(4));
      t.after(() => fine.watcher.close());
      await waitUntil(() => fine.events.length === 2, 'events after the compacted revision');
      assert.deepEqual(brief(fine.events), [
        { type: 'create', key: '/p/c', value: 'c1', prevValue: undefined, revision: r(5) },
        { type: 'update', key: '/p/c', value: 'c2', prevValue: 'c1', revision: r(6) },
      ]);

      // Compacting to the current revision: nothing left to replay, writes continue upward.
      await s.delete('/p/c', r(6)); // 7
      await s.compact(r(7));
      await s.compact(r(5)); // older than what is compacted: no-op
      assert.equal(await s.oldestRevision(), r(8));
      assert.deepEqual((await s.list('/p/')).items.map((e) => e.key), ['/p/a']);
      assert.equal((await s.update('/p/a', 'a3', r(3))).modRevision, r(8));
      const upd = collect(s, '/p/', r(7));
      t.after(() => upd.watcher.close());
      await waitUntil(() => upd.events.length === 1, 'update after full compaction');
      assert.equal(upd.events[0].prevValue, 'a2');
      await assert.rejects(s.compact(r(100)), RangeError);
    });

    test('parallel creates get distinct increasing revisions', async (t) => {
      const { s, r } = await open(t);
      const n = 200;
      const results = await Promise.all(Array.from({ length: n }, (_, i) => s.create(`/par/${i}`, `v${i}`)));
      const revs = results.map((e) => e.modRevision);
      assert.equal(new Set(revs).size, n);
      // Issued in order from one tick: revisions follow issue order (where the backend promises it).
      if (issueOrder) for (let i = 1; i < n; i++) assert.ok(revs[i] > revs[i - 1]);
      const sorted = [...revs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      assert.deepEqual(sorted, Array.from({ length: n }, (_, i) => r(i + 1)), 'no revision skipped or shared');
      assert.equal(await s.currentRevision(), sorted[n - 1]);
      assert.equal((await s.list('/par/')).items.length, n);
    });

    test('conflicting parallel updates: exactly one wins', async (t) => {
      const { s, r } = await open(t);
      const base = await s.create('/race/x', '0');
      const outcomes = await Promise.allSettled(Array.from({ length: 25 }, (_, i) => s.update('/race/x', `w${i}`, base.modRevision)));
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      assert.equal(won.length, 1);
      for (const l of lost) assert.ok((l as PromiseRejectedResult).reason instanceof StoreConflictError);
      const winner = (won[0] as PromiseFulfilledResult<{ value: string; modRevision: bigint }>).value;
      assert.deepEqual(await s.get('/race/x'), { key: '/race/x', value: winner.value, modRevision: winner.modRevision, createRevision: base.modRevision });
      const dels = await Promise.allSettled([s.delete('/race/x', winner.modRevision), s.delete('/race/x', winner.modRevision)]);
      assert.deepEqual(dels.map((d) => d.status).sort(), ['fulfilled', 'rejected']);
    });

    test('a failing write in a batch fails alone', async (t) => {
      const { s, r } = await open(t);
      const out = await Promise.allSettled([s.create('/b/1', 'x'), s.create('/b/1', 'dup'), s.create('/b/2', 'y'), s.update('/b/2', 'z', r(999))]);
      assert.deepEqual(out.map((x) => x.status), ['fulfilled', 'rejected', 'fulfilled', 'rejected']);
      assert.ok((out[1] as PromiseRejectedResult).reason instanceof StoreKeyExistsError);
      assert.ok((out[3] as PromiseRejectedResult).reason instanceof StoreConflictError);
      assert.deepEqual((await s.list('/b/')).items.map((e) => [e.key, e.value]), [['/b/1', 'x'], ['/b/2', 'y']]);
      assert.equal(await s.currentRevision(), r(2));
    });

    test('large values and unicode survive unchanged', async (t) => {
      const { s, r } = await open(t);
      const big = JSON.stringify({ data: 'x'.repeat(1 << 20), u: 'ü€😀' });
      await s.create('/big/v', big);
      assert.equal((await s.get('/big/v'))!.value, big);
    });

    test('close settles: later calls fail', async () => {
      const s = await make();
      const pending = s.create('/z/a', 'x');
      await s.close();
      await pending.then(
        (e) => assert.equal(e.key, '/z/a'),
        (err: Error) => assert.match(err.message, /closed/),
      );
      await assert.rejects(s.create('/z/b', 'x'), /closed/);
      await s.close(); // idempotent
    });
  });
}
