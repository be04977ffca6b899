// The sim runtime against the runtime contract, on a virtual clock; then the sim-only rules
// (annotations, simulated probes, random-exit) the contract does not cover.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/util/clock.js';
import { SimRuntime } from '../../src/kubelet/runtime/sim/sim-runtime.js';
import { createRuntime, UnknownRuntimeError } from '../../src/kubelet/runtime/create-runtime.js';
import { runRuntimeContract } from './runtime-contract.js';

runRuntimeContract('sim', async () => {
  const clock = new VirtualClock();
  const runtime = new SimRuntime({ clock });
  return {
    runtime,
    image: 'busybox:1.36',
    advance: async (ms) => {
      clock.advance(ms);
      await Promise.resolve();
    },
    cleanup: () => runtime.close(),
  };
});

async function setup(annotations: Record<string, string> = {}) {
  const clock = new VirtualClock();
  const rt = new SimRuntime({ clock, random: () => 0.75 });
  rt.updateRuntimeConfig({ podCIDR: '10.244.1.0/24' });
  const sb = await rt.runPodSandbox({ uid: 'u1', name: 'p', namespace: 'default', attempt: 0, labels: {}, annotations });
  const start = async (command: string[], image = 'nginx:1.16') => {
    const id = await rt.createContainer(sb, { name: 'c', attempt: 0, image, command, args: [], env: [] });
    await rt.startContainer(id);
    return id;
  };
  return { clock, rt, sb, start };
}

test('sim: start-delay keeps a container created, then it runs and is announced', async () => {
  const { clock, rt, start } = await setup({ 'sim.k8ts.dev/start-delay': '3' });
  const events: string[] = [];
  rt.subscribe((e) => events.push(e.type));
  const id = await start([]);
  assert.equal((await rt.containerStatus(id))?.state, 'created');
  clock.advance(2999);
  assert.equal((await rt.containerStatus(id))?.state, 'created');
  clock.advance(1);
  assert.equal((await rt.containerStatus(id))?.state, 'running');
  assert.deepEqual(events, ['ContainerStarted']);
});

test('sim: annotations are read live (updatePodSandbox) for readiness', async () => {
  const { clock, rt, sb, start } = await setup();
  const id = await start([]);
  const readiness = { httpGet: { port: 80, path: '/' } };
  assert.equal((await rt.probe(id, { kind: 'readiness', probe: readiness, annotations: {} })).result, 'success');
  const no = await rt.probe(id, { kind: 'readiness', probe: readiness, annotations: { 'sim.k8ts.dev/ready': 'false' } });
  assert.deepEqual(no, { result: 'failure', output: 'HTTP probe failed with statuscode: 503' });
  const delayed = { 'sim.k8ts.dev/ready-delay': '5' };
  assert.equal((await rt.probe(id, { kind: 'readiness', probe: readiness, annotations: delayed })).result, 'failure');
  assert.deepEqual(rt.simulatedReadiness(id, delayed), { ready: false, recheckAt: clock.now().getTime() + 5000 });
  clock.advance(5000);
  assert.equal((await rt.probe(id, { kind: 'readiness', probe: readiness, annotations: delayed })).result, 'success');
  assert.deepEqual(rt.simulatedReadiness(id, delayed), { ready: true });
  assert.deepEqual(rt.simulatedReadiness(id, { 'sim.k8ts.dev/ready': 'false' }), { ready: false });
  // Liveness passes unless sim.k8ts.dev/live is "false"; tcp failures read like a dial error.
  assert.equal((await rt.probe(id, { kind: 'liveness', probe: { tcpSocket: { port: 80 } }, annotations: {} })).result, 'success');
  const dead = await rt.probe(id, { kind: 'liveness', probe: { tcpSocket: { port: 80 } }, annotations: { 'sim.k8ts.dev/live': 'false' } });
  assert.equal(dead.result, 'failure');
  assert.match(dead.output, /^dial tcp 10\.244\.1\.\d+:80: connect: connection refused$/);
  // A new start-delay applies to the next container started.
  rt.updatePodSandbox(sb, { annotations: { 'sim.k8ts.dev/start-delay': '1' } });
  const next = await rt.createContainer(sb, { name: 'd', attempt: 0, image: 'x', command: [], args: [], env: [] });
  await rt.startContainer(next);
  assert.equal((await rt.containerStatus(next))?.state, 'created');
});

test('sim: exec probes follow the container\'s own files (liveness tutorial)', async () => {
  const { clock, rt, start } = await setup();
  const id = await start(['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600'], 'busybox');
  const probe = { exec: { command: ['cat', '/tmp/healthy'] } };
  assert.equal((await rt.probe(id, { kind: 'liveness', probe, annotations: {} })).result, 'success');
  clock.advance(30_000);
  const r = await rt.probe(id, { kind: 'liveness', probe, annotations: {} });
  assert.deepEqual(r, { result: 'failure', output: "cat: can't open '/tmp/healthy': No such file or directory\n" });
});

test('sim: SIGTERM is ignored by sleep as PID 1 (killed at the deadline), obeyed by servers', async () => {
  const { clock, rt, start } = await setup();
  const sleeper = await start(['sleep', '3600'], 'busybox');
  const server = await start([]);
  await rt.stopContainer(server, 30);
  assert.equal((await rt.containerStatus(server))?.exitCode, 0);
  let done = false;
  void rt.stopContainer(sleeper, 30).then(() => (done = true));
  clock.advance(29_999);
  await Promise.resolve();
  assert.equal(done, false);
  clock.advance(1);
  await new Promise((r) => setImmediate(r));
  assert.equal(done, true);
  const s = await rt.containerStatus(sleeper);
  assert.equal(s?.exitCode, 137);
  assert.equal(s?.reason, 'Error');
});

test('sim: random-exit images exit 0 or 1 after a few seconds', async () => {
  const { clock, rt, start } = await setup();
  const id = await start([], 'amsy810/random-exit:v2.0');
  clock.advance(4999);
  assert.equal((await rt.containerStatus(id))?.state, 'running');
  clock.advance(1);
  assert.equal((await rt.containerStatus(id))?.exitCode, 1); // random() = 0.75
});

test('sim: 10,000 running pods hold no timers', async () => {
  const clock = new VirtualClock();
  const rt = new SimRuntime({ clock });
  rt.updateRuntimeConfig({ podCIDR: '10.128.0.0/16' });
  for (let i = 0; i < 10_000; i++) {
    const sb = await rt.runPodSandbox({ uid: `u${i}`, name: `p${i}`, namespace: 'default', attempt: 0, labels: {}, annotations: {} });
    const c = await rt.createContainer(sb, { name: 'c', attempt: 0, image: 'nginx', command: [], args: [], env: [] });
    await rt.startContainer(c);
  }
  assert.equal(rt.sandboxCount, 10_000);
  assert.equal((clock as unknown as { timers: unknown[] }).timers.length, 0);
});

test('createRuntime: sim exists; process and runc need a data dir (runc also root and runc)', () => {
  assert.equal(createRuntime('sim').type, 'sim');
  assert.throws(() => createRuntime('runc'), /the runc runtime needs root and runc \(Debian package runc, or --runc-path\): |the runc runtime keeps images, bundles and logs under a data dir: pass --data-dir/);
  assert.throws(() => createRuntime('process'), /the process runtime keeps its containers, logs and helper under a data dir: pass --data-dir/);
  assert.throws(() => createRuntime('docker'), /unknown runtime "docker"; expected one of: sim, process, runc/);
});
