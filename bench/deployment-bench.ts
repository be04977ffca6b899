// A Deployment of 10,000 replicas on 100 sim nodes (issue 4): an in-process cluster (API server,
// scheduler, sim node agents, the controller manager with every controller `k8ts up` runs).
// Prints the time from the create until all replicas are available, then the time from a
// `kubectl set image` (the same strategic merge patch of the template) until the rolling update
// (maxSurge 25%, maxUnavailable 25%) is complete as `kubectl rollout status` sees it and the old
// ReplicaSet is at 0; and the API requests each component made per pod created in each phase.
// The deployment is polled with a GET every 100 ms. Targets (issue 4): available < 20 s, rolling
// update < 60 s, <= 3 API writes by the controllers per pod created.
// Run by hand: npx tsx bench/deployment-bench.ts [memory|sqlite] [replicas] [nodes] [pods per node] [events on|off]
// (events off is an experiment: see BenchClusterOptions.events.)

import type { KObject } from '../src/api/types.js';
import { R, ResourceClient } from '../src/client/resources.js';
import { BenchCluster, diffCounts, formatCounts, sec, sumWrites, waitFor, type StoreKind } from './bench-cluster.js';

const STORE = (process.argv[2] ?? 'memory') as StoreKind;
const REPLICAS = Number(process.argv[3] ?? 10_000);
const NODES = Number(process.argv[4] ?? 100);
const PODS_PER_NODE = process.argv[5] && process.argv[5] !== '110' ? Number(process.argv[5]) : undefined;
const EVENTS = (process.argv[6] ?? 'on') !== 'off';
const NS = 'default';
const NAME = 'web';

const deployment: KObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: NAME, namespace: NS, labels: { app: NAME } },
  spec: {
    replicas: REPLICAS,
    selector: { matchLabels: { app: NAME } },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      metadata: { labels: { app: NAME } },
      // No command: the sim container runs until stopped and exits on SIGTERM, as nginx does.
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
    },
  },
};

const cluster = new BenchCluster({ store: STORE, nodes: NODES, controllers: true, podsPerNode: PODS_PER_NODE, events: EVENTS });
await cluster.start();
const deployments = new ResourceClient(cluster.client, R.deployments);
const replicasets = new ResourceClient(cluster.client, R.replicasets);
console.log(`${STORE} store, ${NODES} sim nodes (${PODS_PER_NODE ?? 110} pods each), events ${EVENTS ? 'on' : 'off (kubelet none; controllers\' counted, not sent)'}, ${REPLICAS} replicas`);

let d: KObject = deployment;
const poll = async () => (d = await deployments.get(NS, NAME));
const describe = async () => {
  const s = d.status ?? {};
  const rs = (await replicasets.list(NS)).items.map((r) => `${r.metadata.name} spec ${r.spec.replicas} ready ${r.status?.readyReplicas ?? 0} avail ${r.status?.availableReplicas ?? 0}`);
  return `replicas ${s.replicas} updated ${s.updatedReplicas} ready ${s.readyReplicas} available ${s.availableReplicas} | ${rs.join('; ')}`;
};
/** Prints the state every 5 s while waiting, to see where a slow phase stalls. */
function progress(t0: number): () => void {
  const timer = setInterval(() => {
    const s = d.status ?? {};
    console.error(`  ${sec(performance.now() - t0)}: replicas ${s.replicas ?? 0} updated ${s.updatedReplicas ?? 0} ready ${s.readyReplicas ?? 0} available ${s.availableReplicas ?? 0}`);
  }, 5000);
  return () => clearInterval(timer);
}

function report(phase: string, ms: number, before: Map<string, Map<string, number>>, cpu: NodeJS.CpuUsage): void {
  const after = cluster.allRequests();
  const controller = diffCounts(after.get('kube-controller-manager') ?? new Map(), before.get('kube-controller-manager'));
  const created = controller.get('POST pods') ?? 0;
  const per = (n: number) => (created ? (n / created).toFixed(2) : 'n/a');
  console.log(`${phase}: ${sec(ms)}; process cpu ${sec((cpu.user + cpu.system) / 1000)}; pods created by the controllers: ${created}`);
  const writes = sumWrites(controller);
  const nonEvent = sumWrites(controller, (r) => !r.endsWith(' events'));
  console.log(`  controller-manager writes per pod created: ${per(writes)} (${per(nonEvent)} without events); requests: ${formatCounts(controller)}`);
  for (const component of ['kube-scheduler', 'kubelet']) {
    const c = diffCounts(after.get(component) ?? new Map(), before.get(component));
    console.log(`  ${component} writes per pod created: ${per(sumWrites(c))}; requests: ${formatCounts(c)}`);
  }
}

// Phase 1: create, then wait for every replica to be available.
let before = cluster.allRequests();
let cpu0 = process.cpuUsage();
let t0 = performance.now();
let stop = progress(t0);
await deployments.create(NS, deployment);
await waitFor(
  'all replicas available',
  async () => {
    const s = (await poll()).status ?? {};
    return s.observedGeneration >= (d.metadata.generation ?? 1) && s.availableReplicas === REPLICAS && s.updatedReplicas === REPLICAS;
  },
  100,
  600_000,
  describe,
);
stop();
report(`create -> ${REPLICAS} available`, performance.now() - t0, before, process.cpuUsage(cpu0));
const oldRs = (await replicasets.list(NS)).items.map((r) => r.metadata.name);

// Phase 2: set image, then wait for the rollout to complete and the old ReplicaSet to be empty.
before = cluster.allRequests();
cpu0 = process.cpuUsage();
t0 = performance.now();
stop = progress(t0);
await deployments.patch(NS, NAME, 'strategic', { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.28' }] } } } });
await waitFor(
  'rolling update complete',
  async () => {
    const s = (await poll()).status ?? {};
    const done = s.observedGeneration >= (d.metadata.generation ?? 1) && s.updatedReplicas === REPLICAS && s.replicas === REPLICAS && s.availableReplicas === REPLICAS;
    if (!done) return false;
    const old = (await replicasets.list(NS)).items.filter((r) => oldRs.includes(r.metadata.name));
    return old.every((r) => r.spec.replicas === 0 && (r.status?.replicas ?? 0) === 0);
  },
  100,
  600_000,
  describe,
);
stop();
report('set image -> rollout complete (old RS at 0)', performance.now() - t0, before, process.cpuUsage(cpu0));
console.log(`node agent log lines: ${cluster.agentLogCount}${cluster.agentLog.length ? ` (first: ${cluster.agentLog[0]})` : ''}`);
await cluster.stop();
