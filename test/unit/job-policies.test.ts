// The Job controller's pure rules: completion-index interval strings, the pod-failure back-off
// arithmetic, podFailurePolicy matching with upstream's messages, successPolicy, pending indexes,
// and how many pods a Job wants.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OrderedIntervals } from '../../src/controllers/job/intervals.js';
import { BackoffStore, remainingBackoffMs } from '../../src/controllers/job/backoff.js';
import { matchPodFailurePolicy } from '../../src/controllers/job/pod-failure-policy.js';
import { matchSuccessPolicy } from '../../src/controllers/job/success-policy.js';
import { pastBackoffLimitOnFailure, wantActive } from '../../src/controllers/job/sync-job.js';
import { firstPendingIndexes } from '../../src/controllers/job/indexed.js';
import { finishedTime, podGenerateNameWithIndex } from '../../src/controllers/job/job-pods.js';
import type { SyncJobContext } from '../../src/controllers/job/sync-context.js';
import type { KObject } from '../../src/api/types.js';
import { newJob } from './job-fake-cluster.js';

test('interval strings: "1,3-5,7" form, adjacent pairs with a comma, cut at completions', () => {
  const cases: [indexes: number[], want: string][] = [
    [[], ''],
    [[0], '0'],
    [[0, 1], '0,1'],
    [[0, 1, 2], '0-2'],
    [[1, 3, 4, 5, 7], '1,3-5,7'],
    [[0, 2, 3, 9, 10, 11, 12], '0,2,3,9-12'],
  ];
  for (const [ix, want] of cases) assert.equal(OrderedIntervals.empty().withIndexes(ix).toString(), want);
  assert.equal(OrderedIntervals.parse('1,3-5,7', 10).total(), 5);
  assert.equal(OrderedIntervals.parse('1,3-5,7', 5).toString(), '1,3,4', 'intervals are cut at completions');
  assert.equal(OrderedIntervals.parse('0,x,2-3', 5).toString(), '0,2,3', 'malformed pieces are skipped');
  assert.equal(OrderedIntervals.parse('0-1,2', 5).toString(), '0-2', 'adjacent intervals merge');
  const iv = OrderedIntervals.parse('1,3-5,7', 10);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].map((i) => iv.has(i)), [false, true, false, true, true, true, false, true, false]);
  assert.equal(iv.merge(OrderedIntervals.parse('2,6', 10)).toString(), '1-7');
});

test('pod-failure back-off: 10 s doubling per failure since the last success, capped at 10 minutes, from the last failure', () => {
  const t = 1_000_000;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => remainingBackoffMs(t, n, t)), [10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000]);
  assert.equal(remainingBackoffMs(t + 4_000, 1, t), 6_000, 'measured from the last failure');
  assert.equal(remainingBackoffMs(t + 11_000, 1, t), 0);
  assert.equal(remainingBackoffMs(t, 0, undefined), 0);
});

function podAt(name: string, phase: 'Succeeded' | 'Failed', finishedAt: string): KObject {
  return {
    metadata: { name, namespace: 'default', uid: name, creationTimestamp: '2026-01-05T00:00:00Z' },
    status: { phase, containerStatuses: [{ name: 'c', state: { terminated: { exitCode: phase === 'Failed' ? 1 : 0, finishedAt } } }] },
  };
}

test('back-off records: failures accumulate; a success resets to the failures after it', () => {
  const store = new BackoffStore();
  let r = store.next('k', [], [podAt('a', 'Failed', '2026-01-05T00:00:10Z'), podAt('b', 'Failed', '2026-01-05T00:00:05Z')]);
  assert.equal(r.failuresAfterLastSuccess, 2);
  assert.equal(r.lastFailureTime, Date.parse('2026-01-05T00:00:10Z'));
  store.update(r);
  r = store.next('k', [podAt('s', 'Succeeded', '2026-01-05T00:01:00Z')], [podAt('c', 'Failed', '2026-01-05T00:00:50Z'), podAt('d', 'Failed', '2026-01-05T00:01:30Z')]);
  assert.equal(r.failuresAfterLastSuccess, 1, 'only the failure after the success counts');
  assert.equal(r.lastFailureTime, Date.parse('2026-01-05T00:01:30Z'));
  // The finish time falls back to Ready=False, then deletion minus grace.
  assert.equal(finishedTime({ metadata: { name: 'x' }, status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: '2026-01-05T00:02:00Z' }] } }), Date.parse('2026-01-05T00:02:00Z'));
  assert.equal(finishedTime({ metadata: { name: 'x', deletionTimestamp: '2026-01-05T00:03:00Z', deletionGracePeriodSeconds: 30 }, status: {} }), Date.parse('2026-01-05T00:02:30Z'));
});

function failedPod(exitCodes: Record<string, number>, conditions: { type: string; status: string }[] = [], init: Record<string, number> = {}): KObject {
  const st = (m: Record<string, number>) => Object.entries(m).map(([name, exitCode]) => ({ name, state: { terminated: { exitCode } } }));
  return { metadata: { name: 'pi-abcde', namespace: 'default' }, status: { phase: 'Failed', conditions, containerStatuses: st(exitCodes), initContainerStatuses: st(init) } };
}

test('podFailurePolicy: first matching rule wins, with upstream messages', () => {
  const policy = {
    rules: [
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [42] } },
      { action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } },
      { action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] },
    ],
  };
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod({ main: 137 }, [{ type: 'DisruptionTarget', status: 'True' }])), { countFailed: false, action: 'Ignore' });
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod({ main: 42 })), {
    countFailed: true,
    action: 'FailJob',
    failJobMessage: 'Container main for pod default/pi-abcde failed with exit code 42 matching FailJob rule at index 1',
  });
  // containerName restricts the rule: 42 in another container falls to the NotIn rule.
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod({ sidecar: 42 })), { countFailed: true, action: 'Count' });
  // No rule: counted, no action.
  assert.deepEqual(matchPodFailurePolicy(policy, failedPod({ main: 1 })), { countFailed: true });
  assert.equal(
    matchPodFailurePolicy(policy, failedPod({ main: 1 }, [{ type: 'ConfigIssue', status: 'True' }])).failJobMessage,
    'Pod default/pi-abcde has condition ConfigIssue matching FailJob rule at index 3',
  );
  // Exit code 0 never matches onExitCodes; init containers are looked at after regular ones.
  assert.deepEqual(matchPodFailurePolicy({ rules: [{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [3] } }] }, failedPod({ c: 0 }, [], { init: 3 })), { countFailed: true, action: 'FailIndex' });
  assert.deepEqual(matchPodFailurePolicy(undefined, failedPod({ c: 1 })), { countFailed: true });
});

test('successPolicy: succeededIndexes, succeededCount, both', () => {
  const s = (x: string) => OrderedIntervals.parse(x, 10);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0' }] }, 10, s('0')), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-2' }] }, 10, s('0,2')), undefined);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-2' }, { succeededCount: 3 }] }, 10, s('0,2,7')), 'Matched rules at index 1');
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-4', succeededCount: 2 }] }, 10, s('1,8,9')), undefined);
  assert.equal(matchSuccessPolicy({ rules: [{ succeededIndexes: '0-4', succeededCount: 2 }] }, 10, s('1,3,8')), 'Matched rules at index 0');
  assert.equal(matchSuccessPolicy({ rules: [{ succeededCount: 1 }] }, 10, s('')), undefined);
});

test('wantActive: completions cap, parallelism, and the work queue', () => {
  assert.equal(wantActive(newJob({ completions: 5, parallelism: 2 }), 0, 0), 2);
  assert.equal(wantActive(newJob({ completions: 5, parallelism: 2 }), 2, 4), 1);
  assert.equal(wantActive(newJob({ completions: 5, parallelism: 2 }), 0, 7), 0);
  assert.equal(wantActive(newJob({ completions: null, parallelism: 3 }), 0, 0), 3);
  // Work queue after a success: no new pods, running ones keep running.
  assert.equal(wantActive(newJob({ completions: null, parallelism: 3 }), 2, 1), 2);
  assert.equal(wantActive(newJob({ completions: 3, parallelism: 0 }), 0, 0), 0);
});

test('OnFailure: the sum of restarts of running pods against backoffLimit', () => {
  const pod = (restarts: number, phase = 'Running'): KObject => ({ metadata: { name: 'p' }, status: { phase, containerStatuses: [{ name: 'c', restartCount: restarts }] } });
  const onFailure = (limit: number) => newJob({ backoffLimit: limit, template: { spec: { restartPolicy: 'OnFailure', containers: [] } } });
  assert.equal(pastBackoffLimitOnFailure(onFailure(3), [pod(1), pod(1)]), false);
  assert.equal(pastBackoffLimitOnFailure(onFailure(3), [pod(2), pod(1)]), true);
  assert.equal(pastBackoffLimitOnFailure(onFailure(0), [pod(1)]), true);
  assert.equal(pastBackoffLimitOnFailure(onFailure(3), [pod(5, 'Failed')]), false, 'finished pods do not count');
  assert.equal(pastBackoffLimitOnFailure(newJob({ backoffLimit: 1 }), [pod(5)]), false, 'Never: restarts do not apply');
});

test('pending indexes skip succeeded, active and failed ones; generateName keeps the index', () => {
  const job = newJob({ completionMode: 'Indexed', completions: 8, parallelism: 8 });
  const active = (ix: number): KObject => ({ metadata: { name: `p${ix}`, annotations: { 'batch.kubernetes.io/job-completion-index': String(ix) } }, status: { phase: 'Running' } });
  const ctx = { job, pods: [active(1), active(4)], activePods: [active(1), active(4)], succeededIndexes: OrderedIntervals.parse('0,2', 8), failedIndexes: OrderedIntervals.parse('5', 8) } as unknown as SyncJobContext;
  assert.deepEqual(firstPendingIndexes(ctx, 10, 8), [3, 6, 7]);
  assert.deepEqual(firstPendingIndexes(ctx, 2, 8), [3, 6]);
  assert.equal(podGenerateNameWithIndex('sample', 3), 'sample-3-');
  assert.equal(podGenerateNameWithIndex('x'.repeat(60), 12), `${'x'.repeat(54)}-12-`);
});
