// The service proxy's nftables script: Services joined with their EndpointSlices, one DNAT per
// ready endpoint chosen at random, reject for ports without endpoints; `nft -c` checks the script
// when nft is usable here.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../src/api/types.js';
import { renderDelete, renderRuleset } from '../../src/proxy/nft-ruleset.js';
import { nftUsable, runNft } from '../../src/proxy/service-proxy.js';
import { buildServices } from '../../src/proxy/service-model.js';

const svc = (name: string, clusterIP: string, ports: object[]): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP, ports } });
const slice = (service: string, endpoints: object[], ports: object[]): KObject => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: `${service}-abc`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  endpoints,
  ports,
});

const model = () =>
  buildServices(
    [
      svc('web', '10.96.0.5', [{ name: 'http', port: 80, protocol: 'TCP' }]),
      svc('dns', '10.96.0.10', [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }]),
      svc('headless', 'None', [{ port: 80 }]),
    ],
    [
      slice('web', [{ addresses: ['10.244.1.2'], conditions: { ready: true } }, { addresses: ['10.244.1.3'] }, { addresses: ['10.244.1.4'], conditions: { ready: false } }], [{ name: 'http', port: 8080, protocol: 'TCP' }]),
      slice('dns', [{ addresses: ['10.244.1.1'], conditions: { ready: true } }], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
    ],
  );

test('model: ready endpoints per port, matched by port name and protocol', () => {
  const m = model();
  const web = m.find((s) => s.name === 'web')!;
  assert.deepEqual(web.ports[0].endpoints.map((e) => `${e.ip}:${e.port}`), ['10.244.1.2:8080', '10.244.1.3:8080']);
  const dns = m.find((s) => s.name === 'dns')!;
  assert.deepEqual(dns.ports.map((p) => p.endpoints.length), [1, 0]);
  assert.equal(m.find((s) => s.name === 'headless')!.clusterIP, '');
});

test('ruleset: replaces the table atomically; random choice among endpoints; reject without endpoints; masquerade of DNATed ClusterIP traffic', () => {
  const rs = renderRuleset(model(), 'k8ts');
  assert.match(rs, /^add table ip k8ts\ndelete table ip k8ts\ntable ip k8ts \{\n/);
  assert.match(rs, /10\.96\.0\.5 \. tcp \. 80 : goto svc-[0-9a-f]{16}/);
  assert.match(rs, /numgen random mod 2 vmap \{ 0 : goto ep-[0-9a-f]{16}, 1 : goto ep-[0-9a-f]{16} \}/);
  assert.match(rs, /meta l4proto tcp dnat to 10\.244\.1\.2:8080/);
  assert.match(rs, /meta l4proto tcp dnat to 10\.244\.1\.3:8080/);
  assert.doesNotMatch(rs, /10\.244\.1\.4/);
  assert.match(rs, /meta l4proto udp dnat to 10\.244\.1\.1:53/);
  assert.match(rs, /10\.96\.0\.10 \. tcp \. 53 : goto reject-tcp/);
  assert.match(rs, /type nat hook prerouting priority dstnat;/);
  assert.match(rs, /type nat hook output priority -100;/);
  assert.match(rs, /ct status dnat ct original ip daddr @cluster-ips masquerade/);
  // Same input, same script (the proxy skips unchanged rewrites).
  assert.equal(renderRuleset(model(), 'k8ts'), rs);
  // No services: valid empty sets and maps (no `elements = { }`).
  assert.doesNotMatch(renderRuleset([], 'k8ts'), /elements/);
  assert.equal(renderDelete('k8ts'), 'add table ip k8ts\ndelete table ip k8ts\n');
});

test('ruleset: nft accepts it (check mode, nothing applied)', async (t) => {
  const why = await nftUsable();
  if (why) return t.skip(`nft unusable: ${why}`);
  await runNft('nft', renderRuleset(model(), 'k8ts-unit-check'), ['-c', '-f', '-']);
  await runNft('nft', renderRuleset([], 'k8ts-unit-check'), ['-c', '-f', '-']);
});
