// The API server's event TTL on a virtual clock: an event goes an hour after its last write, and a
// write in between (a recorder counting a repeat) starts its hour again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../src/api/errors.js';
import { R } from '../../src/client/resources.js';
import { VirtualClock } from '../../src/util/clock.js';
import { eventually, InProcessCluster } from './in-process-cluster.js';

test('events expire an hour after their last write; rewriting one keeps it', async () => {
  const clock = new VirtualClock(Date.parse('2026-03-01T10:00:00Z'));
  const c = await InProcessCluster.start({ clock });
  try {
    const events = c.resource(R.events);
    const ev = (name: string) => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'p', namespace: 'default' },
      reason: 'Testing',
      message: 'm',
      type: 'Normal',
      count: 1,
    });
    await events.create('default', ev('kept'));
    await events.create('default', ev('dropped'));
    const exists = async (name: string) => {
      try {
        await events.get('default', name);
        return true;
      } catch (err) {
        if (err instanceof ApiError && err.code === 404) return false;
        throw err;
      }
    };
    clock.advance(50 * 60_000);
    // A repeat 50 minutes in: the recorder bumps count (a write at the clock's now).
    const cur = await events.get('default', 'kept');
    await events.update({ ...cur, count: 2 });
    clock.advance(20 * 60_000);
    // 70 minutes after both creates: the untouched one goes at the next sweep, the rewritten one stays.
    await eventually('dropped deleted', async () => {
      clock.advance(1000);
      return !(await exists('dropped')) || undefined;
    });
    assert.equal(await exists('kept'), true);
    clock.advance(45 * 60_000);
    await eventually('kept deleted an hour after its last write', async () => {
      clock.advance(1000);
      return !(await exists('kept')) || undefined;
    });
  } finally {
    await c.stop();
  }
});

test('events stored under the old separate events.k8s.io prefix are dropped at start', async () => {
  const { MemoryStore } = await import('../../src/storage/memory/memory-store.js');
  const { startControlPlane } = await import('../../src/apiserver/control-plane.js');
  const store = new MemoryStore();
  await store.create('/events.k8s.io/events/default/old', JSON.stringify({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'old', namespace: 'default' } }));
  await store.create('/core/events/default/kept', JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'kept', namespace: 'default', creationTimestamp: new Date().toISOString() } }));
  const cp = await startControlPlane({ store, host: '127.0.0.1', port: 0, tokens: [] });
  try {
    assert.equal((await store.list('/events.k8s.io/events/')).items.length, 0);
    assert.equal((await store.list('/core/events/')).items.length, 1);
  } finally {
    await cp.stop();
  }
});
