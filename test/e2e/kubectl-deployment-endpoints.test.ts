// Real kubectl against `k8ts up --nodes 2` (sim runtime): a Deployment exposed as a Service gets
// Endpoints and EndpointSlices that follow its pods (create deployment, expose, get endpoints,
// describe svc, scale, an unready pod, get endpointslices), with the lines kubectl prints.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, ok, startCluster, type Cluster } from './harness.js';

interface PodInfo {
  name: string;
  ip: string;
  ready: boolean;
}

function webPods(c: Cluster): PodInfo[] {
  const list = JSON.parse(ok(c.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])));
  return list.items
    .filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
    .map((p: { metadata: { name: string }; status: { podIP?: string; conditions?: { type: string; status: string }[] } }) => ({
      name: p.metadata.name,
      ip: p.status.podIP ?? '',
      ready: !!p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
    }));
}

/** The `ip:port` list of `kubectl get endpoints NAME` (second column), sorted. */
function endpointsColumn(c: Cluster, name: string): string[] {
  const line = ok(c.kubectl(['get', 'endpoints', name, '--no-headers'])).trim();
  const cols = line.split(/\s+/);
  return cols[1] === '<none>' || cols.length < 3 ? [] : cols[1]!.split(',').sort();
}

describe('kubectl: endpoints of a Service', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '2'] });
    await eventually(() => (ok(c.kubectl(['get', 'nodes', '--no-headers'])).match(/ Ready /g) ?? []).length === 2, 'two Ready nodes');
  });
  after(async () => {
    await c?.destroy();
  });

  test('the kubernetes Service points at the API server', async () => {
    const port = new URL(c.server).port;
    const line = await eventually(() => {
      const r = c.kubectl(['get', 'endpoints', 'kubernetes', '--no-headers']);
      return r.code === 0 && r.stdout.includes(`:${port}`) ? r.stdout : undefined;
    }, 'kubernetes endpoints');
    assert.match(line!, new RegExp(`^kubernetes\\s+127\\.0\\.0\\.1:${port}\\s+\\d+[smh]`));
    const slices = ok(c.kubectl(['get', 'endpointslices', '-n', 'default', 'kubernetes']));
    assert.match(slices, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    assert.match(slices, new RegExp(`^kubernetes\\s+IPv4\\s+${port}\\s+127\\.0\\.0\\.1\\s+\\d+[smh]`, 'm'));
  });

  test('create deployment, expose, get endpoints, describe, scale, unready pod, endpointslices', async () => {
    assert.equal(ok(c.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=3', '--port=80'])).trim(), 'deployment.apps/web created');
    assert.equal(ok(c.kubectl(['expose', 'deployment', 'web', '--port=8080', '--target-port=80'])).trim(), 'service/web exposed');

    const pods = (await eventually(() => {
      const p = webPods(c);
      return p.length === 3 && p.every((x) => x.ready && x.ip) ? p : undefined;
    }, 'three ready web pods', 60_000))!;
    const want = pods.map((p) => `${p.ip}:80`).sort();
    await eventually(() => JSON.stringify(endpointsColumn(c, 'web')) === JSON.stringify(want), 'endpoints web lists the three pods on :80', 60_000);
    const table = ok(c.kubectl(['get', 'endpoints', 'web']));
    assert.match(table, /^NAME\s+ENDPOINTS\s+AGE$/m);
    assert.match(table, /^web\s+\S+:80,\S+:80,\S+:80\s+\d+[smh]/m);
    assert.match(ok(c.kubectl(['get', 'ep', 'web', '--no-headers'])), /^web\s/);

    const described = ok(c.kubectl(['describe', 'svc', 'web']));
    const line = described.split('\n').find((l) => l.startsWith('Endpoints:'));
    assert.ok(line, described);
    assert.deepEqual(line!.replace(/^Endpoints:\s+/, '').trim().split(',').sort(), want);

    const slices = ok(c.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web']));
    assert.match(slices, /^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    assert.match(slices, /^web-[a-z0-9]{5}\s+IPv4\s+80\s+\S+,\S+,\S+\s+\d+[smh]/m);

    // One pod turns unready: it moves to notReadyAddresses.
    const victim = pods[0]!;
    ok(c.kubectl(['annotate', 'pod', victim.name, 'sim.k8ts.dev/ready=false']));
    const notReady = await eventually(() => {
      const ep = JSON.parse(ok(c.kubectl(['get', 'endpoints', 'web', '-o', 'json'])));
      const ips = (ep.subsets ?? []).flatMap((s: { notReadyAddresses?: { ip: string }[] }) => (s.notReadyAddresses ?? []).map((a) => a.ip));
      return ips.length === 1 ? ips : undefined;
    }, 'one not-ready address', 60_000);
    assert.deepEqual(notReady, [victim.ip]);
    assert.equal(endpointsColumn(c, 'web').length, 2);
    await eventually(() => {
      const list = JSON.parse(ok(c.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '-o', 'json'])));
      const eps = list.items.flatMap((s: { endpoints?: { addresses: string[]; conditions: { ready?: boolean } }[] }) => s.endpoints ?? []);
      return eps.some((e: { addresses: string[]; conditions: { ready?: boolean } }) => e.addresses[0] === victim.ip && e.conditions.ready === false);
    }, 'the slice marks the pod not ready', 60_000);

    // Scaling to one pod leaves one endpoint.
    ok(c.kubectl(['scale', 'deployment', 'web', '--replicas=1']));
    await eventually(() => {
      const ep = JSON.parse(ok(c.kubectl(['get', 'endpoints', 'web', '-o', 'json'])));
      const n = (ep.subsets ?? []).reduce((acc: number, s: { addresses?: unknown[]; notReadyAddresses?: unknown[] }) => acc + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);
      return n === 1;
    }, 'one endpoint after scaling to 1', 60_000);
    const left = (await eventually(() => {
      const p = webPods(c);
      return p.length === 1 ? p : undefined;
    }, 'one web pod', 60_000))!;
    const after = JSON.parse(ok(c.kubectl(['get', 'endpoints', 'web', '-o', 'json'])));
    const ips = after.subsets.flatMap((s: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }) => [...(s.addresses ?? []), ...(s.notReadyAddresses ?? [])].map((a) => a.ip));
    assert.deepEqual(ips, [left[0]!.ip]);

    ok(c.kubectl(['delete', 'service', 'web']));
    await eventually(() => c.kubectl(['get', 'endpoints', 'web']).code !== 0, 'endpoints deleted with the service', 60_000);
    await eventually(() => ok(c.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=web', '--no-headers'])).trim() === '', 'slices deleted with the service', 60_000);
  });
});
