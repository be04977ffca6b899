// Scheduler throughput: an in-process API server (MemoryStore, then SqliteStore), 1,000 nodes,
// 10,000 pending pods created before the scheduler starts; prints pods bound per second from the
// scheduler's start (its informers' initial lists included) until the last binding is confirmed,
// then checks every pod is bound and no node is over its pod or cpu capacity.
// Run by hand: npx tsx bench/scheduler-bench.ts [nodes] [pods] [memory|sqlite|both]

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KObject } from '../src/api/types.js';
import { startControlPlane } from '../src/apiserver/control-plane.js';
import { RestClient } from '../src/client/rest-client.js';
import { R, ResourceClient } from '../src/client/resources.js';
import { Scheduler } from '../src/scheduler/scheduler.js';
import { MemoryStore } from '../src/storage/memory/memory-store.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import type { Store } from '../src/storage/store.js';

const NODES = Number(process.argv[2] ?? 1000);
const PODS = Number(process.argv[3] ?? 10_000);
const WHICH = process.argv[4] ?? 'both';
const NODE_CPU = 32;

function node(i: number): KObject {
  const name = `node-${String(i).padStart(4, '0')}`;
  const res = { cpu: String(NODE_CPU), memory: '128Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
    status: { capacity: res, allocatable: res, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] },
  };
}

function pod(i: number): KObject {
  const rs = `web-${i % 100}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${rs}-${i}`,
      namespace: 'default',
      labels: { app: rs },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, uid: `00000000-0000-4000-8000-${String(i % 100).padStart(12, '0')}`, controller: true }],
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

async function inBatches(n: number, concurrency: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

async function run(label: string, store: Store): Promise<void> {
  const cp = await startControlPlane({ store, host: '127.0.0.1', port: 0, tokens: [] });
  const client = new RestClient({ server: `http://127.0.0.1:${cp.server.port}` });
  const nodes = new ResourceClient(client, R.nodes);
  const pods = new ResourceClient(client, R.pods);
  let t = performance.now();
  await inBatches(NODES, 32, (i) => nodes.create(undefined, node(i)));
  await inBatches(PODS, 32, (i) => pods.create('default', pod(i)));
  const setupS = (performance.now() - t) / 1000;

  const scheduler = new Scheduler({ client, onError: (m, e) => console.error(`  ${m}: ${(e as Error)?.message ?? e}`) });
  t = performance.now();
  await scheduler.start();
  const syncedS = (performance.now() - t) / 1000;
  const cpu0 = process.cpuUsage();
  for (;;) {
    const s = scheduler.stats();
    if (s.bound >= PODS) break;
    if (performance.now() - t > 600_000) throw new Error(`timed out: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const totalS = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = scheduler.stats();
  await scheduler.flushEvents();
  const eventsDoneS = (performance.now() - t) / 1000;
  scheduler.stop();

  // Verify: every pod bound, no node over its pod count or cpu.
  const list = await pods.list('default', { limit: 0 } as never);
  const perNode = new Map<string, number>();
  for (const p of list.items) {
    if (!p.spec.nodeName) throw new Error(`pod ${p.metadata.name} not bound`);
    perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  }
  const counts = [...perNode.values()];
  const maxPods = Math.max(...counts);
  if (maxPods > 110 || maxPods * 0.1 > NODE_CPU) throw new Error(`overcommitted node: ${maxPods} pods`);
  console.log(
    `${label.padEnd(6)} ${NODES} nodes, ${PODS} pods: ${(PODS / totalS).toFixed(0)} pods bound/s ` +
      `(${totalS.toFixed(2)} s from start, of which ${syncedS.toFixed(2)} s initial lists; ${(PODS / (totalS - syncedS)).toFixed(0)} pods/s after sync; ` +
      `all Scheduled events written at ${eventsDoneS.toFixed(2)} s; process cpu ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s) ` +
      `| nodes used ${perNode.size}, pods per node ${Math.min(...counts)}..${maxPods} | failed attempts ${stats.unschedulable}, bind errors ${stats.bindErrors} | setup ${setupS.toFixed(1)} s`,
  );
  client.close();
  await cp.stop();
}

if (WHICH === 'memory' || WHICH === 'both') await run('memory', new MemoryStore());
if (WHICH === 'sqlite' || WHICH === 'both') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-sched-bench-'));
  const store = SqliteStore.open(path.join(dir, 'state.db'));
  try {
    await run('sqlite', store);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
