// AutoCompactor policy: keeps both the last keepRevisions revisions and the last keepMs of
// history, judged with an injected clock.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AutoCompactor } from '../../src/storage/auto-compactor.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';

async function writes(store: MemoryStore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await store.create(`/k/${await store.currentRevision()}`, 'x');
}

test('compacts to the older of the count bound and the age bound', async () => {
  const store = new MemoryStore({ compaction: { intervalMs: 0 } });
  let now = 0;
  const errors: Error[] = [];
  const c = new AutoCompactor(store, { keepRevisions: 2, keepMs: 1000, now: () => now, onError: (e) => errors.push(e) });
  await writes(store, 10);
  await c.tick(); // sample (0, 10): nothing is 1000 ms old yet
  assert.equal(await store.oldestRevision(), 1n);
  now = 500;
  await writes(store, 10);
  await c.tick(); // sample (500, 20)
  assert.equal(await store.oldestRevision(), 1n);
  now = 1000;
  await writes(store, 10);
  await c.tick(); // revision 10 was current 1000 ms ago; the count bound (28) would allow more
  assert.equal(await store.oldestRevision(), 11n);
  now = 1600;
  await writes(store, 10);
  await c.tick(); // revision 20 was current at 500 <= 600
  assert.equal(await store.oldestRevision(), 21n);
  assert.equal(await store.currentRevision(), 40n);
  assert.deepEqual(errors, []);
  await store.close();
});

test('the count bound wins when history is old enough', async () => {
  const store = new MemoryStore({ compaction: { intervalMs: 0 } });
  const c = new AutoCompactor(store, { keepRevisions: 5, keepMs: 0, now: () => 0 });
  await writes(store, 12);
  await c.tick();
  assert.equal(await store.oldestRevision(), 8n, 'revisions 8..12 kept');
  await c.tick(); // nothing new: no-op
  assert.equal(await store.oldestRevision(), 8n);
  await store.close();
});

test('failures go to onError, never thrown into the timer', async () => {
  const store = new MemoryStore({ compaction: { intervalMs: 0 } });
  await writes(store, 3);
  await store.close();
  const errors: Error[] = [];
  const c = new AutoCompactor(store, { keepRevisions: 0, keepMs: 0, now: () => 0, onError: (e) => errors.push(e) });
  await c.tick();
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /closed/);
});
