// Endpoints and EndpointSlices in one process: an API server, sim nodes (one in a zone), the
// scheduler and the ReplicaSet, Endpoints, EndpointSlice and garbage collector controllers,
// driven over HTTP by the REST client.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import { endpointsControllerFactory, LAST_CHANGE_TRIGGER_TIME } from '../../src/controllers/endpoint/index.js';
import { CONTROLLER_NAME, endpointSliceControllerFactory } from '../../src/controllers/endpointslice/index.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { replicaSetControllerFactory } from '../../src/controllers/replicaset/index.js';
import { SIM_READY } from '../../src/kubelet/index.js';
import { eventually, getOrUndefined, InProcessCluster } from './in-process-cluster.js';

const NS = 'default';
let cluster: InProcessCluster;
let eps: ResourceClient;
let slices: ResourceClient;
let services: ResourceClient;
let pods: ResourceClient;
let rss: ResourceClient;

before(async () => {
  cluster = await InProcessCluster.start();
  eps = cluster.resource(R.endpoints);
  slices = cluster.resource(R.endpointslices);
  services = cluster.resource(R.services);
  pods = cluster.resource(R.pods);
  rss = cluster.resource(R.replicasets);
  await cluster.addNode('node-a', { labels: { 'topology.kubernetes.io/zone': 'zone-a' } });
  await cluster.addNode('node-b');
  await cluster.startScheduler();
  await cluster.startControllers([garbageCollectorFactory, replicaSetControllerFactory, endpointsControllerFactory, endpointSliceControllerFactory]);
});

after(async () => {
  await cluster?.stop();
});

const replicaSet = (name: string, replicas: number): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'nginx', command: ['sleep', '3600'], ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
});

const service = (name: string, spec: JsonObject, labels?: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec,
});

const readyIPs = (ep: KObject) => ((ep.subsets as JsonObject[] | undefined) ?? []).flatMap((ss) => ((ss.addresses as JsonObject[] | undefined) ?? []).map((a) => a.ip as string)).sort();
const notReadyIPs = (ep: KObject) => ((ep.subsets as JsonObject[] | undefined) ?? []).flatMap((ss) => ((ss.notReadyAddresses as JsonObject[] | undefined) ?? []).map((a) => a.ip as string)).sort();

async function runningIPs(app: string, n: number): Promise<string[]> {
  return eventually(`${n} ready pods of ${app}`, async () => {
    const list = (await pods.list(NS, { labelSelector: `app=${app}` })).items;
    const ready = list.filter((p) => (p.status?.conditions as JsonObject[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length === n && list.length === n ? ready.map((p) => p.status!.podIP as string).sort() : undefined;
  });
}

async function serviceSlices(name: string): Promise<KObject[]> {
  return (await slices.list(NS, { labelSelector: `kubernetes.io/service-name=${name}` })).items;
}

test('the kubernetes Service has Endpoints and an EndpointSlice with the API server address', async () => {
  const port = cluster.cp.server.port;
  const ep = await eventually('kubernetes endpoints', () => getOrUndefined(eps, NS, 'kubernetes'));
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port, protocol: 'TCP' }] }]);
  assert.equal(ep.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'], 'true');
  const sl = await eventually('kubernetes slice', () => getOrUndefined(slices, NS, 'kubernetes'));
  assert.equal(sl.addressType, 'IPv4');
  assert.deepEqual(sl.endpoints, [{ addresses: ['127.0.0.1'], conditions: { ready: true } }]);
  assert.deepEqual(sl.ports, [{ name: 'https', port, protocol: 'TCP' }]);
  const svc = await services.get(NS, 'kubernetes');
  assert.equal((svc.spec.ports as JsonObject[])[0]!.targetPort, port);
});

test('a Service with a selector gets Endpoints and EndpointSlices that follow its pods', async () => {
  await rss.create(NS, replicaSet('web', 3));
  await services.create(NS, service('web', { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] }, { tier: 'front' }));
  const ips = await runningIPs('web', 3);

  const ep = await eventually('3 ready addresses', async () => {
    const e = await getOrUndefined(eps, NS, 'web');
    return e && readyIPs(e).length === 3 ? e : undefined;
  });
  assert.deepEqual(readyIPs(ep), ips);
  const subset = (ep.subsets as JsonObject[])[0]!;
  assert.deepEqual(subset.ports, [{ port: 8080, protocol: 'TCP' }]);
  const addr = (subset.addresses as JsonObject[])[0]!;
  assert.match(String(addr.nodeName), /^node-[ab]$/);
  assert.equal((addr.targetRef as JsonObject).kind, 'Pod');
  assert.equal(ep.metadata.labels?.tier, 'front');
  assert.ok(ep.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME]);

  const sl = await eventually('slice with 3 endpoints', async () => {
    const list = await serviceSlices('web');
    return list.length === 1 && (list[0]!.endpoints as unknown[] | undefined)?.length === 3 ? list[0] : undefined;
  });
  assert.match(sl.metadata.name!, /^web-[a-z0-9]{5}$/);
  assert.equal(sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'], CONTROLLER_NAME);
  assert.equal(sl.metadata.labels?.tier, 'front');
  const svc = await services.get(NS, 'web');
  assert.deepEqual(sl.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(sl.addressType, 'IPv4');
  assert.deepEqual(sl.ports, [{ name: '', port: 8080, protocol: 'TCP' }]);
  for (const e of sl.endpoints as JsonObject[]) {
    assert.deepEqual(e.conditions, { ready: true, serving: true, terminating: false });
    if (e.nodeName === 'node-a') assert.equal(e.zone, 'zone-a');
    else assert.equal(e.zone, undefined);
  }

  // One pod turns unready: it moves to notReadyAddresses and its slice endpoint is not ready.
  const victim = (await pods.list(NS, { labelSelector: 'app=web' })).items[0]!;
  await pods.patch(NS, victim.metadata.name!, 'merge', { metadata: { annotations: { [SIM_READY]: 'false' } } });
  const ep2 = await eventually('one not-ready address', async () => {
    const e = await getOrUndefined(eps, NS, 'web');
    return e && notReadyIPs(e).length === 1 ? e : undefined;
  });
  assert.deepEqual(notReadyIPs(ep2), [victim.status!.podIP]);
  assert.equal(readyIPs(ep2).length, 2);
  await eventually('slice endpoint not ready', async () => {
    const e = ((await serviceSlices('web'))[0]?.endpoints as JsonObject[] | undefined)?.find((x) => (x.addresses as string[])[0] === victim.status!.podIP);
    const c = e?.conditions as JsonObject | undefined;
    return c && c.ready === false && c.serving === false;
  });

  // Scaling down to one pod leaves one address.
  await rss.patch(NS, 'web', 'merge', { spec: { replicas: 1 } });
  await eventually('one address left', async () => {
    const e = await getOrUndefined(eps, NS, 'web');
    return e && readyIPs(e).length + notReadyIPs(e).length === 1;
  });
  // Deleted pods stay in the slice, marked terminating, until they are gone.
  await eventually('one serving slice endpoint left', async () => {
    const list = await serviceSlices('web');
    const live = ((list[0]?.endpoints as JsonObject[] | undefined) ?? []).filter((e) => !(e.conditions as JsonObject).terminating);
    return list.length === 1 && live.length === 1;
  });
  const terminating = ((await serviceSlices('web'))[0]!.endpoints as JsonObject[]).filter((e) => (e.conditions as JsonObject).terminating);
  for (const e of terminating) assert.equal((e.conditions as JsonObject).ready, false);

  // Deleting the Service deletes its Endpoints, and the garbage collector its slices.
  await services.delete(NS, 'web');
  await eventually('endpoints deleted', async () => (await getOrUndefined(eps, NS, 'web')) === undefined);
  await eventually('slices deleted', async () => (await serviceSlices('web')).length === 0);
  await rss.delete(NS, 'web');
});

test('publishNotReadyAddresses lists unready pods as ready; no matching pods leaves a placeholder slice', async () => {
  await services.create(NS, service('empty', { selector: { app: 'nothing' }, ports: [{ port: 80 }] }));
  const ep = await eventually('empty endpoints', () => getOrUndefined(eps, NS, 'empty'));
  assert.deepEqual(ep.subsets ?? [], []);
  const placeholder = await eventually('placeholder slice', async () => (await serviceSlices('empty'))[0]);
  assert.deepEqual(placeholder.endpoints ?? [], []);
  assert.deepEqual(placeholder.ports ?? [], []);

  const rs = replicaSet('pub', 1);
  (rs.spec.template as JsonObject).metadata = { labels: { app: 'pub' }, annotations: { [SIM_READY]: 'false' } };
  await rss.create(NS, rs);
  await services.create(NS, service('pub', { selector: { app: 'pub' }, publishNotReadyAddresses: true, ports: [{ name: 'web', port: 80, targetPort: 8080 }] }));
  const e = await eventually('unready pod published', async () => {
    const x = await getOrUndefined(eps, NS, 'pub');
    return x && readyIPs(x).length === 1 ? x : undefined;
  });
  assert.deepEqual((e.subsets as JsonObject[])[0]!.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
  const sl = await eventually('published slice endpoint', async () => ((await serviceSlices('pub'))[0]?.endpoints as JsonObject[] | undefined)?.[0]);
  assert.deepEqual(sl.conditions, { ready: true, serving: false, terminating: false });
  await services.delete(NS, 'empty');
  await services.delete(NS, 'pub');
  await rss.delete(NS, 'pub');
});

test('a Service without a selector keeps the Endpoints its user wrote', async () => {
  await services.create(NS, service('external', { ports: [{ port: 5432 }] }));
  await eps.create(NS, {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'external' },
    subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432 }] }],
  });
  // A labelled Service with a selector in the same namespace is synced meanwhile: the controllers are busy.
  await services.create(NS, service('marker', { selector: { app: 'none' }, ports: [{ port: 1 }] }));
  await eventually('marker endpoints', () => getOrUndefined(eps, NS, 'marker'));
  const ep = await eps.get(NS, 'external');
  assert.deepEqual(ep.subsets, [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
  assert.equal((await serviceSlices('external')).length, 0);
  await services.delete(NS, 'marker');
});
