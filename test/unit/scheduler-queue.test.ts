// The scheduling queue on a virtual clock: priority order, back-off, event hints, flush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulingQueue } from '../../src/scheduler/queue.js';
import { VirtualClock } from '../../src/util/clock.js';

const pod = (name: string, priority = 0, spec: JsonObject = {}): KObject => ({ metadata: { name, namespace: 'default' }, spec: { priority, ...spec } });

function drain(q: SchedulingQueue): string[] {
  const out: string[] = [];
  for (let qp = q.pop(); qp; qp = q.pop()) out.push(qp.key);
  return out;
}

test('higher priority first, then first in first out', () => {
  const q = new SchedulingQueue(new VirtualClock());
  q.addOrUpdate(pod('a'), 'a');
  q.addOrUpdate(pod('b', 10), 'b');
  q.addOrUpdate(pod('c'), 'c');
  q.addOrUpdate(pod('d', 10), 'd');
  assert.deepEqual(drain(q), ['b', 'd', 'a', 'c']);
});

test('deleted pods are not handed out; a pod is queued once', () => {
  const q = new SchedulingQueue(new VirtualClock());
  q.addOrUpdate(pod('a'), 'a');
  q.addOrUpdate(pod('a'), 'a');
  q.addOrUpdate(pod('b'), 'b');
  q.delete('a');
  assert.deepEqual(drain(q), ['b']);
  assert.equal(q.activeLength, 0);
});

test('errors back off 1 s doubling to 10 s', () => {
  const clock = new VirtualClock();
  const q = new SchedulingQueue(clock);
  q.addOrUpdate(pod('a'), 'a');
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    assert.equal(q.pop()?.key, 'a');
    q.doneError(q.get('a')!);
    let waited = 0;
    while (q.activeLength === 0) {
      clock.advance(100);
      waited += 100;
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10000, 10000]);
});

test('unschedulable pods wait for an event that may help them, after their back-off', () => {
  const clock = new VirtualClock();
  const q = new SchedulingQueue(clock, { maxUnschedulableMs: 60_000 });
  q.addOrUpdate(pod('cpu'), 'cpu');
  q.addOrUpdate(pod('label'), 'label');
  drain(q);
  q.doneUnschedulable(q.get('cpu')!, new Set(['NodeResourcesFit']));
  q.doneUnschedulable(q.get('label')!, new Set(['NodeAffinity']));
  assert.deepEqual(q.stats(), { active: 0, backoff: 0, unschedulable: 2, inflight: 0 });
  clock.advance(5000);
  q.onClusterEvent(new Set(['TaintToleration']));
  assert.equal(q.activeLength, 0, 'an unrelated event moves nothing');
  q.onClusterEvent(new Set(['NodeAffinity']));
  assert.deepEqual(drain(q), ['label']);
  // Still inside its 1 s back-off: the event parks it in backoff first.
  q.doneUnschedulable(q.get('label')!, new Set(['NodeAffinity']));
  q.onClusterEvent('all');
  assert.deepEqual(drain(q), ['cpu']);
  assert.equal(q.stats().backoff, 1);
  clock.advance(2000);
  assert.deepEqual(drain(q), ['label']);
});

test('an event during the attempt sends a failure to back-off instead of waiting', () => {
  const clock = new VirtualClock();
  const q = new SchedulingQueue(clock);
  q.addOrUpdate(pod('a'), 'a');
  q.pop();
  q.onClusterEvent('all');
  q.doneUnschedulable(q.get('a')!, new Set(['NodeResourcesFit']));
  assert.equal(q.stats().backoff, 1);
  clock.advance(1000);
  assert.deepEqual(drain(q), ['a']);
});

test('unschedulable pods are retried after maxUnschedulableMs anyway', () => {
  const clock = new VirtualClock();
  const q = new SchedulingQueue(clock, { maxUnschedulableMs: 30_000 });
  q.addOrUpdate(pod('a'), 'a');
  q.pop();
  q.doneUnschedulable(q.get('a')!, new Set(['NodeAffinity']));
  clock.advance(25_000);
  assert.equal(q.activeLength, 0);
  clock.advance(10_000);
  assert.deepEqual(drain(q), ['a']);
});

test('a change to the pod itself retries it; a status-only change does not', () => {
  const clock = new VirtualClock();
  const q = new SchedulingQueue(clock);
  q.addOrUpdate(pod('a'), 'a');
  q.pop();
  q.doneUnschedulable(q.get('a')!, new Set(['TaintToleration']));
  q.addOrUpdate({ ...pod('a'), status: { conditions: [{ type: 'PodScheduled', status: 'False' }] } }, 'a');
  assert.equal(q.stats().unschedulable, 1);
  clock.advance(2000);
  q.addOrUpdate(pod('a', 0, { tolerations: [{ operator: 'Exists' }] }), 'a');
  assert.deepEqual(drain(q), ['a']);
});

test('bound pods leave the queue', () => {
  const q = new SchedulingQueue(new VirtualClock());
  let woke = 0;
  q.onActive = () => woke++;
  q.addOrUpdate(pod('a'), 'a');
  assert.equal(woke, 1);
  q.pop();
  q.doneBound(q.get('a')!);
  assert.equal(q.get('a'), undefined);
  q.close();
});

test('an attempt for a deleted pod does not touch a re-created pod of the same name', () => {
  const q = new SchedulingQueue(new VirtualClock());
  q.addOrUpdate(pod('a'), 'a');
  const old = q.pop()!;
  q.delete('a');
  q.addOrUpdate(pod('a'), 'a');
  q.doneUnschedulable(old, new Set(['NodeAffinity']));
  q.doneGone(old);
  q.doneBound(old);
  assert.deepEqual(q.stats(), { active: 1, backoff: 0, unschedulable: 0, inflight: 0 });
  assert.deepEqual(drain(q), ['a']);
});
