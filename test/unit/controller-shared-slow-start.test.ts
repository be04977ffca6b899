import { test } from 'node:test';
import assert from 'node:assert/strict';
import { slowStartBatch } from '../../src/controllers/shared/slow-start.js';

test('slowStartBatch: batch sizes, successes and where it stops', async () => {
  // [count, initial batch, indexes that fail, expected batch sizes, expected successes, error?]
  const rows: [number, number, number[], number[], number, boolean][] = [
    [0, 1, [], [], 0, false],
    [1, 1, [], [1], 1, false],
    [10, 1, [], [1, 2, 4, 3], 10, false],
    [15, 1, [], [1, 2, 4, 8], 15, false],
    [16, 1, [], [1, 2, 4, 8, 1], 16, false],
    [10, 2, [], [2, 4, 4], 10, false],
    [10, 1, [0], [1], 0, true],
    [10, 1, [1], [1, 2], 2, true], // the rest of a failing batch still runs
    [10, 1, [3, 4], [1, 2, 4], 5, true],
    [10, 1, [9], [1, 2, 4, 3], 9, true],
  ];
  for (const [count, initial, failing, wantBatches, wantSuccesses, wantError] of rows) {
    const batches: number[] = [];
    let inFlight = 0;
    let calls = 0;
    const res = await slowStartBatch(count, initial, async (i) => {
      calls++;
      if (inFlight === 0) batches.push(0);
      inFlight++;
      batches[batches.length - 1]++;
      await new Promise((r) => setImmediate(r));
      inFlight--;
      if (failing.includes(i)) throw new Error(`fail ${i}`);
    });
    const label = `count ${count}, initial ${initial}, failing ${failing}`;
    assert.deepEqual(batches, wantBatches, label);
    assert.equal(res.successes, wantSuccesses, label);
    assert.equal(calls, wantBatches.reduce((a, b) => a + b, 0), label);
    assert.equal(res.error !== undefined, wantError, label);
    if (wantError) assert.match((res.error as Error).message, /^fail \d+$/);
  }
});

test('slowStartBatch: each batch runs concurrently and the next waits for it', async () => {
  const log: string[] = [];
  await slowStartBatch(3, 1, async (i) => {
    log.push(`start ${i}`);
    await new Promise((r) => setTimeout(r, 5));
    log.push(`end ${i}`);
  });
  assert.deepEqual(log, ['start 0', 'end 0', 'start 1', 'start 2', 'end 1', 'end 2']);
});
