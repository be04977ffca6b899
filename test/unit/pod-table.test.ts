import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podKind } from '../../src/kinds/core/pod.js';
import type { KObject } from '../../src/api/types.js';
import { NOW, ago } from './kinds-core-helpers.js';

const MIN = 60_000;

function row(spec: Record<string, unknown>, status: Record<string, unknown>, meta: Record<string, unknown> = {}): unknown[] {
  const pod = { metadata: { name: 'web', creationTimestamp: ago(5 * MIN), ...meta }, spec, status } as KObject;
  return podKind.table!.row(pod, NOW);
}

const one = { containers: [{ name: 'app', image: 'nginx' }], nodeName: 'node-1' };
const running = (extra: Record<string, unknown> = {}) => ({ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: ago(4 * MIN) } }, ...extra });

test('columns are upstream printPod columns', () => {
  assert.deepEqual(
    podKind.table!.columns.map((c) => [c.name, c.priority]),
    [['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1]],
  );
});

test('Running pod', () => {
  assert.deepEqual(
    row(one, { phase: 'Running', podIPs: [{ ip: '10.244.0.5' }], conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [running()] }),
    ['web', '1/1', 'Running', '0', '5m', '10.244.0.5', 'node-1', '<none>', '<none>'],
  );
});

test('Pending pod, not scheduled', () => {
  assert.deepEqual(row({ containers: one.containers }, { phase: 'Pending' }), ['web', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
});

test('Pending pod with ContainerCreating', () => {
  const st = { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] };
  assert.equal(row(one, st)[2], 'ContainerCreating');
  assert.equal(row(one, st)[1], '0/1');
});

test('CrashLoopBackOff with restarts "N (Xm ago)"', () => {
  const cs = {
    name: 'app',
    ready: false,
    restartCount: 4,
    state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
    lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(2 * MIN) } },
  };
  assert.deepEqual(row(one, { phase: 'Running', containerStatuses: [cs] }).slice(1, 4), ['0/1', 'CrashLoopBackOff', '4 (2m ago)']);
});

test('Completed and Error', () => {
  const done = (code: number, reason: string) => ({ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: code, reason } } });
  assert.equal(row({ ...one, restartPolicy: 'Never' }, { phase: 'Succeeded', containerStatuses: [done(0, 'Completed')] })[2], 'Completed');
  assert.equal(row({ ...one, restartPolicy: 'Never' }, { phase: 'Failed', containerStatuses: [done(2, 'Error')] })[2], 'Error');
  const noReason = { name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } };
  assert.equal(row(one, { phase: 'Failed', containerStatuses: [noReason] })[2], 'ExitCode:137');
});

test('Init:0/2, Init:CrashLoopBackOff, Init:Error and PodInitializing', () => {
  const spec = { ...one, initContainers: [{ name: 'i1', image: 'busybox' }, { name: 'i2', image: 'busybox' }] };
  const waitingInit = (reason: string) => ({ name: 'i1', ready: false, restartCount: 0, state: { waiting: { reason } } });
  const pending = { name: 'i2', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } };
  assert.equal(row(spec, { phase: 'Pending', initContainerStatuses: [{ name: 'i1', ready: false, restartCount: 0, state: { running: {} } }, pending] })[2], 'Init:0/2');
  assert.equal(row(spec, { phase: 'Pending', initContainerStatuses: [waitingInit('CrashLoopBackOff'), pending] })[2], 'Init:CrashLoopBackOff');
  const failed = { name: 'i1', ready: false, restartCount: 3, state: { terminated: { exitCode: 1, reason: 'Error' } } };
  const r = row(spec, { phase: 'Pending', initContainerStatuses: [failed, pending] });
  assert.deepEqual(r.slice(2, 4), ['Init:Error', '3']);
  const doneInit = { name: 'i1', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
  assert.equal(row(spec, { phase: 'Pending', initContainerStatuses: [doneInit, { ...doneInit, name: 'i2', state: { running: {} } }] })[2], 'Init:1/2');
  const cs = [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }];
  assert.equal(row(spec, { phase: 'Pending', initContainerStatuses: [doneInit, { ...doneInit, name: 'i2' }], containerStatuses: cs })[2], 'PodInitializing');
});

test('sidecars count towards READY and their restarts show', () => {
  const spec = { ...one, initContainers: [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }] };
  const sidecar = { name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * MIN) } } };
  const r = row(spec, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }, { type: 'Initialized', status: 'True' }], initContainerStatuses: [sidecar], containerStatuses: [running()] });
  assert.deepEqual(r.slice(1, 4), ['2/2', 'Running', '1 (3m ago)']);
});

test('Terminating, and Unknown for a deleted pod on a lost node', () => {
  const st = { phase: 'Running', containerStatuses: [running()] };
  assert.equal(row(one, st, { deletionTimestamp: ago(0) })[2], 'Terminating');
  assert.equal(row(one, { ...st, reason: 'NodeLost' }, { deletionTimestamp: ago(0) })[2], 'Unknown');
  assert.equal(row({ ...one, restartPolicy: 'Never' }, { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, { deletionTimestamp: ago(0) })[2], 'Completed');
});

test('Completed container next to a running one shows NotReady/Running', () => {
  const spec = { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] };
  const st = (ready: boolean) => ({
    phase: 'Running',
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: [running({ name: 'a' }), { name: 'b', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
  });
  assert.deepEqual(row(spec, st(false)).slice(1, 3), ['1/2', 'NotReady']);
  assert.equal(row(spec, st(true))[2], 'Running');
});

test('readiness gates and nominated node (wide cells)', () => {
  const spec = { ...one, readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] };
  const r = row(spec, { phase: 'Running', nominatedNodeName: 'node-2', conditions: [{ type: 'example.com/lb', status: 'True' }], containerStatuses: [running()] });
  assert.deepEqual(r.slice(7), ['node-2', '1/2']);
});

test('SchedulingGated', () => {
  assert.equal(row(one, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] })[2], 'SchedulingGated');
});
