// DaemonSet and StatefulSet benchmarks (issue 5), each on its own in-process cluster (API server,
// scheduler, sim node agents, the controller manager with every controller `k8ts up` runs):
//  1. A DaemonSet on 1,000 sim nodes: time from the create until every desired pod is ready
//     (status.desiredNumberScheduled == nodes, numberReady == updatedNumberScheduled == desired).
//  2. A Parallel StatefulSet of 1,000 replicas with a volumeClaimTemplate on 50 sim nodes: time
//     from the create until readyReplicas == 1,000 and all 1,000 claims are Bound. The claims take
//     the default `local-path` class, provisioned by the persistent-volume controller into the
//     cluster's temporary data dir (BenchCluster passes it to controllerFactories).
// Each set is polled with a GET every 150 ms; the claims are listed only once the set is ready.
// The node agents are added here rather than by BenchCluster: it gives node i the pod CIDR
// 10.244.<i+1>.0/24, invalid from sim-node-256 on (the Node is rejected and the agent retries forever),
// so this file starts BenchCluster with no nodes and adds its own, built the same way.
// Run by hand:
//   npx tsx bench/daemonset-statefulset-bench.ts [ds nodes=1000] [sts replicas=1000] [sts nodes=50] [memory|sqlite] [ds node events on|off]
// (events off: node agents record none and the controllers' Event writes are not sent, see
// BenchClusterOptions.events; it lowers the per-node work of the 1,000-node cluster.)

import os from 'node:os';
import type { KObject } from '../src/api/types.js';
import { R, ResourceClient } from '../src/client/resources.js';
import { createRuntime, Kubelet } from '../src/kubelet/index.js';
import { BenchCluster, CountingClient, diffCounts, formatCounts, sec, sumWrites, waitFor, type StoreKind } from './bench-cluster.js';

const arg = (i: number, d: number) => (process.argv[2 + i] ? Number(process.argv[2 + i]) : d);
const DS_NODES = arg(0, 1000);
const STS_REPLICAS = arg(1, 1000);
const STS_NODES = arg(2, 50);
const STORE = (process.argv[5] ?? 'memory') as StoreKind;
const DS_EVENTS = (process.argv[6] ?? 'on') !== 'off';
const NS = 'default';
const POLL_MS = 150;
const TIMEOUT_MS = 600_000;

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

/** Prints `line()` every 5 s while a phase runs, to see where a slow one stalls. */
function progress(t0: number, line: () => string): () => void {
  const timer = setInterval(() => console.error(`  ${sec(performance.now() - t0)}: ${line()}`), 5000);
  return () => clearInterval(timer);
}

/** A cluster plus the node agents' clients (BenchCluster does not see them, see above). */
interface Bench {
  cluster: BenchCluster;
  agentClients: CountingClient[];
}

function requests(b: Bench): Map<string, Map<string, number>> {
  const all = b.cluster.allRequests();
  const kubelet = new Map<string, number>();
  for (const c of b.agentClients) for (const [k, v] of c.byRoute) kubelet.set(k, (kubelet.get(k) ?? 0) + v);
  all.set('kubelet', kubelet);
  return all;
}

function report(b: Bench, phase: string, ms: number, cpu: NodeJS.CpuUsage, before: Map<string, Map<string, number>>): void {
  console.log(`${phase}: ${sec(ms)}; process cpu ${sec((cpu.user + cpu.system) / 1000)}; load avg ${load()}`);
  const after = requests(b);
  for (const component of ['kube-controller-manager', 'kube-scheduler', 'kubelet']) {
    const c = diffCounts(after.get(component) ?? new Map(), before.get(component));
    console.log(`  ${component} writes ${sumWrites(c)}; requests: ${formatCounts(c)}`);
  }
  console.log(`  node agent log lines: ${b.cluster.agentLogCount}${b.cluster.agentLog.length ? ` (first: ${b.cluster.agentLog[0]})` : ''}`);
}

async function startCluster(what: string, store: StoreKind, nodes: number, events: boolean): Promise<Bench> {
  const t0 = performance.now();
  const cluster = new BenchCluster({ store, nodes: 0, controllers: true, events });
  await cluster.start();
  const agentClients: CountingClient[] = [];
  const log = (m: string) => {
    cluster.agentLogCount++;
    if (cluster.agentLog.length < 5) cluster.agentLog.push(m);
  };
  await Promise.all(
    Array.from({ length: nodes }, async (_, i) => {
      // One client per agent, as in BenchCluster (an agent's watches hold its sockets).
      const client = new CountingClient({ server: cluster.url, userAgent: 'kubelet/v1.32.4-k8ts' });
      client.dropEvents = !events;
      agentClients.push(client);
      const kubelet = new Kubelet({
        client,
        nodeName: `sim-node-${i + 1}`,
        runtime: createRuntime('sim'),
        podCIDR: `10.${244 + (i >> 8)}.${i & 255}.0/24`,
        events,
        log,
      });
      cluster.kubelets.push(kubelet);
      await kubelet.start();
    }),
  );
  console.log(`${what}: ${store} store, ${nodes} sim nodes, events ${events ? 'on' : 'off'}; cluster up in ${sec(performance.now() - t0)} (load avg ${load()})`);
  return { cluster, agentClients };
}

async function stopCluster(b: Bench): Promise<void> {
  await b.cluster.stop();
  for (const c of b.agentClients) c.close();
}

async function daemonSetBench(): Promise<void> {
  const b = await startCluster('DaemonSet', STORE, DS_NODES, DS_EVENTS);
  const cluster = b.cluster;
  const api = new ResourceClient(cluster.client, R.daemonsets);
  const ds: KObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: NS, labels: { app: 'agent' } },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36', command: ['sleep', '3600'] }] } },
    },
  };
  let cur: KObject = ds;
  const before = requests(b);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stop = progress(t0, () => {
    const s = cur.status ?? {};
    return `desired ${s.desiredNumberScheduled ?? 0} scheduled ${s.currentNumberScheduled ?? 0} ready ${s.numberReady ?? 0}`;
  });
  await api.create(NS, ds);
  await waitFor(
    'all DaemonSet pods ready',
    async () => {
      cur = await api.get(NS, 'agent');
      const s = cur.status ?? {};
      return s.observedGeneration >= (cur.metadata.generation ?? 1) && s.desiredNumberScheduled === DS_NODES && s.numberReady === DS_NODES && s.updatedNumberScheduled === DS_NODES;
    },
    POLL_MS,
    TIMEOUT_MS,
    async () => JSON.stringify(cur.status),
  );
  stop();
  report(b, `DaemonSet create -> ${DS_NODES}/${DS_NODES} pods ready`, performance.now() - t0, process.cpuUsage(cpu0), before);
  await stopCluster(b);
}

async function statefulSetBench(): Promise<void> {
  const b = await startCluster('StatefulSet', STORE, STS_NODES, true);
  const cluster = b.cluster;
  const sets = new ResourceClient(cluster.client, R.statefulsets);
  const claims = new ResourceClient(cluster.client, R.persistentvolumeclaims);
  const classes = new ResourceClient(cluster.client, R.storageclasses);
  // The PV controller creates the default `local-path` class at start; claims created before it
  // exists would get no class from admission, so wait for it as a user of `k8ts up` would see it.
  await waitFor('the local-path StorageClass', async () => (await classes.list()).items.some((c) => c.metadata.name === 'local-path'), POLL_MS, 30_000);
  const sts: KObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db', namespace: NS },
    spec: {
      replicas: STS_REPLICAS,
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'busybox:1.36', command: ['sleep', '3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
    },
  };
  let cur: KObject = sts;
  let bound = 0;
  const before = requests(b);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stop = progress(t0, () => {
    const s = cur.status ?? {};
    return `replicas ${s.replicas ?? 0} ready ${s.readyReplicas ?? 0} (claims Bound at last check: ${bound})`;
  });
  await sets.create(NS, sts);
  await waitFor(
    'StatefulSet ready with all claims Bound',
    async () => {
      cur = await sets.get(NS, 'db');
      const s = cur.status ?? {};
      if (!(s.observedGeneration >= (cur.metadata.generation ?? 1) && s.readyReplicas === STS_REPLICAS)) return false;
      const items = (await claims.list(NS)).items.filter((c) => c.metadata.name?.startsWith('data-db-'));
      bound = items.filter((c) => c.status?.phase === 'Bound').length;
      return items.length === STS_REPLICAS && bound === STS_REPLICAS;
    },
    POLL_MS,
    TIMEOUT_MS,
    async () => `${JSON.stringify(cur.status)}; claims Bound ${bound}`,
  );
  stop();
  report(b, `StatefulSet (Parallel) create -> readyReplicas ${STS_REPLICAS}, ${bound} claims Bound`, performance.now() - t0, process.cpuUsage(cpu0), before);
  const pvs = (await new ResourceClient(cluster.client, R.persistentvolumes).list()).items.length;
  console.log(`  persistent volumes: ${pvs}`);
  await stopCluster(b);
}

await daemonSetBench();
await statefulSetBench();
