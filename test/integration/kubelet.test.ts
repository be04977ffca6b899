// The node agent against an in-process API server: one node on a virtual clock (back-off,
// grace periods and probe periods pass by advancing it), pods bound by setting spec.nodeName.
// Everything is checked through the API, as a user with kubectl would see it; waits poll with
// a deadline.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/control-plane.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import { RestClient } from '../../src/client/rest-client.js';
import { ResourceClient, R } from '../../src/client/resources.js';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { VirtualClock } from '../../src/util/clock.js';
import { podStatusCells } from '../../src/kinds/core/pod-table.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import { SimRuntime } from '../../src/kubelet/runtime/sim/sim-runtime.js';

const NODE = 'k8ts-node-1';
let cp: ControlPlane;
let client: RestClient;
let clock: VirtualClock;
let runtime: SimRuntime;
let kubelet: Kubelet;
let pods: ResourceClient;
let nodes: ResourceClient;
let leases: ResourceClient;
let events: ResourceClient;

before(async () => {
  cp = await startControlPlane({ store: new MemoryStore(), host: '127.0.0.1', port: 0, tokens: [] });
  client = new RestClient({ server: `http://127.0.0.1:${cp.server.port}` });
  pods = new ResourceClient(client, R.pods);
  nodes = new ResourceClient(client, R.nodes);
  leases = new ResourceClient(client, R.leases);
  events = new ResourceClient(client, R.events);
  clock = new VirtualClock(Date.now());
  runtime = new SimRuntime({ clock, random: () => 0.75 });
  kubelet = new Kubelet({ client, nodeName: NODE, runtime, clock, controlPlane: true, podCIDR: '10.244.1.0/24', nodeIP: '172.18.0.2', log: () => undefined });
  await kubelet.start();
});

after(async () => {
  await kubelet.stop({ killPods: true });
  await runtime.close();
  client.close();
  await cp.stop();
});

async function eventually<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Lets virtual time pass in steps so timers set by the work they trigger fire too. */
async function advance(ms: number, step = 1000): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await new Promise((r) => setTimeout(r, 5));
  }
}

function podObject(name: string, spec: JsonObject, annotations?: Record<string, string>): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', ...(annotations ? { annotations } : {}) }, spec: { nodeName: NODE, ...spec } };
}

const create = (name: string, spec: JsonObject, annotations?: Record<string, string>) => pods.create('default', podObject(name, spec, annotations));
const get = (name: string) => pods.get('default', name);
const cells = (p: KObject) => podStatusCells(p, new Date());
const cond = (p: KObject, type: string) => (p.status?.conditions as JsonObject[] | undefined)?.find((c) => c.type === type);
const cstatus = (p: KObject, name: string) => [...((p.status?.initContainerStatuses as JsonObject[]) ?? []), ...((p.status?.containerStatuses as JsonObject[]) ?? [])].find((c) => c.name === name);

async function until(name: string, pred: (p: KObject) => boolean, what = 'condition', ms = 5000): Promise<KObject> {
  return eventually(`${name}: ${what}`, async () => {
    const p = await get(name);
    return pred(p) ? p : undefined;
  }, ms);
}

async function podEvents(name: string): Promise<JsonObject[]> {
  const list = await events.list('default');
  return list.items.filter((e) => e.involvedObject?.name === name) as JsonObject[];
}

test('the node registers Ready with its labels, capacity, node info and a lease', async () => {
  const n = await nodes.get(undefined, NODE);
  assert.equal(n.metadata.labels?.['kubernetes.io/hostname'], NODE);
  assert.equal(n.metadata.labels?.['kubernetes.io/os'], 'linux');
  assert.ok(n.metadata.labels?.['kubernetes.io/arch']);
  assert.equal(n.metadata.labels?.['node-role.kubernetes.io/control-plane'], '');
  assert.equal(n.spec?.podCIDR, '10.244.1.0/24');
  assert.deepEqual(n.spec?.podCIDRs, ['10.244.1.0/24']);
  assert.equal(n.status?.capacity?.pods, '110');
  assert.ok(n.status?.allocatable?.memory);
  assert.equal(n.status?.nodeInfo?.kubeletVersion, 'v1.32.4-k8ts');
  assert.equal(n.status?.nodeInfo?.containerRuntimeVersion, 'sim://0.1.0');
  assert.equal(n.status?.nodeInfo?.operatingSystem, 'linux');
  assert.deepEqual(n.status?.addresses, [
    { type: 'InternalIP', address: '172.18.0.2' },
    { type: 'Hostname', address: NODE },
  ]);
  const conds = (n.status?.conditions as JsonObject[]).map((c) => [c.type, c.status, c.reason]);
  assert.deepEqual(conds, [
    ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
    ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
    ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
    ['Ready', 'True', 'KubeletReady'],
  ]);
  assert.equal(cond(n, 'Ready')?.message, 'kubelet is posting ready status');
  const lease = await leases.get('kube-node-lease', NODE);
  assert.equal(lease.spec?.holderIdentity, NODE);
  assert.equal(lease.spec?.leaseDurationSeconds, 40);
  assert.match(lease.spec?.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(lease.metadata.ownerReferences?.[0]?.uid, n.metadata.uid);
  const before = Date.parse(lease.spec.renewTime);
  await advance(10_000, 10_000);
  await eventually('lease renewal', async () => Date.parse((await leases.get('kube-node-lease', NODE)).spec.renewTime) >= before + 10_000);
});

test('a pod bound to the node runs: Running 1/1 with an IP, conditions and events', async () => {
  const writes = kubelet.statusWrites;
  await create('sample-pod', { containers: [{ name: 'nginx-container', image: 'nginx:1.16', ports: [{ containerPort: 80 }] }] });
  const p = await until('sample-pod', (x) => x.status?.phase === 'Running' && cond(x, 'Ready')?.status === 'True', 'Running and Ready');
  assert.deepEqual(cells(p), { ready: '1/1', reason: 'Running', restarts: '0' });
  assert.match(p.status?.podIP, /^10\.244\.1\.\d+$/);
  assert.deepEqual(p.status?.podIPs, [{ ip: p.status.podIP }]);
  assert.equal(p.status?.hostIP, '172.18.0.2');
  assert.deepEqual(p.status?.hostIPs, [{ ip: '172.18.0.2' }]);
  assert.ok(p.status?.startTime);
  assert.equal(p.status?.qosClass, 'BestEffort');
  assert.deepEqual(
    (p.status?.conditions as JsonObject[]).map((c) => [c.type, c.status]),
    [
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ],
  );
  for (const c of p.status.conditions as JsonObject[]) {
    assert.equal(c.lastProbeTime, null);
    assert.ok(c.lastTransitionTime);
    assert.equal(c.reason, undefined, `${c.type} has no reason`);
  }
  const cs = cstatus(p, 'nginx-container')!;
  assert.equal(cs.ready, true);
  assert.equal(cs.started, true);
  assert.equal(cs.restartCount, 0);
  assert.equal(cs.image, 'nginx:1.16');
  assert.match(cs.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
  assert.match(cs.containerID, /^sim:\/\/[0-9a-f]{64}$/);
  assert.ok(cs.state.running.startedAt);
  assert.deepEqual(cs.lastState, {});
  assert.ok(kubelet.statusWrites - writes <= 2, `status writes: ${kubelet.statusWrites - writes}`);
  const evs = await eventually('events', async () => {
    const e = await podEvents('sample-pod');
    return e.length >= 3 ? e : undefined;
  });
  const byReason = new Map(evs.map((e) => [e.reason, e]));
  assert.equal(byReason.get('Pulled')?.message, 'Container image "nginx:1.16" already present on machine');
  assert.equal(byReason.get('Created')?.message, 'Created container: nginx-container');
  assert.equal(byReason.get('Started')?.message, 'Started container nginx-container');
  assert.deepEqual(byReason.get('Started')?.source, { component: 'kubelet', host: NODE });
  assert.equal(byReason.get('Started')?.involvedObject?.fieldPath, 'spec.containers{nginx-container}');
});

test('pod IPs are unique on the node', async () => {
  for (let i = 0; i < 4; i++) await create(`ip-${i}`, { containers: [{ name: 'c', image: 'nginx' }] });
  const ips = await eventually('4 IPs', async () => {
    const list = await Promise.all([0, 1, 2, 3].map((i) => get(`ip-${i}`)));
    const got = list.map((p) => p.status?.podIP).filter(Boolean);
    return got.length === 4 ? got : undefined;
  });
  const sample = (await get('sample-pod')).status?.podIP;
  assert.equal(new Set([...ips, sample]).size, 5);
});

test('exit 1 with restartPolicy Always goes into CrashLoopBackOff with a growing restart count', async () => {
  await create('crash', { containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'exit 1'] }] });
  let p = await until('crash', (x) => cstatus(x, 'c')?.state?.waiting?.reason === 'CrashLoopBackOff', 'CrashLoopBackOff');
  const uid = p.metadata.uid;
  let cs = cstatus(p, 'c')!;
  assert.equal(cs.restartCount, 1);
  assert.equal(cs.state.waiting.message, `back-off 10s restarting failed container=c pod=crash_default(${uid})`);
  assert.equal(cs.lastState.terminated.exitCode, 1);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  assert.equal(cs.ready, false);
  assert.equal(p.status.phase, 'Running');
  assert.equal(cells(p).reason, 'CrashLoopBackOff');
  assert.equal(cond(p, 'Ready')?.reason, 'ContainersNotReady');
  assert.equal(cond(p, 'Ready')?.message, 'containers with unready status: [c]');
  // Nothing happens before the back-off ends...
  await advance(9000);
  assert.equal(cstatus(await get('crash'), 'c')!.restartCount, 1);
  // ...then it restarts, crashes again, and waits twice as long.
  await advance(1000);
  p = await until('crash', (x) => cstatus(x, 'c')?.restartCount === 2, 'restartCount 2');
  cs = cstatus(p, 'c')!;
  assert.equal(cs.state.waiting.message, `back-off 20s restarting failed container=c pod=crash_default(${uid})`);
  await advance(20_000);
  p = await until('crash', (x) => cstatus(x, 'c')?.restartCount === 3, 'restartCount 3');
  assert.match(cstatus(p, 'c')!.state.waiting.message, /^back-off 40s /);
  assert.match(cells(p).restarts, /^3 \(/);
  const backoff = (await podEvents('crash')).find((e) => e.reason === 'BackOff');
  assert.equal(backoff?.message, `Back-off restarting failed container c in pod crash_default(${uid})`);
  assert.equal(backoff?.type, 'Warning');
});

test('restartPolicy Never: exit 1 ends Failed (Error), exit 0 ends Succeeded (Completed)', async () => {
  await create('never-fail', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 2; exit 1'] }] });
  await create('never-ok', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sleep', '2'] }] });
  await until('never-fail', (x) => x.status?.phase === 'Running', 'Running');
  await until('never-ok', (x) => x.status?.phase === 'Running', 'Running');
  await advance(2000);
  const f = await until('never-fail', (x) => x.status?.phase === 'Failed', 'Failed');
  assert.deepEqual(cells(f), { ready: '0/1', reason: 'Error', restarts: '0' });
  assert.equal(cstatus(f, 'c')!.state.terminated.exitCode, 1);
  assert.equal(cond(f, 'Ready')?.reason, 'PodFailed');
  assert.equal(cond(f, 'PodReadyToStartContainers')?.status, 'False');
  const s = await until('never-ok', (x) => x.status?.phase === 'Succeeded', 'Succeeded');
  assert.deepEqual(cells(s), { ready: '0/1', reason: 'Completed', restarts: '0' });
  assert.equal(cond(s, 'Ready')?.reason, 'PodCompleted');
  assert.equal(cond(s, 'Initialized')?.status, 'True');
  // Nothing restarts later.
  await advance(30_000, 10_000);
  assert.equal(cstatus(await get('never-fail'), 'c')!.restartCount, 0);
});

test('restartPolicy OnFailure restarts a failing container and completes a successful one', async () => {
  await create('onfailure', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 1; exit 2'] }] });
  await until('onfailure', (x) => x.status?.phase === 'Running');
  await advance(1000);
  const p = await until('onfailure', (x) => cstatus(x, 'c')?.restartCount === 1, 'restarted');
  assert.equal(p.status.phase, 'Running');
});

test('init containers run in order: Init:0/2, Init:1/2, then Running', async () => {
  await create('init-pod', {
    initContainers: [
      { name: 'init-1', image: 'busybox', command: ['sleep', '5'] },
      { name: 'init-2', image: 'busybox', command: ['sh', '-c', 'sleep 5; true'] },
    ],
    containers: [{ name: 'app', image: 'nginx' }],
  });
  let p = await until('init-pod', (x) => cstatus(x, 'init-1')?.state?.running !== undefined, 'init-1 running');
  assert.equal(cells(p).reason, 'Init:0/2');
  assert.equal(p.status.phase, 'Pending');
  assert.equal(cond(p, 'Initialized')?.message, 'containers with incomplete status: [init-1 init-2]');
  assert.equal(cstatus(p, 'app')!.state.waiting.reason, 'PodInitializing');
  assert.equal(cstatus(p, 'init-2')!.state.waiting.reason, 'PodInitializing');
  await advance(5000);
  p = await until('init-pod', (x) => cells(x).reason === 'Init:1/2', 'Init:1/2');
  assert.equal(cstatus(p, 'init-1')!.state.terminated.reason, 'Completed');
  assert.equal(cstatus(p, 'init-1')!.ready, true);
  await advance(5000);
  p = await until('init-pod', (x) => cells(x).reason === 'Running', 'Running');
  assert.equal(cells(p).ready, '1/1');
  assert.equal(cond(p, 'Initialized')?.status, 'True');
});

test('a failing init container with restartPolicy Never fails the pod', async () => {
  await create('init-fail', { restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox', command: ['false'] }], containers: [{ name: 'app', image: 'nginx' }] });
  const p = await until('init-fail', (x) => x.status?.phase === 'Failed', 'Failed');
  assert.equal(cells(p).reason, 'Init:Error');
  assert.equal(cstatus(p, 'app')!.state.waiting?.reason, 'PodInitializing');
});

test('native sidecars start first, keep running, count in READY and stop when the job is done', async () => {
  await create('sidecar-pod', {
    restartPolicy: 'Never',
    initContainers: [
      { name: 'proxy', image: 'envoy', restartPolicy: 'Always' },
      { name: 'setup', image: 'busybox', command: ['sleep', '2'] },
    ],
    containers: [{ name: 'job', image: 'busybox', command: ['sleep', '3'] }],
  });
  let p = await until('sidecar-pod', (x) => cstatus(x, 'setup')?.state?.running !== undefined, 'setup running');
  assert.ok(cstatus(p, 'proxy')!.state.running);
  assert.equal(cstatus(p, 'proxy')!.started, true);
  assert.equal(cells(p).reason, 'Init:1/2');
  await advance(2000);
  p = await until('sidecar-pod', (x) => x.status?.phase === 'Running' && cells(x).ready === '2/2', 'Running 2/2');
  assert.equal(cond(p, 'Initialized')?.status, 'True');
  await advance(3000);
  p = await until('sidecar-pod', (x) => x.status?.phase === 'Succeeded', 'Succeeded');
  assert.ok(cstatus(p, 'proxy')!.state.terminated, 'sidecar stopped');
  assert.equal(cstatus(p, 'job')!.state.terminated.exitCode, 0);
});

test('readiness: the sim annotations flipped live make Ready False, then True', async () => {
  await create('ready-pod', {
    containers: [{ name: 'web', image: 'nginx', readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 5 } }],
  });
  await until('ready-pod', (x) => cond(x, 'Ready')?.status === 'True', 'Ready');
  await pods.patch('default', 'ready-pod', 'merge', { metadata: { annotations: { 'sim.k8ts.dev/ready': 'false' } } });
  // failureThreshold 3: the change is seen after three failing probes.
  await advance(15_000);
  let p = await until('ready-pod', (x) => cond(x, 'Ready')?.status === 'False', 'not Ready');
  assert.deepEqual(cells(p), { ready: '0/1', reason: 'Running', restarts: '0' });
  assert.equal(cond(p, 'ContainersReady')?.message, 'containers with unready status: [web]');
  const unhealthy = (await podEvents('ready-pod')).find((e) => e.reason === 'Unhealthy');
  assert.equal(unhealthy?.message, 'Readiness probe failed: HTTP probe failed with statuscode: 503');
  await pods.patch('default', 'ready-pod', 'merge', { metadata: { annotations: { 'sim.k8ts.dev/ready': 'true' } } });
  p = await until('ready-pod', (x) => cond(x, 'Ready')?.status === 'True', 'Ready again');
  assert.equal(cells(p).ready, '1/1');

  // Without a probe the annotations still steer readiness (ready-delay, ready: "false").
  await create('ready-delay', { containers: [{ name: 'web', image: 'nginx' }] }, { 'sim.k8ts.dev/ready-delay': '8' });
  p = await until('ready-delay', (x) => x.status?.phase === 'Running', 'Running');
  assert.equal(cond(p, 'Ready')?.status, 'False');
  await advance(8000);
  await until('ready-delay', (x) => cond(x, 'Ready')?.status === 'True', 'Ready after the delay');
  await pods.patch('default', 'ready-delay', 'merge', { metadata: { annotations: { 'sim.k8ts.dev/ready': 'false' } } });
  await until('ready-delay', (x) => cond(x, 'Ready')?.status === 'False', 'not Ready at once');
});

test('start-delay: ContainerCreating first, Running once the delay passed', async () => {
  await create('slow-start', { containers: [{ name: 'c', image: 'nginx' }] }, { 'sim.k8ts.dev/start-delay': '4' });
  let p = await until('slow-start', (x) => !!x.status?.containerStatuses, 'status');
  assert.equal(cells(p).reason, 'ContainerCreating');
  assert.equal(p.status.phase, 'Pending');
  await advance(4000);
  p = await until('slow-start', (x) => x.status?.phase === 'Running', 'Running');
  assert.equal(cells(p).ready, '1/1');
});

test('liveness: the tutorial exec probe fails once the file is gone and the container restarts', async () => {
  await create('liveness-exec', {
    containers: [
      {
        name: 'liveness',
        image: 'registry.k8s.io/busybox',
        args: ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 5 },
      },
    ],
  });
  await until('liveness-exec', (x) => x.status?.phase === 'Running');
  // Probes at 5 s, 10 s, ...: the file goes at 30 s, the third failure (40 s) kills the
  // container; sh as PID 1 ignores SIGTERM, so it dies at the end of the 30 s grace period.
  await advance(65_000);
  assert.equal(cstatus(await get('liveness-exec'), 'liveness')!.restartCount, 0);
  await advance(10_000);
  const p = await until('liveness-exec', (x) => cstatus(x, 'liveness')?.restartCount === 1, 'restarted by liveness');
  assert.ok(cstatus(p, 'liveness')!.state.running);
  const evs = await podEvents('liveness-exec');
  assert.ok(evs.some((e) => e.reason === 'Unhealthy' && e.message === "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"));
  assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'Container liveness failed liveness probe, will be restarted'));
});

test('graceful deletion: Terminating until the container stops, then the pod is removed', async () => {
  await create('graceful', { terminationGracePeriodSeconds: 30, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] });
  const p0 = await until('graceful', (x) => x.status?.phase === 'Running');
  const sandboxes = runtime.sandboxCount;
  await pods.delete('default', 'graceful');
  // sleep as PID 1 ignores SIGTERM: the pod stays until the grace period ends.
  let p = await until('graceful', (x) => !!x.metadata.deletionTimestamp, 'deletionTimestamp');
  assert.equal(cells(p).reason, 'Terminating');
  await advance(20_000);
  p = await get('graceful');
  assert.equal(p.metadata.uid, p0.metadata.uid);
  await advance(10_000);
  await eventually('pod removed', async () => {
    try {
      await get('graceful');
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 404;
    }
  });
  assert.equal(runtime.sandboxCount, sandboxes - 1);
  const killing = (await podEvents('graceful')).find((e) => e.reason === 'Killing');
  assert.equal(killing?.message, 'Stopping container c');

  // A server that handles SIGTERM goes at once.
  await create('graceful-fast', { containers: [{ name: 'c', image: 'nginx' }] });
  await until('graceful-fast', (x) => x.status?.phase === 'Running');
  await pods.delete('default', 'graceful-fast');
  await eventually('fast pod removed', async () => {
    try {
      await get('graceful-fast');
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 404;
    }
  });
});

test('lifecycle hooks: preStop runs before SIGTERM within the grace period; a failing postStart restarts the container', async () => {
  await create('prestop', { containers: [{ name: 'web', image: 'nginx', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 5'] } } } }] });
  await until('prestop', (x) => x.status?.phase === 'Running');
  await pods.delete('default', 'prestop');
  await until('prestop', (x) => !!x.metadata.deletionTimestamp, 'deletionTimestamp');
  await advance(4000);
  assert.equal((await get('prestop')).metadata.name, 'prestop', 'still there while preStop sleeps');
  await advance(1000);
  await eventually('prestop pod removed', async () => {
    try {
      await get('prestop');
      return false;
    } catch (err) {
      return (err as { code?: number }).code === 404;
    }
  });

  await create('poststart', { containers: [{ name: 'c', image: 'nginx', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } }] });
  const p = await until('poststart', (x) => (cstatus(x, 'c')?.restartCount ?? 0) >= 1, 'restarted after postStart failed');
  assert.ok(p);
  const evs = await podEvents('poststart');
  assert.ok(evs.some((e) => e.reason === 'FailedPostStartHook' && e.message === 'PostStartHook failed' && e.type === 'Warning'));
  assert.ok(evs.some((e) => e.reason === 'Killing' && e.message === 'FailedPostStartHook'));
});

test('activeDeadlineSeconds: the pod is stopped and fails with DeadlineExceeded', async () => {
  await create('deadline', { activeDeadlineSeconds: 30, containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] });
  await until('deadline', (x) => x.status?.phase === 'Running');
  await advance(29_000);
  assert.equal((await get('deadline')).status.phase, 'Running');
  // At 30 s the container is asked to stop; sleep ignores SIGTERM, so it dies after the grace period.
  await advance(35_000);
  const p = await until('deadline', (x) => x.status?.phase === 'Failed', 'Failed');
  assert.equal(p.status.reason, 'DeadlineExceeded');
  assert.equal(p.status.message, 'Pod was active on the node longer than the specified deadline');
  assert.equal(cstatus(p, 'c')!.restartCount, 0, 'nothing restarted while stopping');
});

test('a pod removed from the API at once (grace 0) is stopped and cleaned up', async () => {
  await create('forced', { containers: [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }] });
  await until('forced', (x) => x.status?.phase === 'Running');
  const before = runtime.sandboxCount;
  await pods.delete('default', 'forced', { gracePeriodSeconds: 0 });
  await eventually('sandbox removed', async () => runtime.sandboxCount === before - 1);
});

test('a RuntimeClass handler with no runtime on the node is reported, the pod stays Pending', async () => {
  await create('other-runtime', { runtimeClassName: 'missing-class', containers: [{ name: 'c', image: 'nginx' }] });
  const ev = await eventually('FailedCreatePodSandBox', async () => (await podEvents('other-runtime')).find((e) => e.reason === 'FailedCreatePodSandBox'));
  assert.equal(ev.message, 'Failed to create pod sandbox: RuntimeClass "missing-class" not found');
  assert.equal((await get('other-runtime')).status?.phase, 'Pending');
});

test('an agent that restarts with an empty runtime re-registers and runs its pods again', async () => {
  const node = 'k8ts-node-2';
  const start = async () => {
    const rt = new SimRuntime({ clock });
    const k = new Kubelet({ client, nodeName: node, runtime: rt, clock, nodeIP: '172.18.0.3', log: () => undefined });
    await k.start();
    return { rt, k };
  };
  const first = await start();
  assert.equal((await nodes.get(undefined, node)).spec?.podCIDR, undefined, 'no CIDR given: the node keeps none');
  await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'survivor' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'nginx' }] } });
  await pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'finished' }, spec: { nodeName: node, restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['true'] }] } });
  const before = await until('survivor', (x) => x.status?.phase === 'Running');
  assert.match(before.status.podIP, /^10\.88\.\d+\.\d+$/);
  const done = await until('finished', (x) => x.status?.phase === 'Succeeded');
  await first.k.stop();
  await first.rt.close();

  const second = await start();
  try {
    const p = await until('survivor', (x) => cstatus(x, 'c')?.restartCount === 1 && !!cstatus(x, 'c')?.state?.running, 'running again');
    assert.equal(cstatus(p, 'c')!.lastState.terminated.reason, 'ContainerStatusUnknown');
    assert.equal(cstatus(p, 'c')!.lastState.terminated.exitCode, 137);
    assert.equal(p.status.phase, 'Running');
    assert.equal(p.status.startTime, before.status.startTime);
    const f = await get('finished');
    assert.equal(f.status.phase, 'Succeeded');
    assert.equal(f.metadata.resourceVersion, done.metadata.resourceVersion, 'a finished pod is left as it was');
    assert.equal(second.k.podCount, 2);
  } finally {
    await second.k.stop({ killPods: true });
    await second.rt.close();
  }
});
