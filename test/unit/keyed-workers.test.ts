// A controller stopped on lost leadership and started again keeps reconciling: a fresh queue,
// seeded with every key, with keys added after the restart processed too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyedWorkers } from '../../src/controllers/runtime/keyed-workers.js';
import { VirtualClock } from '../../src/util/clock.js';

async function until(fn: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!fn()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setImmediate(r));
  }
}

test('keyed workers survive a stop and a start (leadership lost and won back)', async () => {
  const seen: string[] = [];
  const owned = ['a', 'b'];
  const w = new KeyedWorkers({ clock: new VirtualClock(), workers: 2, reconcile: async (k) => void seen.push(k), allKeys: () => owned });
  w.start();
  w.queue.add('a');
  await until(() => seen.includes('a'));
  w.stop();
  await w.stopped();
  w.queue.add('lost-while-stopped');
  seen.length = 0;
  w.start();
  // Every owned key is reconciled again; the event dropped while stopped is not needed.
  await until(() => seen.includes('a') && seen.includes('b'));
  w.queue.add('c');
  await until(() => seen.includes('c'));
  assert.ok(!seen.includes('lost-while-stopped'));
  w.stop();
  await w.stopped();
});

test('a restart calls onRestart before the owned keys are reconciled again; the first start does not', async () => {
  const order: string[] = [];
  const w = new KeyedWorkers({
    clock: new VirtualClock(),
    workers: 1,
    reconcile: async (k) => void order.push(`sync ${k}`),
    allKeys: () => ['x'],
    onRestart: () => order.push('restart'),
  });
  w.start();
  w.queue.add('x');
  await until(() => order.length === 1);
  assert.deepEqual(order, ['sync x']);
  w.stop();
  await w.stopped();
  w.start();
  await until(() => order.length === 3);
  assert.deepEqual(order, ['sync x', 'restart', 'sync x']);
  w.stop();
  await w.stopped();
});
