// Pods from created to Running on sim nodes (issue 3): an in-process cluster (API server, the
// scheduler, N sim node agents, no controllers); 10,000 bare pods (`sleep 3600`) created with
// bounded concurrency; prints the creation time, the time from the first create until every pod
// is Running (polled every 100 ms with a one-item list of pods not Running), node agent status
// writes per pod, and the process RSS per 1,000 running sim pods (RSS after, minus RSS of the
// idle cluster before the first create; both after a full GC when run with --expose-gc).
// Run by hand, one store per process so RSS figures do not mix:
//   node --expose-gc --import tsx bench/sim-pods-bench.ts [memory|sqlite] [pods] [nodes] [events on|off] [concurrency]

import type { KObject } from '../src/api/types.js';
import { R, ResourceClient } from '../src/client/resources.js';
import { BenchCluster, inParallel, mb, sec, settledRss, waitFor, type StoreKind } from './bench-cluster.js';

const STORE = (process.argv[2] ?? 'memory') as StoreKind;
const PODS = Number(process.argv[3] ?? 10_000);
const NODES = Number(process.argv[4] ?? 100);
const EVENTS = (process.argv[5] ?? 'on') !== 'off';
const CONCURRENCY = Number(process.argv[6] ?? 50);
const NS = 'default';

function pod(i: number): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `sleeper-${i}`, namespace: NS, labels: { app: 'sleeper' } },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', command: ['sleep', '3600'] }], terminationGracePeriodSeconds: 0 },
  };
}

const cluster = new BenchCluster({ store: STORE, nodes: NODES, events: EVENTS });
let t = performance.now();
await cluster.start();
const pods = new ResourceClient(cluster.client, R.pods);
console.log(`${STORE} store, ${NODES} sim nodes, events ${EVENTS ? 'on' : 'off'}: cluster up in ${sec(performance.now() - t)}`);
// Let start-up work (node status, leases, bootstrap) finish before the idle baseline.
await new Promise((r) => setTimeout(r, 2000));
const idleRss = settledRss();
const idleHeap = process.memoryUsage().heapUsed;

const notRunning = async () => (await pods.list(NS, { fieldSelector: 'status.phase!=Running', limit: 1 })).items;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await inParallel(PODS, CONCURRENCY, (i) => pods.create(NS, pod(i)));
const createdMs = performance.now() - t0;
await waitFor('all pods Running', async () => (await notRunning()).length === 0, 100, 600_000, async () => JSON.stringify((await notRunning())[0]?.status ?? {}));
const runningMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const statusWrites = cluster.statusWrites();
const runningRss = settledRss();

// Events and late status writes drain after the last pod turns Running; measure again once quiet.
await new Promise((r) => setTimeout(r, 5000));
const quietRss = settledRss();
const heap = process.memoryUsage().heapUsed;
const count = (await pods.list(NS)).items.length;
if (count !== PODS) throw new Error(`expected ${PODS} pods, found ${count}`);
const eventCount = (await new ResourceClient(cluster.client, R.events).list(NS)).items.length;

const per1k = (bytes: number) => mb((bytes * 1000) / PODS);
console.log(
  [
    `created ${PODS} pods (${CONCURRENCY} in flight) in ${sec(createdMs)} (${Math.round(PODS / (createdMs / 1000))}/s)`,
    `first create -> all Running: ${sec(runningMs)} (${Math.round(PODS / (runningMs / 1000))} pods/s); process cpu ${sec((cpu.user + cpu.system) / 1000)}`,
    `node agent status writes: ${statusWrites} (${(statusWrites / PODS).toFixed(2)} per pod); events in ${NS}: ${eventCount}`,
    `RSS idle ${mb(idleRss)}; all Running ${mb(runningRss)} (+${per1k(runningRss - idleRss)} per 1,000 pods); 5 s later ${mb(quietRss)} (+${per1k(quietRss - idleRss)} per 1,000 pods)`,
    `heap used idle ${mb(idleHeap)}, after ${mb(heap)} (+${per1k(heap - idleHeap)} per 1,000 pods)`,
    `node agent log lines: ${cluster.agentLogCount}${cluster.agentLog.length ? ` (first: ${cluster.agentLog[0]})` : ''}`,
  ].join('\n'),
);

// Where the memory is: stop the node agents, then the scheduler, letting go of them; what is
// left is the API server (watch cache and store with the pods and events) and this benchmark.
const allRss = settledRss();
const allHeap = process.memoryUsage().heapUsed;
await cluster.stopNodeAgents();
await new Promise((r) => setTimeout(r, 500));
const noAgents = settledRss();
const noAgentsHeap = process.memoryUsage().heapUsed;
cluster.stopScheduler();
await new Promise((r) => setTimeout(r, 500));
const apiOnly = settledRss();
const apiOnlyHeap = process.memoryUsage().heapUsed;
console.log(
  `per 1,000 pods (heap / RSS): node agents ${per1k(allHeap - noAgentsHeap)} / ${per1k(allRss - noAgents)}, scheduler ${per1k(noAgentsHeap - apiOnlyHeap)} / ${per1k(noAgents - apiOnly)}, ` +
    `API server with the pods and ${eventCount} events ${per1k(apiOnlyHeap - idleHeap)} / ${per1k(apiOnly - idleRss)}`,
);
t = performance.now();
await cluster.stop();
console.log(`stopped in ${sec(performance.now() - t)}`);
