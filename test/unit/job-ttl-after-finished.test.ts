// The TTL-after-finished rules: which Jobs are cleaned up, and when (from the terminal condition's
// transition time, not from completionTime or creation).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { needsCleanup, ttlRemainingMs } from '../../src/controllers/ttl-after-finished/index.js';

function job(ttl: number | undefined, conditions: { type: string; status: string; lastTransitionTime?: string }[]): KObject {
  return { metadata: { name: 'pi', namespace: 'default' }, spec: ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }, status: { conditions } };
}

test('only finished Jobs with a TTL are cleaned up', () => {
  assert.equal(needsCleanup(job(10, [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-05T00:00:00Z' }])), true);
  assert.equal(needsCleanup(job(0, [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-05T00:00:00Z' }])), true);
  assert.equal(needsCleanup(job(undefined, [{ type: 'Complete', status: 'True' }])), false, 'no TTL: kept forever');
  assert.equal(needsCleanup(job(10, [{ type: 'SuccessCriteriaMet', status: 'True' }])), false, 'not finished until Complete');
  assert.equal(needsCleanup(job(10, [{ type: 'FailureTarget', status: 'True' }])), false);
  assert.equal(needsCleanup(job(10, [])), false);
});

test('the TTL runs from the Complete/Failed transition', () => {
  const j = job(100, [
    { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: '2026-01-05T00:00:00Z' },
    { type: 'Complete', status: 'True', lastTransitionTime: '2026-01-05T00:00:05Z' },
  ]);
  assert.equal(ttlRemainingMs(j, new Date('2026-01-05T00:00:05Z')), 100_000);
  assert.equal(ttlRemainingMs(j, new Date('2026-01-05T00:01:45Z')), 0);
  assert.ok(ttlRemainingMs(j, new Date('2026-01-05T00:02:00Z')) < 0);
  // ttlSecondsAfterFinished 0: eligible at once.
  assert.equal(ttlRemainingMs(job(0, [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-05T00:00:00Z' }]), new Date('2026-01-05T00:00:00Z')), 0);
  assert.throws(() => ttlRemainingMs(job(5, [{ type: 'Complete', status: 'True' }]), new Date()), /unable to find the time when the Job default\/pi finished/);
});
