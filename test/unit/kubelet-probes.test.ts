// Probe workers on a virtual clock: timing fields, thresholds, startup gating, events; and the
// pod IP allocator.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { VirtualClock } from '../../src/util/clock.js';
import { PodEvents } from '../../src/kubelet/pod-events.js';
import { probeOf } from '../../src/kubelet/pod-spec-helpers.js';
import { ProbeManager } from '../../src/kubelet/probes/probe-manager.js';
import { IpAllocator } from '../../src/kubelet/runtime/ip-allocator.js';

const POD: KObject = { metadata: { name: 'p', namespace: 'default', uid: 'u' } };

function setup(answer: (kind: string, t: number) => boolean) {
  const clock = new VirtualClock(0);
  const calls: [string, number][] = [];
  const changes: string[] = [];
  const m = new ProbeManager(
    clock,
    async (_t, spec) => {
      const t = clock.now().getTime();
      calls.push([spec.kind, t]);
      return answer(spec.kind, t) ? { result: 'success', output: '' } : { result: 'failure', output: 'HTTP probe failed with statuscode: 500' };
    },
    () => POD,
    new PodEvents(undefined),
    (uid) => changes.push(uid),
  );
  const tick = async (ms: number) => {
    for (let i = 0; i < ms; i += 1000) {
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
  };
  return { clock, m, calls, changes, tick };
}

const target = { podUid: 'u', containerId: 'c1', containerName: 'web', containerKind: 'regular' as const, startedAt: 0 };

test('readiness starts failing, turns ready after the first success, and honours initialDelay and period', async () => {
  const { m, calls, changes, tick } = setup(() => true);
  const readiness = probeOf({ readinessProbe: { httpGet: { port: 80 }, initialDelaySeconds: 5, periodSeconds: 10 } }, 'readiness')!;
  m.ensure(target, [readiness]);
  assert.equal(m.result('c1', 'readiness'), 'failure');
  await tick(0);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(calls, [], 'not probed before initialDelaySeconds');
  await tick(10_000);
  assert.deepEqual(calls, [['readiness', 10_000]]);
  assert.equal(m.result('c1', 'readiness'), 'success');
  assert.deepEqual(changes, ['u']);
  await tick(20_000);
  assert.deepEqual(calls.map((c) => c[1]), [10_000, 20_000, 30_000]);
  assert.deepEqual(changes, ['u'], 'an unchanged result syncs nothing');
});

test('failureThreshold failures in a row flip a result; successThreshold successes flip it back', async () => {
  let healthy = true;
  const { m, tick } = setup(() => healthy);
  m.ensure(target, [probeOf({ readinessProbe: { periodSeconds: 1, failureThreshold: 3, successThreshold: 2 } }, 'readiness')!]);
  await tick(2000);
  assert.equal(m.result('c1', 'readiness'), 'success');
  healthy = false;
  await tick(2000);
  assert.equal(m.result('c1', 'readiness'), 'success', 'two failures are not enough');
  await tick(1000);
  assert.equal(m.result('c1', 'readiness'), 'failure');
  healthy = true;
  await tick(1000);
  assert.equal(m.result('c1', 'readiness'), 'failure', 'one success is not enough');
  await tick(1000);
  assert.equal(m.result('c1', 'readiness'), 'success');
});

test('liveness and readiness wait for the startup probe; a failed liveness probe holds until the container is replaced', async () => {
  let up = false;
  const { m, calls, tick } = setup((kind) => (kind === 'startup' ? up : kind === 'liveness' ? false : true));
  const c = { startupProbe: { periodSeconds: 1, failureThreshold: 30 }, livenessProbe: { periodSeconds: 1, failureThreshold: 2 }, readinessProbe: { periodSeconds: 1 } };
  m.ensure(target, (['startup', 'liveness', 'readiness'] as const).map((k) => probeOf(c, k)!));
  await tick(3000);
  assert.ok(calls.every(([k]) => k === 'startup'));
  assert.equal(m.started('c1', true), false);
  up = true;
  await tick(1000);
  assert.equal(m.started('c1', true), true);
  await tick(3000);
  assert.equal(m.result('c1', 'liveness'), 'failure');
  const n = calls.filter(([k]) => k === 'liveness').length;
  await tick(5000);
  assert.equal(calls.filter(([k]) => k === 'liveness').length, n, 'on hold after failing');
  assert.equal(calls.filter(([k]) => k === 'startup').length, 4, 'a succeeded startup probe is not run again');
  m.removeContainer('c1', 'u');
  assert.equal(m.size, 0);
});

test('trigger runs a pod\'s probes at once (annotations changed)', async () => {
  let ok = true;
  const { m, tick } = setup(() => ok);
  m.ensure(target, [probeOf({ readinessProbe: { periodSeconds: 60, failureThreshold: 1 } }, 'readiness')!]);
  await tick(1000);
  assert.equal(m.result('c1', 'readiness'), 'success');
  ok = false;
  m.trigger('u');
  await new Promise((r) => setImmediate(r));
  assert.equal(m.result('c1', 'readiness'), 'failure');
});

test('IP allocator: host-local order, no network/gateway/broadcast, release and exhaustion', () => {
  const a = new IpAllocator('10.244.3.0/29');
  assert.equal(a.capacity, 5);
  const got = [a.allocate(), a.allocate(), a.allocate()];
  assert.deepEqual(got, ['10.244.3.2', '10.244.3.3', '10.244.3.4']);
  a.release('10.244.3.3');
  assert.equal(a.allocate(), '10.244.3.5', 'a released IP is not handed out again at once');
  assert.equal(a.allocate(), '10.244.3.6');
  assert.equal(a.allocate(), '10.244.3.3');
  assert.throws(() => a.allocate(), /no IP addresses available in range set: 10\.244\.3\.1-10\.244\.3\.6/);
  assert.throws(() => new IpAllocator('10.0.0.0/33'), /invalid IPv4 pod CIDR/);
  assert.throws(() => new IpAllocator('fd00::/64'), /invalid IPv4 pod CIDR/);
});
