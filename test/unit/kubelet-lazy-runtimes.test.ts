// spec.runtimeClassName on a node whose other runtimes start lazily: the Kubelet (against a real
// in-process API server, with the RuntimeClasses sim, process and runc it creates) asks its
// `createRuntime` for a handler's runtime once, on the first pod that needs it, wires it like the
// default one (the node's IP pool, its events), and a runtime that cannot start fails only the
// pods asking for it, which run once it can.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/control-plane.js';
import { ResourceClient, R } from '../../src/client/resources.js';
import { RestClient } from '../../src/client/rest-client.js';
import { Kubelet } from '../../src/kubelet/kubelet.js';
import type { ContainerRuntime } from '../../src/kubelet/runtime/runtime.js';
import { SimRuntime } from '../../src/kubelet/runtime/sim/sim-runtime.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import { VirtualClock } from '../../src/util/clock.js';

const NODE = 'lazy-node';
let cp: ControlPlane;
let client: RestClient;
let clock: VirtualClock;
let kubelet: Kubelet;
let pods: ResourceClient;
let events: ResourceClient;
let sim: SimRuntime;
const created: { handler: string; rt: ContainerRuntime }[] = [];
const asked: string[] = [];
let runcFailure: string | undefined = 'runc is not installed here';

before(async () => {
  cp = await startControlPlane({ store: new MemoryStore(), host: '127.0.0.1', port: 0, tokens: [] });
  client = new RestClient({ server: `http://127.0.0.1:${cp.server.port}` });
  pods = new ResourceClient(client, R.pods);
  events = new ResourceClient(client, R.events);
  clock = new VirtualClock(Date.now());
  sim = new SimRuntime({ clock });
  kubelet = new Kubelet({
    client,
    nodeName: NODE,
    runtime: sim,
    clock,
    podCIDR: '10.244.5.0/24',
    nodeIP: '172.18.0.9',
    log: () => undefined,
    createRuntime: async (handler) => {
      asked.push(handler);
      // Creation takes a while: pods asking meanwhile share it.
      await new Promise((r) => setTimeout(r, 20));
      if (handler === 'runc' && runcFailure) throw new Error(runcFailure);
      if (handler !== 'process' && handler !== 'runc') throw new Error(`unknown runtime "${handler}"`);
      const rt = new SimRuntime({ clock });
      created.push({ handler, rt });
      return rt;
    },
  });
  await kubelet.start();
});

after(async () => {
  await kubelet.stop({ killPods: true });
  await sim.close();
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

const create = (name: string, spec: JsonObject) => pods.create('default', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, ...spec } });
const until = (name: string, pred: (p: KObject) => boolean, what: string, ms?: number) =>
  eventually(`${name}: ${what}`, async () => {
    const p = await pods.get('default', name);
    return pred(p) ? p : undefined;
  }, ms);
const podEvents = async (name: string) => ((await events.list('default')).items as JsonObject[]).filter((e) => e.involvedObject?.name === name);
const sleeper = [{ name: 'c', image: 'busybox', command: ['sleep', '3600'] }];

test('the first pods of a RuntimeClass create its runtime once; the node hands out distinct IPs across runtimes', async () => {
  await create('sim-a', { containers: sleeper });
  await create('proc-a', { runtimeClassName: 'process', containers: sleeper });
  await create('proc-b', { runtimeClassName: 'process', containers: sleeper });
  await create('sim-b', { runtimeClassName: 'sim', containers: sleeper }); // the default's own handler
  const ips: string[] = [];
  for (const n of ['sim-a', 'proc-a', 'proc-b', 'sim-b']) ips.push((await until(n, (p) => p.status?.phase === 'Running' && !!p.status?.podIP, 'Running with an IP')).status.podIP);
  assert.deepEqual(asked, ['process'], 'created once, only for the handler the default does not serve');
  assert.equal(created.length, 1);
  assert.equal(new Set(ips).size, 4, `distinct pod IPs: ${ips.join(' ')}`);
  for (const ip of ips) assert.match(ip, /^10\.244\.5\.\d+$/);
  const lazy = created[0].rt as SimRuntime;
  assert.equal(lazy.sandboxCount, 2, 'the process-class pods run in the lazily created runtime');
  assert.equal(sim.sandboxCount, 2);
});

test("the lazily created runtime's events reach the agent (a container exit ends the pod)", async () => {
  await create('proc-once', { runtimeClassName: 'process', restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'sleep 5; exit 3'] }] });
  await until('proc-once', (p) => p.status?.phase === 'Running', 'Running');
  for (let i = 0; i < 10; i++) {
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 5));
  }
  const p = await until('proc-once', (x) => x.status?.phase === 'Failed', 'Failed after the exit');
  assert.equal(p.status.containerStatuses[0].state.terminated.exitCode, 3);
});

test('a runtime that cannot start fails only its pods, with the reason, and they run once it can', async () => {
  await create('runc-pod', { runtimeClassName: 'runc', containers: sleeper });
  const ev = await eventually('FailedCreatePodSandBox', async () => (await podEvents('runc-pod')).find((e) => e.reason === 'FailedCreatePodSandBox'));
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, 'Failed to create pod sandbox: failed to get sandbox runtime: the runtime for "runc" cannot start on this node: runc is not installed here');
  assert.equal((await pods.get('default', 'runc-pod')).status?.phase, 'Pending');
  // The node keeps working meanwhile.
  await create('sim-c', { containers: sleeper });
  await until('sim-c', (p) => p.status?.phase === 'Running', 'Running');
  runcFailure = undefined;
  // Retried at the pod's next sync (30 s later).
  for (let i = 0; i < 35; i++) {
    clock.advance(1000);
    await new Promise((r) => setTimeout(r, 5));
  }
  await until('runc-pod', (p) => p.status?.phase === 'Running', 'Running once the runtime starts');
  assert.deepEqual(
    created.map((c) => c.handler),
    ['process', 'runc'],
  );
});

test('a RuntimeClass whose handler no runtime serves is reported the same way', async () => {
  await new ResourceClient(client, R.runtimeclasses).create(undefined, { apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', metadata: { name: 'kata' }, handler: 'kata' });
  await create('kata-pod', { runtimeClassName: 'kata', containers: sleeper });
  const ev = await eventually('FailedCreatePodSandBox', async () => (await podEvents('kata-pod')).find((e) => e.reason === 'FailedCreatePodSandBox'));
  assert.match(ev.message as string, /failed to get sandbox runtime: the runtime for "kata" cannot start on this node: unknown runtime "kata"/);
});

test('a pod whose runtime cannot start can still be deleted gracefully', async () => {
  await create('kata-gone', { runtimeClassName: 'kata', containers: sleeper });
  await eventually('FailedCreatePodSandBox', async () => (await podEvents('kata-gone')).find((e) => e.reason === 'FailedCreatePodSandBox'));
  await pods.delete('default', 'kata-gone', { gracePeriodSeconds: 30 });
  await eventually('the pod to be gone', async () => {
    try {
      await pods.get('default', 'kata-gone');
      return false;
    } catch {
      return true;
    }
  });
});
