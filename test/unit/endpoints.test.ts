// Endpoints and EndpointSlices: the controllers' computations (subsets, truncation, slices) and
// the kinds' validation messages and table cells, as upstream words and prints them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { desiredEndpoints } from '../../src/controllers/endpoint/endpoints-controller.js';
import { computeSubsets, truncateSubsets, type EndpointSubset } from '../../src/controllers/endpoint/endpoints.js';
import { findPort, LAST_CHANGE_TRIGGER_TIME, rfc3339Nano, TriggerTimeTracker } from '../../src/controllers/endpoint/pod-endpoints.js';
import { reconcileSlices } from '../../src/controllers/endpointslice/slices.js';
import { endpointsKind, formatEndpoints, validateEndpoints } from '../../src/kinds/core/endpoints.js';
import { endpointSliceKind, formatSliceEndpoints, formatSlicePorts, validateEndpointSlice } from '../../src/kinds/discovery/endpoint-slice.js';

const svc = (spec: JsonObject, name = 'web', labels?: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'ns', uid: 'svc-uid', creationTimestamp: '2026-01-01T00:00:00Z', ...(labels ? { labels } : {}) },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ...spec },
});

let n = 0;
const pod = (ip: string, opts: { ready?: boolean; node?: string; deleting?: boolean; phase?: string; ports?: JsonObject[]; readyAt?: string } = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p${++n}`, namespace: 'ns', uid: `uid-${ip}`, labels: { app: 'web' }, ...(opts.deleting ? { deletionTimestamp: '2026-01-01T00:01:00Z' } : {}) },
  spec: { nodeName: opts.node ?? 'node-a', containers: [{ name: 'c', image: 'x', ports: opts.ports ?? [{ name: 'http', containerPort: 8080 }] }] },
  status: {
    phase: opts.phase ?? 'Running',
    podIP: ip,
    podIPs: [{ ip }],
    conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', lastTransitionTime: opts.readyAt ?? '2026-01-01T00:00:30Z' }],
  },
});

const messages = (errs: { toString(): string }[]) => errs.map(String);

test('subsets: ready and not-ready pods, ports resolved by name, node name and target ref', () => {
  const s = svc({ ports: [{ port: 80, targetPort: 'http', protocol: 'TCP' }] });
  const subsets = computeSubsets(s, [pod('10.0.0.2'), pod('10.0.0.10', { ready: false, node: 'node-b' }), pod('10.0.0.1'), pod('10.0.0.3', { phase: 'Succeeded' }), pod('10.0.0.4', { deleting: true })]);
  assert.equal(subsets.length, 1);
  assert.deepEqual(subsets[0]!.ports, [{ port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(subsets[0]!.addresses!.map((a) => a.ip), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(subsets[0]!.notReadyAddresses, [{ ip: '10.0.0.10', nodeName: 'node-b', targetRef: { kind: 'Pod', namespace: 'ns', name: 'p2', uid: 'uid-10.0.0.10' } }]);
});

test('subsets: publishNotReadyAddresses lists every pod as ready (terminating too); pods missing a named port are left out of that port', () => {
  const s = svc({ publishNotReadyAddresses: true, ports: [{ name: 'a', port: 80, targetPort: 'http', protocol: 'TCP' }, { name: 'b', port: 81, targetPort: 9000, protocol: 'TCP' }] });
  const subsets = computeSubsets(s, [pod('10.0.0.1', { ready: false }), pod('10.0.0.2', { ports: [] }), pod('10.0.0.3', { deleting: true })]);
  // Port a is offered by 10.0.0.1 and .3, port b by all three: one subset per set of addresses (RepackSubsets).
  assert.equal(subsets.length, 2);
  const a = subsets.find((ss) => ss.ports![0]!.name === 'a')!;
  assert.deepEqual(a.ports, [{ name: 'a', port: 8080, protocol: 'TCP' }]);
  assert.deepEqual(a.addresses!.map((x) => x.ip), ['10.0.0.1', '10.0.0.3']);
  assert.equal(a.notReadyAddresses, undefined);
  const b = subsets.find((ss) => ss.ports![0]!.name === 'b')!;
  assert.deepEqual(b.ports, [{ name: 'b', port: 9000, protocol: 'TCP' }]);
  assert.deepEqual(b.addresses!.map((x) => x.ip), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
});

test('findPort: numbers as they are, names by container port name and protocol, sidecars included', () => {
  const p = pod('10.0.0.1', { ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] });
  (p.spec.initContainers as unknown) = [{ name: 's', image: 'x', restartPolicy: 'Always', ports: [{ name: 'metrics', containerPort: 9090 }] }];
  assert.equal(findPort(p, { port: 80, targetPort: 8080 }), 8080);
  assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'UDP' }), 53);
  assert.equal(findPort(p, { port: 53, targetPort: 'dns', protocol: 'TCP' }), undefined);
  assert.equal(findPort(p, { port: 9, targetPort: 'metrics', protocol: 'TCP' }), 9090);
});

test('truncation: at most 1000 addresses, ready ones kept first, in proportion', () => {
  const addrs = (prefix: string, k: number) => Array.from({ length: k }, (_, i) => ({ ip: `${prefix}.${Math.floor(i / 250)}.${i % 250}` }));
  const subsets: EndpointSubset[] = [
    { addresses: addrs('10.1', 600), notReadyAddresses: addrs('10.2', 300), ports: [{ port: 1 }] },
    { addresses: addrs('10.3', 300), notReadyAddresses: addrs('10.4', 300), ports: [{ port: 2 }] },
  ];
  assert.equal(truncateSubsets(subsets), true);
  assert.equal(subsets[0]!.addresses!.length, 600);
  assert.equal(subsets[1]!.addresses!.length, 300);
  assert.equal(subsets[0]!.notReadyAddresses!.length + subsets[1]!.notReadyAddresses!.length, 100);
  const small: EndpointSubset[] = [{ addresses: addrs('10.1', 3) }];
  assert.equal(truncateSubsets(small), false);
});

test('desiredEndpoints: labels follow the Service, over-capacity annotation, no write when nothing changed', () => {
  const s = svc({ clusterIP: 'None', ports: [{ port: 80, protocol: 'TCP' }] }, 'web', { team: 'a' });
  const pods = Array.from({ length: 1001 }, (_, i) => pod(`10.9.${Math.floor(i / 200)}.${(i % 200) + 1}`));
  const ep = desiredEndpoints(s, pods, undefined, '2026-01-01T00:00:30Z')!;
  assert.deepEqual(ep.metadata.labels, { team: 'a', 'service.kubernetes.io/headless': '' });
  assert.equal(ep.metadata.annotations?.['endpoints.kubernetes.io/over-capacity'], 'truncated');
  assert.equal(ep.metadata.annotations?.[LAST_CHANGE_TRIGGER_TIME], '2026-01-01T00:00:30Z');
  assert.equal((ep.subsets as EndpointSubset[])[0]!.addresses!.length, 1000);
  assert.equal(desiredEndpoints(s, pods, { ...ep, metadata: { ...ep.metadata, resourceVersion: '5' } }, undefined), undefined);
  const fewer = desiredEndpoints(s, pods.slice(0, 2), { ...ep, metadata: { ...ep.metadata, resourceVersion: '5' } }, undefined)!;
  assert.equal(fewer.metadata.annotations, undefined);
  assert.equal(fewer.metadata.resourceVersion, '5');
});

test('trigger time: the earliest change not yet synced; nothing when only a pod went away', () => {
  const t = new TriggerTimeTracker();
  const s = svc({});
  const a = pod('10.0.0.1', { readyAt: '2026-01-01T00:00:40Z' });
  const b = pod('10.0.0.2', { readyAt: '2026-01-01T00:00:50Z' });
  assert.equal(t.compute('ns/web', s, [a, b]), '2026-01-01T00:00:00Z');
  assert.equal(t.compute('ns/web', s, [a, b]), undefined);
  const b2 = pod('10.0.0.2', { readyAt: '2026-01-01T00:01:10Z' });
  b2.metadata.name = b.metadata.name;
  assert.equal(t.compute('ns/web', s, [a, b2]), '2026-01-01T00:01:10Z');
  assert.equal(t.compute('ns/web', s, [a]), undefined);
  assert.equal(rfc3339Nano('2026-01-01T00:00:00.120Z'), '2026-01-01T00:00:00.12Z');
});

test('slices: labels, owner, conditions, zone; at most 100 endpoints a slice; kept endpoints stay put', () => {
  const s = svc({ ports: [{ name: 'web', port: 80, targetPort: 'http', protocol: 'TCP' }] }, 'web', { 'kubernetes.io/service-name': 'spoof', tier: 'x' });
  const nodes: Record<string, KObject> = { 'node-a': { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'topology.kubernetes.io/zone': 'z1' } } } };
  const pods = Array.from({ length: 150 }, (_, i) => pod(`10.5.${Math.floor(i / 100)}.${(i % 100) + 1}`, { ready: i !== 0, deleting: i === 1, node: i % 2 ? 'node-a' : 'node-b' }));
  const first = reconcileSlices(s, pods, (name) => nodes[name], [], '2026-01-01T00:00:30Z');
  assert.equal(first.create.length, 2);
  assert.deepEqual(first.create.map((sl) => (sl.endpoints as unknown[]).length).sort(), [100, 50]);
  const sl = first.create[0]!;
  assert.equal(sl.metadata.generateName, 'web-');
  assert.deepEqual(sl.metadata.labels, { tier: 'x', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
  assert.deepEqual(sl.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(sl.ports, [{ name: 'web', port: 8080, protocol: 'TCP' }]);
  const all = first.create.flatMap((x) => x.endpoints as JsonObject[]);
  const byIP = (ip: string) => all.find((e) => (e.addresses as string[])[0] === ip)!;
  assert.deepEqual(byIP('10.5.0.1').conditions, { ready: false, serving: false, terminating: false });
  assert.deepEqual(byIP('10.5.0.2').conditions, { ready: false, serving: true, terminating: true });
  assert.equal(byIP('10.5.0.2').zone, 'z1');
  assert.equal(byIP('10.5.0.1').zone, undefined);
  assert.equal(byIP('10.5.0.1').nodeName, 'node-b');

  // Stored slices: unchanged pods mean no writes; removing pods updates only the slice that had them.
  const stored = first.create.map((x, i) => ({ ...x, metadata: { ...x.metadata, name: `web-${i}`, resourceVersion: '1' } }));
  const again = reconcileSlices(s, pods, (name) => nodes[name], stored, undefined);
  assert.deepEqual([again.create.length, again.update.length, again.delete.length], [0, 0, 0]);
  const gone = new Set(((stored[1] as KObject).endpoints as JsonObject[]).slice(0, 5).map((e) => (e.targetRef as JsonObject).name));
  const fewer = reconcileSlices(s, pods.filter((p) => !gone.has(p.metadata.name)), (name) => nodes[name], stored, undefined);
  assert.deepEqual([fewer.create.length, fewer.update.length, fewer.delete.length], [0, 1, 0]);
  assert.equal(fewer.update[0]!.metadata.name, 'web-1');

  // No pods: one placeholder slice without endpoints or ports.
  const none = reconcileSlices(s, [], () => undefined, stored, undefined);
  assert.equal(none.delete.length, 2);
  assert.equal(none.create.length, 1);
  assert.deepEqual([none.create[0]!.endpoints, none.create[0]!.ports], [[], []]);
});

test('Endpoints validation: upstream messages and field paths', () => {
  const ep = (subsets: unknown): KObject => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e', namespace: 'ns' }, subsets: subsets as never });
  assert.deepEqual(messages(validateEndpoints(ep([{ ports: [{ port: 80, protocol: 'TCP' }] }]))), ['subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`']);
  assert.deepEqual(messages(validateEndpoints(ep([{ addresses: [{ ip: '127.0.0.1' }, { ip: 'nope' }, { ip: '169.254.1.1' }, { ip: '0.0.0.0' }] }]))), [
    'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
    'subsets[0].addresses[1].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    'subsets[0].addresses[2].ip: Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)',
    'subsets[0].addresses[3].ip: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)',
  ]);
  assert.deepEqual(messages(validateEndpoints(ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 0, protocol: 'TCP' }, { name: 'b', port: 1, protocol: 'ICMP' }] }]))), [
    'subsets[0].ports[0].name: Required value',
    'subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
    'subsets[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
  ]);
  assert.deepEqual(validateEndpoints(ep([{ addresses: [{ ip: '127.0.0.1' }] }]), { allowLoopback: true }), []);
  const d = ep([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]);
  endpointsKind.defaults!(d);
  assert.equal(((d.subsets as JsonObject[])[0]!.ports as JsonObject[])[0]!.protocol, 'TCP');
});

test('EndpointSlice validation: upstream messages and field paths', () => {
  const slice = (o: JsonObject): KObject => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's', namespace: 'ns' }, ...o });
  assert.deepEqual(messages(validateEndpointSlice(slice({ addressType: 'IP' }), 'create')), ['addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"']);
  assert.deepEqual(validateEndpointSlice(slice({ addressType: 'IP' }), 'update'), []);
  assert.deepEqual(messages(validateEndpointSlice(slice({}), 'create')), ['addressType: Required value']);
  const bad = slice({
    addressType: 'IPv4',
    endpoints: [{ addresses: [] }, { addresses: ['fd00::1'] }, { addresses: ['10.0.0.1'], hostname: 'A_B' }],
    ports: [{ name: 'a', port: 80, protocol: 'TCP' }, { name: 'a', port: 81, protocol: 'TCP' }],
  });
  assert.deepEqual(messages(validateEndpointSlice(bad, 'create')), [
    'endpoints[0].addresses: Required value: must contain at least 1 address',
    'endpoints[1].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address',
    "endpoints[2].hostname: Invalid value: \"A_B\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    'ports[1].name: Duplicate value: "a"',
  ]);
  assert.deepEqual(messages(validateEndpointSlice(slice({ addressType: 'FQDN', endpoints: [{ addresses: ['localhost'] }] }), 'create')), [
    'endpoints[0].addresses[0]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
  ]);
  assert.deepEqual(messages(endpointSliceKind.validateUpdate!(slice({ addressType: 'IPv6' }), slice({ addressType: 'IPv4' }), { now: new Date(), operation: 'update' })), [
    'addressType: Invalid value: "IPv6": field is immutable',
  ]);
});

test('tables: kubectl get endpoints and endpointslices cells', () => {
  const ep = (subsets: unknown): KObject => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'e' }, subsets: subsets as never });
  assert.equal(formatEndpoints(ep(undefined)), '<none>');
  assert.equal(formatEndpoints(ep([{ notReadyAddresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }])), '');
  assert.equal(
    formatEndpoints(ep([{ addresses: [{ ip: '10.244.1.5' }, { ip: '10.244.1.6' }, { ip: '10.244.1.7' }, { ip: '10.244.1.8' }], ports: [{ port: 80 }] }])),
    '10.244.1.5:80,10.244.1.6:80,10.244.1.7:80 + 1 more...',
  );
  assert.equal(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }] }])), 'fd00::1');
  assert.equal(formatEndpoints(ep([{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }, { port: 81 }] }])), '[fd00::1]:80,[fd00::1]:81');
  assert.equal(formatSlicePorts([]), '<unset>');
  assert.equal(formatSlicePorts([{ port: 80 }, { name: 'x' }, {}, { port: 1 }]), '80,x,* + 1 more...');
  assert.equal(formatSliceEndpoints([{ addresses: ['a', 'b'] }, { addresses: ['c', 'd', 'e'] }]), 'a,b,c + 2 more...');
  assert.equal(formatSliceEndpoints([]), '<unset>');
});
