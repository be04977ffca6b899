// The pod status the agent reports, as a pure function (phase, conditions, container states),
// and the strategic merge patch that carries a change to the API.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { generatePodStatus, podPhase, type ContainerView } from '../../src/kubelet/pod-status.js';
import { patchFor } from '../../src/kubelet/status-writer.js';
import type { ContainerStatus } from '../../src/kubelet/runtime/runtime.js';

const NOW = new Date('2026-03-01T10:00:00Z');
const T0 = new Date('2026-03-01T09:59:00Z');

function pod(spec: JsonObject, status: JsonObject = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u' }, spec: { restartPolicy: 'Always', ...spec }, status: { phase: 'Pending', qosClass: 'BestEffort', ...status } };
}

function rt(state: ContainerStatus['state'], extra: Partial<ContainerStatus> = {}): ContainerStatus {
  return { id: `id-${Math.random().toString(16).slice(2)}`, sandboxId: 's', name: 'c', attempt: 0, image: 'img', imageRef: 'docker.io/library/img@sha256:00', state, createdAt: T0, startedAt: state === 'created' ? undefined : T0, ...extra };
}

function view(name: string, kind: ContainerView['kind'], current?: ContainerStatus, extra: Partial<ContainerView> = {}): ContainerView {
  const running = current?.state === 'running';
  return { name, kind, image: 'img', current, restartCount: 0, started: running, ready: running && kind !== 'init', ...extra };
}

function status(p: KObject, containers: ContainerView[], initContainers: ContainerView[] = [], extra: { podIsTerminal?: boolean; sandboxReady?: boolean; previous?: JsonObject } = {}): JsonObject {
  return generatePodStatus({ pod: p, runtimeType: 'sim', containers, initContainers, sandboxReady: extra.sandboxReady ?? true, podIP: '10.244.1.5', hostIP: '172.18.0.2', podIsTerminal: extra.podIsTerminal ?? false, previous: extra.previous, now: NOW });
}

const condTable = (s: JsonObject) => (s.conditions as JsonObject[]).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']);

test('a running container: Running, all conditions True, the container status as upstream shapes it', () => {
  const cur = rt('running');
  const s = status(pod({ containers: [{ name: 'c', image: 'img' }] }), [view('c', 'regular', cur)]);
  assert.equal(s.phase, 'Running');
  assert.deepEqual(condTable(s), [
    ['PodReadyToStartContainers', 'True', '', ''],
    ['Initialized', 'True', '', ''],
    ['Ready', 'True', '', ''],
    ['ContainersReady', 'True', '', ''],
    ['PodScheduled', 'True', '', ''],
  ]);
  assert.deepEqual(s.containerStatuses, [
    { name: 'c', state: { running: { startedAt: '2026-03-01T09:59:00Z' } }, lastState: {}, ready: true, restartCount: 0, image: 'img', imageID: 'docker.io/library/img@sha256:00', containerID: `sim://${cur.id}`, started: true },
  ]);
  assert.equal(s.hostIP, '172.18.0.2');
  assert.deepEqual(s.podIPs, [{ ip: '10.244.1.5' }]);
  assert.equal(s.startTime, '2026-03-01T10:00:00Z');
  assert.equal(s.qosClass, 'BestEffort');
});

test('not yet created: ContainerCreating (PodInitializing with init containers), Pending', () => {
  const s = status(pod({ containers: [{ name: 'b' }, { name: 'a' }] }), [view('b', 'regular'), view('a', 'regular')]);
  assert.equal(s.phase, 'Pending');
  // containerStatuses are sorted by name, as the kubelet sorts them.
  assert.deepEqual((s.containerStatuses as JsonObject[]).map((c) => [c.name, c.state.waiting.reason, c.started]), [
    ['a', 'ContainerCreating', false],
    ['b', 'ContainerCreating', false],
  ]);
  assert.deepEqual(condTable(s)[2], ['Ready', 'False', 'ContainersNotReady', 'containers with unready status: [b a]']);
  const i = status(pod({ initContainers: [{ name: 'i' }], containers: [{ name: 'c' }] }), [view('c', 'regular')], [view('i', 'init', rt('running'))]);
  assert.equal((i.containerStatuses as JsonObject[])[0].state.waiting.reason, 'PodInitializing');
  assert.deepEqual(condTable(i)[1], ['Initialized', 'False', 'ContainersNotInitialized', 'containers with incomplete status: [i]']);
  assert.equal(i.phase, 'Pending');
});

test('crash loop: waiting CrashLoopBackOff, lastState is the exit, phase stays Running', () => {
  const exited = rt('exited', { exitCode: 1, reason: 'Error', finishedAt: NOW });
  const s = status(pod({ containers: [{ name: 'c' }] }), [view('c', 'regular', exited, { restartCount: 1, waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=c pod=p_default(u)' } })]);
  const cs = (s.containerStatuses as JsonObject[])[0];
  assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=c pod=p_default(u)' } });
  assert.equal(cs.lastState.terminated.exitCode, 1);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  assert.equal(cs.restartCount, 1);
  assert.equal(s.phase, 'Running');
});

test('getPhase: restart policies once regular containers have ended', () => {
  const specOf = (restartPolicy: string) => ({ restartPolicy, containers: [{ name: 'a' }, { name: 'b' }] });
  const term = (name: string, exitCode: number) => ({ name, state: { terminated: { exitCode } }, lastState: {} });
  const run = (name: string) => ({ name, state: { running: {} }, lastState: {} });
  const table: [string, JsonObject[], boolean, string][] = [
    ['Never', [term('a', 0), term('b', 0)], false, 'Succeeded'],
    ['Never', [term('a', 0), term('b', 1)], false, 'Failed'],
    ['OnFailure', [term('a', 0), term('b', 1)], false, 'Running'],
    ['OnFailure', [term('a', 0), term('b', 0)], false, 'Succeeded'],
    ['Always', [term('a', 0), term('b', 0)], false, 'Running'],
    ['Always', [term('a', 0), term('b', 0)], true, 'Succeeded'],
    ['Always', [term('a', 0), term('b', 143)], true, 'Failed'],
    ['Never', [run('a'), term('b', 1)], false, 'Running'],
    ['Never', [run('a')], false, 'Pending'],
  ];
  for (const [policy, statuses, terminal, want] of table) {
    assert.equal(podPhase(pod(specOf(policy)), [], statuses, terminal), want, `${policy} ${JSON.stringify(statuses)} terminal=${terminal}`);
  }
});

test('getPhase with init containers and sidecars', () => {
  const spec = { restartPolicy: 'Never', initContainers: [{ name: 'side', restartPolicy: 'Always' }, { name: 'init' }], containers: [{ name: 'c' }] };
  const p = pod(spec);
  const init = (state: JsonObject, started = false) => ({ name: 'init', state, lastState: {}, started });
  const side = (state: JsonObject, started: boolean) => ({ name: 'side', state, lastState: {}, started });
  const c = (state: JsonObject) => ({ name: 'c', state, lastState: {} });
  // An init container that failed with restartPolicy Never fails the pod.
  assert.equal(podPhase(p, [side({ running: {} }, true), init({ terminated: { exitCode: 2 } })], [c({ waiting: { reason: 'PodInitializing' } })], false), 'Failed');
  // A sidecar running but not started keeps the pod Pending.
  assert.equal(podPhase(p, [side({ running: {} }, false)], [c({ waiting: {} })], false), 'Pending');
  // The job done and the sidecar stopped: Succeeded.
  assert.equal(podPhase(p, [side({ terminated: { exitCode: 137 } }, false), init({ terminated: { exitCode: 0 } })], [c({ terminated: { exitCode: 0 } })], false), 'Succeeded');
  // The job done, the sidecar still running: Running.
  assert.equal(podPhase(p, [side({ running: {} }, true), init({ terminated: { exitCode: 0 } })], [c({ terminated: { exitCode: 0 } })], false), 'Running');
});

test('a deleted pod stopped by the agent ends Failed unless every container exited 0; never-run containers count as failed', () => {
  const p = pod({ containers: [{ name: 'c' }] }, { phase: 'Running' });
  const ok = status(p, [view('c', 'regular', rt('exited', { exitCode: 0, reason: 'Completed', finishedAt: NOW }))], [], { podIsTerminal: true, sandboxReady: false });
  assert.equal(ok.phase, 'Succeeded');
  assert.deepEqual(condTable(ok).slice(0, 4), [
    ['PodReadyToStartContainers', 'False', '', ''],
    ['Initialized', 'True', 'PodCompleted', ''],
    ['Ready', 'False', 'PodCompleted', ''],
    ['ContainersReady', 'False', 'PodCompleted', ''],
  ]);
  const killed = status(p, [view('c', 'regular', rt('exited', { exitCode: 137, reason: 'Error', finishedAt: NOW }))], [], { podIsTerminal: true });
  assert.equal(killed.phase, 'Failed');
  assert.equal(condTable(killed)[2][2], 'PodFailed');
  const never = status(pod({ containers: [{ name: 'c' }] }), [view('c', 'regular')], [], { podIsTerminal: true });
  assert.equal(never.phase, 'Failed');
  assert.deepEqual((never.containerStatuses as JsonObject[])[0].state, { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' } });
});

test('a terminal phase is never left; transition times and startTime carry over', () => {
  const p = pod({ restartPolicy: 'Always', containers: [{ name: 'c' }] }, { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });
  const s = status(p, [view('c', 'regular', rt('running'))]);
  assert.equal(s.phase, 'Failed');
  assert.equal(s.reason, 'Evicted');
  const first = status(pod({ containers: [{ name: 'c' }] }), [view('c', 'regular', rt('running'))]);
  const later = generatePodStatus({ pod: pod({ containers: [{ name: 'c' }] }), runtimeType: 'sim', containers: [view('c', 'regular', rt('running'), { ready: false })], initContainers: [], sandboxReady: true, podIP: '10.244.1.5', hostIP: '172.18.0.2', podIsTerminal: false, previous: { ...first, startTime: '2026-03-01T09:00:00Z' }, now: new Date('2026-03-01T10:05:00Z') });
  const ready = (later.conditions as JsonObject[]).find((c) => c.type === 'Ready')!;
  const sched = (later.conditions as JsonObject[]).find((c) => c.type === 'PodScheduled')!;
  assert.equal(ready.lastTransitionTime, '2026-03-01T10:05:00Z');
  assert.equal(sched.lastTransitionTime, '2026-03-01T10:00:00Z');
  assert.equal(later.startTime, '2026-03-01T09:00:00Z');
});

test('readiness gates hold Ready until their conditions are True; other writers\' conditions are kept', () => {
  const spec = { readinessGates: [{ conditionType: 'example.com/lb' }], containers: [{ name: 'c' }] };
  const missing = status(pod(spec), [view('c', 'regular', rt('running'))]);
  assert.deepEqual(condTable(missing).find((c) => c[0] === 'Ready'), ['Ready', 'False', 'ReadinessGatesNotReady', 'corresponding condition of pod readiness gate "example.com/lb" does not exist.']);
  const gated = status(pod(spec, { conditions: [{ type: 'example.com/lb', status: 'True' }] }), [view('c', 'regular', rt('running'))]);
  assert.deepEqual(condTable(gated)[0], ['example.com/lb', 'True', '', '']);
  assert.deepEqual(condTable(gated).find((c) => c[0] === 'Ready'), ['Ready', 'True', '', '']);
});

test('patchFor: only changed fields travel; kubelet conditions merge by type with their order', () => {
  const base = { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: 't0' }] };
  const next = status(pod({ containers: [{ name: 'c' }] }), [view('c', 'regular', rt('running'))], [], { previous: base });
  const patch = patchFor(base, next)!;
  assert.equal(patch.phase, 'Running');
  assert.equal(patch.qosClass, undefined, 'unchanged fields are not sent');
  assert.deepEqual(
    (patch['$setElementOrder/conditions'] as JsonObject[]).map((c) => c.type),
    ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'],
  );
  assert.deepEqual(
    (patch.conditions as JsonObject[]).map((c) => c.type),
    ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'],
  );
  for (const c of patch.conditions as JsonObject[]) assert.ok(!('reason' in c), 'no null for a reason the condition never had');
  assert.equal(patchFor(next, next), undefined);
  // A reason a condition lost is removed with null.
  const notReady = { ...next, conditions: (next.conditions as JsonObject[]).map((c) => (c.type === 'Ready' ? { ...c, status: 'False', reason: 'ContainersNotReady', message: 'm' } : c)) };
  const back = patchFor(notReady, next)!;
  assert.deepEqual((back.conditions as JsonObject[]).map((c) => [c.type, c.reason, c.message]), [['Ready', null, null]]);
  assert.equal(back['$setElementOrder/conditions'] !== undefined, true);
});
