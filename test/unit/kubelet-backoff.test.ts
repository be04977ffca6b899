// Crash-loop back-off arithmetic (client-go flowcontrol.Backoff as the kubelet uses it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrashBackoff, INITIAL_BACKOFF_MS, MAX_BACKOFF_MS } from '../../src/kubelet/backoff.js';
import { formatGoDuration } from '../../src/api/duration.js';

const S = 1000;

/**
 * Simulates a container that crashes `runMs` after each start, restarting as soon as the
 * back-off allows; returns the waits between an exit and the next start.
 */
function crashLoop(b: CrashBackoff, runs: number, runMs: number): number[] {
  let now = 0;
  const waits: number[] = [];
  for (let i = 0; i < runs; i++) {
    now += runMs; // runs, then exits
    const finishedAt = now;
    const release = b.releaseAt('c', finishedAt, now);
    const start = release ?? now;
    waits.push(start - finishedAt);
    now = start;
    assert.equal(b.inBackoff('c', finishedAt, now), false);
    b.next('c', finishedAt, now);
  }
  return waits;
}

test('first restart is immediate, then 10 s doubling to the 5 min cap', () => {
  const b = new CrashBackoff();
  assert.deepEqual(crashLoop(b, 9, 1 * S), [0, 10, 20, 40, 80, 160, 300, 300, 300].map((x) => x * S));
});

test('the delay is the one kubectl shows in the CrashLoopBackOff message', () => {
  const b = new CrashBackoff();
  const shown: string[] = [];
  let now = 0;
  for (let i = 0; i < 7; i++) {
    now += S;
    const finishedAt = now;
    if (b.inBackoff('c', finishedAt, now)) shown.push(formatGoDuration(b.delay('c')));
    now = b.releaseAt('c', finishedAt, now) ?? now;
    b.next('c', finishedAt, now);
  }
  assert.deepEqual(shown, ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s']);
});

test('running more than 10 minutes resets the back-off: the next restart is immediate', () => {
  const b = new CrashBackoff();
  crashLoop(b, 5, S); // delay is now 160 s
  assert.equal(b.delay('c'), 160 * S);
  // Last restart at some time t; the container now runs for 10 min + 1 s and exits.
  const b2 = new CrashBackoff();
  b2.next('c', 0, 0);
  b2.next('c', 10 * S, 20 * S); // restarted at 20 s with delay 20 s
  const exitAfterLong = 20 * S + 2 * MAX_BACKOFF_MS + S;
  assert.equal(b2.inBackoff('c', exitAfterLong, exitAfterLong), false);
  b2.next('c', exitAfterLong, exitAfterLong);
  assert.equal(b2.delay('c'), INITIAL_BACKOFF_MS);
  // Exactly 10 min is not long enough.
  const b3 = new CrashBackoff();
  b3.next('c', 0, 0);
  b3.next('c', 10 * S, 20 * S);
  const exitAt = 20 * S + 2 * MAX_BACKOFF_MS;
  assert.equal(b3.inBackoff('c', exitAt, exitAt), true);
});

test('keys are independent; forgetPrefix drops a pod; gc drops stale entries', () => {
  const b = new CrashBackoff();
  b.next('pod1/a', 0, 0);
  b.next('pod1/b', 0, 0);
  b.next('pod2/a', 0, 0);
  b.next('pod2/a', 0, 1);
  assert.equal(b.delay('pod1/a'), 10 * S);
  assert.equal(b.delay('pod2/a'), 20 * S);
  b.forgetPrefix('pod1/');
  assert.equal(b.size, 1);
  b.gc(2 * MAX_BACKOFF_MS + 2);
  assert.equal(b.size, 0);
});
