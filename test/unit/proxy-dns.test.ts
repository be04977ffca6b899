// The cluster DNS server's wire codec and answers, with no sockets (DnsServer.handle and the
// records are pure over the informers' contents).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KObject } from '../../src/api/types.js';
import { ClusterRecords } from '../../src/proxy/dns/cluster-records.js';
import { encodeMessage, ipv6Bytes, parseQuery, parseResponse, RCODE, TYPE, type Question } from '../../src/proxy/dns/wire.js';
import { buildServices } from '../../src/proxy/service-model.js';
import { parseResolvConf, podDnsConfig, renderResolvConf } from '../../src/kubelet/pod-dns.js';

/** A query as dig sends it (RD set, one question, an EDNS OPT record in the additional section). */
function query(name: string, type: number, id = 0x1234): Buffer {
  const labels = name.split('.').flatMap((l) => [Buffer.from([l.length]), Buffer.from(l)]);
  const q = Buffer.concat([...labels, Buffer.from([0, 0, type, 0, 1])]);
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([Buffer.from([id >> 8, id & 255, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1]), q, opt]);
}

test('wire: parses a query with mixed case and EDNS; encodes records that parse back', () => {
  const { header, questions } = parseQuery(query('Web.Default.svc.cluster.local', TYPE.A));
  assert.equal(header.id, 0x1234);
  assert.equal(header.rd, true);
  assert.equal(header.qr, false);
  assert.deepEqual(questions, [{ name: 'web.default.svc.cluster.local', type: TYPE.A, class: 1 }]);
  const msg = encodeMessage({
    header: { id: 7, qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: true, rcode: RCODE.NOERROR },
    questions,
    answers: [
      { name: 'a.b', ttl: 5, type: TYPE.A, address: '10.96.0.5' },
      { name: 'a.b', ttl: 5, type: TYPE.SRV, priority: 0, weight: 100, port: 8080, target: 'web.default.svc.cluster.local' },
      { name: '5.0.96.10.in-addr.arpa', ttl: 5, type: TYPE.PTR, target: 'web.default.svc.cluster.local' },
      { name: 'a.b', ttl: 5, type: TYPE.AAAA, address: 'fd00::1' },
    ],
    authority: [{ name: 'cluster.local', ttl: 5, type: TYPE.SOA, mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }],
  });
  // Header flags: QR AA RD RA, rcode 0.
  assert.equal(msg.readUInt16BE(2), 0x8580);
  const back = parseResponse(msg);
  assert.equal(back.answers.length, 4);
  assert.deepEqual(back.answers[0], { name: 'a.b', ttl: 5, type: TYPE.A, address: '10.96.0.5' });
  assert.deepEqual(back.answers[1], { name: 'a.b', ttl: 5, type: TYPE.SRV, priority: 0, weight: 100, port: 8080, target: 'web.default.svc.cluster.local' });
  assert.equal(back.answers[2].type === TYPE.PTR && back.answers[2].target, 'web.default.svc.cluster.local');
  assert.equal(back.answers[3].type === TYPE.AAAA && back.answers[3].address, 'fd00:0:0:0:0:0:0:1');
  assert.equal(back.authority[0].type === TYPE.SOA && back.authority[0].minimum, 5);
  assert.deepEqual([...ipv6Bytes('::ffff:10.0.0.1')], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]);
});

test('wire: compression pointers are followed; loops and truncation are format errors', () => {
  // Question name "x" + pointer to offset 12 would loop back onto itself.
  const loop = Buffer.from([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  assert.throws(() => parseQuery(loop), /loop/);
  assert.throws(() => parseQuery(Buffer.from([0, 1, 0])), /shorter/);
  const q = query('a.b', TYPE.A);
  assert.throws(() => parseQuery(q.subarray(0, 16)), /past/);
});

const services: KObject[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db', namespace: 'data' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } },
];
const slices: KObject[] = [
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.2'], conditions: { ready: true } }, { addresses: ['10.244.1.3'], conditions: { ready: false } }],
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'db-x', namespace: 'data', labels: { 'kubernetes.io/service-name': 'db' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.1.9'], hostname: 'db-0', conditions: { ready: true } }, { addresses: ['10.244.1.8'] }],
    ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
  },
];

test('records: services, headless services, SRV, pods, PTR; NXDOMAIN versus NOERROR without answers; others forwarded', () => {
  const r = new ClusterRecords(buildServices(services, slices));
  const ask = (name: string, type: number = TYPE.A) => r.answer({ name, type, class: 1 } as Question);
  const addrs = (name: string, type: number = TYPE.A) => ask(name, type)?.answers.map((a) => ('address' in a ? a.address : 'target' in a ? `${a.target}:${'port' in a ? a.port : ''}` : '?'));
  assert.deepEqual(addrs('web.default.svc.cluster.local'), ['10.96.0.5']);
  assert.deepEqual(addrs('db.data.svc.cluster.local'), ['10.244.1.8', '10.244.1.9']);
  assert.deepEqual(addrs('db-0.db.data.svc.cluster.local'), ['10.244.1.9']);
  assert.deepEqual(addrs('_http._tcp.web.default.svc.cluster.local', TYPE.SRV), ['web.default.svc.cluster.local:80']);
  assert.deepEqual(addrs('_pg._tcp.db.data.svc.cluster.local', TYPE.SRV), ['10-244-1-8.db.data.svc.cluster.local:5432', 'db-0.db.data.svc.cluster.local:5432']);
  assert.deepEqual(addrs('10-244-1-7.default.pod.cluster.local'), ['10.244.1.7']);
  assert.deepEqual(addrs('5.0.96.10.in-addr.arpa', TYPE.PTR), ['web.default.svc.cluster.local:']);
  // Exists, other type: NOERROR, no answers, the SOA.
  const aaaa = ask('web.default.svc.cluster.local', TYPE.AAAA)!;
  assert.equal(aaaa.rcode, RCODE.NOERROR);
  assert.equal(aaaa.answers.length, 0);
  assert.equal(aaaa.authority[0].type, TYPE.SOA);
  assert.equal(ask('svc.cluster.local')!.rcode, RCODE.NOERROR);
  assert.equal(ask('default.svc.cluster.local')!.rcode, RCODE.NOERROR);
  for (const n of ['nope.default.svc.cluster.local', 'web.other.svc.cluster.local', 'web.default.svc.cluster.local.default.svc.cluster.local', 'x.cluster.local', '999-1-1-1.default.pod.cluster.local']) {
    assert.equal(ask(n)!.rcode, RCODE.NXDOMAIN, n);
  }
  assert.equal(ask('example.com'), undefined);
  assert.equal(ask('1.1.168.192.in-addr.arpa', TYPE.PTR), undefined);
});

test('pod DNS: ClusterFirst, Default, None and hostNetwork; dnsConfig merged; the resolv.conf text', () => {
  const node = 'nameserver 127.0.0.53\nnameserver 192.168.1.1\nsearch corp.example\noptions edns0\n';
  const pod = (spec: object, namespace = 'team') => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec }) as KObject;
  const cluster = { clusterDNS: ['10.96.0.10'] };
  const first = podDnsConfig(pod({}), cluster, () => node)!;
  assert.equal(renderResolvConf(first), 'search team.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver 10.96.0.10\noptions ndots:5\n');
  assert.equal(podDnsConfig(pod({ hostNetwork: true }), cluster, () => node), undefined);
  assert.equal(podDnsConfig(pod({ dnsPolicy: 'Default' }), cluster, () => node), undefined);
  assert.equal(podDnsConfig(pod({}), {}, () => node), undefined, 'no cluster DNS: Default');
  assert.deepEqual(podDnsConfig(pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }), cluster, () => node)!.servers, ['10.96.0.10']);
  const none = podDnsConfig(pod({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'rotate' }] } }), cluster, () => node)!;
  assert.equal(renderResolvConf(none), 'search a.b\nnameserver 1.2.3.4\noptions ndots:2 rotate\n');
  const merged = podDnsConfig(pod({ dnsConfig: { options: [{ name: 'ndots', value: '1' }] } }), cluster, () => node)!;
  assert.deepEqual(merged.options, ['ndots:1']);
  assert.deepEqual(parseResolvConf(node), { servers: ['192.168.1.1'], searches: ['corp.example'], options: ['edns0'] });
});
