import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import { decodeKubernetesProtobuf } from '../../src/api/protobuf/decode.js';
import { KIND_MESSAGES, MESSAGES, TABLES } from '../../src/api/protobuf/descriptors/index.js';
import { BUILTINS, compileTables, parseFieldList, resolveBase } from '../../src/api/protobuf/descriptors/schema.js';

// ---- a minimal protobuf encoder for building fixtures ----------------------------------------------------------

function varint(n: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Buffer.from(out);
}
const tag = (num: number, wt: number) => varint(num * 8 + wt);
/** varint field */
const v = (num: number, n: number | bigint | boolean) => Buffer.concat([tag(num, 0), varint(typeof n === 'boolean' ? (n ? 1 : 0) : n)]);
/** length-delimited field holding raw bytes */
const b = (num: number, payload: Buffer) => Buffer.concat([tag(num, 2), varint(payload.length), payload]);
/** string field */
const s = (num: number, str: string) => b(num, Buffer.from(str, 'utf8'));
/** embedded message field */
const m = (num: number, ...fields: Buffer[]) => b(num, Buffer.concat(fields));
/** map entry field */
const entry = (num: number, key: string, value: Buffer) => m(num, s(1, key), value);

const MAGIC = Buffer.from('k8s\0', 'latin1');
function envelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([MAGIC, m(1, s(1, apiVersion), s(2, kind)), b(2, raw), s(3, ''), s(4, '')]);
}
const decode = (apiVersion: string, kind: string, ...fields: Buffer[]) => decodeKubernetesProtobuf(envelope(apiVersion, kind, Buffer.concat(fields)));

function assertBadRequest(fn: () => unknown, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.code, 400);
    assert.equal(e.reason, 'BadRequest');
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

// Go's non-pointer scalars are always on the wire, even when empty: this is what kubectl sends for ObjectMeta.
const goMeta = (name: string, ...more: Buffer[]) => m(1, s(1, name), s(2, ''), s(3, ''), s(4, ''), s(5, ''), s(6, ''), v(7, 0), m(8), ...more);

// ---- descriptor tables ------------------------------------------------------------------------------------------

test('tables: every referenced message is defined and field numbers/names are unique per message', () => {
  const defined = new Set<string>();
  for (const t of TABLES) for (const name of Object.keys(t.messages)) defined.add(`${t.pkg}.${name}`);
  let fields = 0;
  for (const t of TABLES) {
    for (const [name, spec] of Object.entries(t.messages)) {
      const list = parseFieldList(spec, name);
      assert.ok(list.length > 0, `${t.pkg}.${name} has no fields`);
      const numbers = list.map((f) => f.number);
      assert.equal(new Set(numbers).size, numbers.length, `${t.pkg}.${name}: duplicate field number`);
      const names = list.map((f) => f.name);
      assert.equal(new Set(names).size, names.length, `${t.pkg}.${name}: duplicate field name`);
      for (const f of list) {
        fields++;
        const r = resolveBase(f.base, t.pkg);
        if ('message' in r) assert.ok(defined.has(r.message), `${t.pkg}.${name}.${f.name} refers to undefined ${r.message}`);
      }
    }
  }
  assert.equal(MESSAGES.size, defined.size);
  assert.ok(MESSAGES.size > 240 && fields > 1000, `coverage looks too small: ${MESSAGES.size} messages, ${fields} fields`);
  for (const [apiVersion, kind, msg] of KIND_MESSAGES) assert.ok(MESSAGES.has(msg), `${apiVersion} ${kind} -> ${msg}`);
});

test('tables: compiler rejects duplicates, dangling references and cycles', () => {
  assert.throws(() => compileTables([{ pkg: 'x', messages: { A: 'a=1:s b=1:s' } }]), /field number 1 twice/);
  assert.throws(() => compileTables([{ pkg: 'x', messages: { A: 'a=1:s a=2:s' } }]), /field name a twice/);
  assert.throws(() => compileTables([{ pkg: 'x', messages: { A: 'a=1:B' } }]), /undefined message x\.B/);
  assert.throws(() => compileTables([{ pkg: 'x', messages: { A: 'b=1:*B', B: 'a=1:[]A' } }]), /reference cycle/);
  assert.throws(() => compileTables([{ pkg: 'x', messages: { A: 'a=1:int' } }]), /undefined message x\.int/);
  assert.throws(() => compileTables([{ pkg: 'x', messages: { A: 'a=0:s' } }]), /cannot parse/);
  assert.ok(BUILTINS.includes('Time'));
});

test('every served kind decodes from an empty object to its Go zero value', () => {
  for (const [apiVersion, kind] of KIND_MESSAGES) {
    const obj = decodeKubernetesProtobuf(envelope(apiVersion, kind, Buffer.alloc(0)));
    assert.equal(obj.kind, kind);
    assert.equal(obj.apiVersion, apiVersion);
    if (kind !== 'DeleteOptions') assert.deepEqual(obj.metadata, { creationTimestamp: null }, `${apiVersion} ${kind}`);
  }
  // Non-pointer structs are printed even when empty, nil pointers without omitempty print null.
  assert.deepEqual(decode('apps/v1', 'Deployment'), {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { creationTimestamp: null },
    spec: { selector: null, template: { metadata: { creationTimestamp: null }, spec: { containers: null } }, strategy: {} },
    status: {},
  });
});

// ---- Go JSON conversion rules -----------------------------------------------------------------------------------

test('pointer scalars keep zero values; non-pointer omitempty scalars drop them', () => {
  const obj = decode(
    'apps/v1',
    'Deployment',
    goMeta('d'),
    m(2, v(1, 0), v(5, 0), v(6, 0), v(7, false), v(9, 600), m(4, s(1, ''))),
    m(3, v(1, 0), v(2, 0), v(3, 0), v(4, 0), v(5, 0), v(7, 0)),
  );
  assert.deepEqual(obj.spec, {
    replicas: 0, // *int32
    selector: null,
    template: { metadata: { creationTimestamp: null }, spec: { containers: null } },
    strategy: {},
    revisionHistoryLimit: 0, // *int32
    progressDeadlineSeconds: 600,
  });
  assert.deepEqual(obj.status, {});
  // ReplicaSetStatus.replicas has no omitempty: printed even when 0.
  assert.deepEqual(decode('apps/v1', 'ReplicaSet', m(3, v(1, 0))).status, { replicas: 0 });
  // ContainerPort.containerPort (no omitempty) and hostPort (omitempty).
  const pod = decode('v1', 'Pod', m(2, m(2, s(1, 'c'), m(6, v(2, 0), v(3, 0)))));
  assert.deepEqual(pod.spec.containers, [{ name: 'c', ports: [{ containerPort: 0 }], resources: {} }]);
});

test('Time, MicroTime, IntOrString, Quantity and bytes use their Go JSON forms', () => {
  const dep = decode(
    'apps/v1',
    'Deployment',
    goMeta('d', m(9)), // deletionTimestamp: a present but zero *Time prints null
    m(2, m(4, s(1, 'RollingUpdate'), m(2, m(1, v(1, 1), s(3, '25%')), m(2, v(1, 0), v(2, 2))))),
  );
  assert.equal(dep.metadata.deletionTimestamp, null);
  assert.ok('deletionTimestamp' in dep.metadata);
  assert.deepEqual(dep.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 2 } });

  const lease = decode('coordination.k8s.io/v1', 'Lease', m(1, s(1, 'l'), m(8, v(1, 1745337747), v(2, 999_000_000))), m(2, m(4, v(1, 1745337747), v(2, 123_456_789))));
  assert.equal(lease.metadata.creationTimestamp, '2025-04-22T16:02:27Z', 'Time truncates nanos');
  assert.deepEqual(lease.spec, { renewTime: '2025-04-22T16:02:27.123456Z' });
  // An explicit epoch is a real time; Go's zero time (year 1) prints null; negative nanos borrow from seconds.
  const times = (...t: Buffer[]) => decode('v1', 'Namespace', m(1, ...t)).metadata.creationTimestamp;
  assert.equal(times(m(8, v(1, 0), v(2, 0))), '1970-01-01T00:00:00Z');
  assert.equal(times(m(8, v(1, -62135596800n))), null);
  assert.equal(times(m(8, v(1, 10), v(2, -1))), '1970-01-01T00:00:09Z');
  assert.equal(times(m(8, v(1, -1))), '1969-12-31T23:59:59Z');
  assertBadRequest(() => times(m(8, v(1, 253402300800n))), /metadata.creationTimestamp: timestamp 253402300800s is outside the years 0-9999/);

  const pod = decode(
    'v1',
    'Pod',
    m(2, m(2, s(1, 'c'), m(8, entry(1, 'cpu', m(2, s(1, '500m'))), entry(1, 'memory', m(2)), entry(2, 'cpu', m(2, s(1, '1')))))),
  );
  assert.deepEqual(pod.spec.containers[0].resources, { limits: { cpu: '500m', memory: '0' }, requests: { cpu: '1' } });

  const secret = decode('v1', 'Secret', goMeta('s'), entry(2, 'b', b(2, Buffer.from([0, 1, 2, 255]))), entry(2, 'a', b(2, Buffer.from('hello'))), entry(4, 'x', s(2, 'y')), s(3, 'Opaque'));
  assert.deepEqual(Object.keys(secret.data), ['a', 'b'], 'map keys are sorted like Go prints them');
  assert.deepEqual(secret.data, { a: 'aGVsbG8=', b: 'AAEC/w==' });
  assert.deepEqual(secret.stringData, { x: 'y' });
  assert.equal(secret.type, 'Opaque');

  const svc = decode('v1', 'Service', m(2, m(1, s(1, 'http'), s(2, 'TCP'), v(3, 80), m(4, v(1, 0), v(2, 8080)))));
  assert.deepEqual(svc.spec.ports, [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }]);
});

test('embedded (inline) structs are flattened into their parent', () => {
  const pod = decode(
    'v1',
    'Pod',
    m(2, m(1, s(1, 'v'), m(2, m(2, s(1, 'Memory')))), m(2, s(1, 'c'), m(7, s(1, 'K'), m(3, m(3, m(1, s(1, 'cm')), s(2, 'key')))))),
  );
  assert.deepEqual(pod.spec.volumes, [{ name: 'v', emptyDir: { medium: 'Memory' } }]);
  assert.deepEqual(pod.spec.containers[0].env, [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'key' } } }]);
});

test('integers: negative int32/int64, packed and unpacked repeated, int64 beyond 2^53 is rejected', () => {
  const pod = decode('v1', 'Pod', m(2, m(14, v(2, -1n), v(4, 5), v(4, 6), b(4, Buffer.concat([varint(7), varint(2 ** 40)]))), v(25, -5)));
  assert.deepEqual(pod.spec.securityContext, { runAsUser: -1, supplementalGroups: [5, 6, 7, 2 ** 40] });
  assert.equal(pod.spec.priority, -5);
  const big = decode('v1', 'Pod', m(2, m(14, v(2, 2n ** 53n - 1n))));
  assert.equal(big.spec.securityContext.runAsUser, Number.MAX_SAFE_INTEGER);
  const neg = decode('v1', 'Pod', m(2, m(14, v(2, -(2n ** 53n) + 1n))));
  assert.equal(neg.spec.securityContext.runAsUser, Number.MIN_SAFE_INTEGER);
  assertBadRequest(
    () => decode('v1', 'Pod', m(2, m(14, v(2, 2n ** 53n)))),
    'unable to decode protobuf body: spec.securityContext.runAsUser: integer 9007199254740992 is outside the range JSON numbers hold exactly (±2^53-1)',
  );
  assertBadRequest(() => decode('v1', 'Pod', m(2, m(14, v(2, -(2n ** 60n))))), /runAsUser: integer -1152921504606846976 is outside/);
});

test('ControllerRevision data (RawExtension) holding JSON is parsed; bad JSON is a 400', () => {
  const data = { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'a', image: 'x' }] } } } };
  const cr = decode('apps/v1', 'ControllerRevision', goMeta('r'), m(2, s(1, JSON.stringify(data))), v(3, 2));
  assert.deepEqual(cr.data, data);
  assert.equal(cr.revision, 2);
  assert.equal(decode('apps/v1', 'ControllerRevision').data, null);
  // The raw object may itself be a protobuf-encoded object.
  const nested = decode('apps/v1', 'ControllerRevision', m(2, b(1, envelope('v1', 'ConfigMap', entry(2, 'k', s(2, 'v'))))));
  assert.deepEqual(nested.data, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { creationTimestamp: null }, data: { k: 'v' } });
  // ...but not without bound.
  let deep = envelope('v1', 'ConfigMap', Buffer.alloc(0));
  for (let i = 0; i < 10; i++) deep = envelope('apps/v1', 'ControllerRevision', m(2, b(1, deep)));
  assertBadRequest(() => decodeKubernetesProtobuf(deep), /^unable to decode protobuf body: data\.\(embedded object\)\.data.*: objects embedded more than 4 deep$/);
  assertBadRequest(() => decode('apps/v1', 'ControllerRevision', m(2, s(1, '{nope'))), 'unable to decode protobuf body: data: embedded raw object is not valid JSON');
});

test('messages repeated on the wire merge; unknown fields are skipped; "__proto__" keys stay plain data', () => {
  const dep = decode(
    'apps/v1',
    'Deployment',
    m(1, s(1, 'a'), entry(11, '__proto__', s(2, 'x'))),
    v(99, 7),
    Buffer.concat([tag(98, 1), Buffer.alloc(8)]),
    Buffer.concat([tag(97, 5), Buffer.alloc(4)]),
    s(96, 'ignored'),
    m(1, s(3, 'ns'), entry(11, 'b', s(2, 'y'))),
  );
  assert.equal(dep.metadata.name, 'a');
  assert.equal(dep.metadata.namespace, 'ns');
  assert.deepEqual(Object.keys(dep.metadata.labels ?? {}), ['__proto__', 'b']);
  assert.equal(Object.getPrototypeOf(dep.metadata.labels), Object.prototype);
  assert.equal(JSON.stringify(dep.metadata.labels), '{"__proto__":"x","b":"y"}');
});

test('DeleteOptions decodes under any served group version; envelope defaults fill a missing kind', () => {
  const opts = decode('apps/v1', 'DeleteOptions', v(1, 0), m(2, s(1, 'u')), s(4, 'Foreground'), s(5, 'All'));
  assert.deepEqual(opts, { kind: 'DeleteOptions', apiVersion: 'apps/v1', gracePeriodSeconds: 0, preconditions: { uid: 'u' }, propagationPolicy: 'Foreground', dryRun: ['All'] });
  const body = Buffer.concat([MAGIC, m(1), b(2, Buffer.concat([goMeta('n')]))]);
  const ns = decodeKubernetesProtobuf(body, { apiVersion: 'v1', kind: 'Namespace' });
  assert.deepEqual(ns, { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', creationTimestamp: null }, spec: {}, status: {} });
});

// ---- malformed input --------------------------------------------------------------------------------------------

test('malformed input is a 400 with a clear message', () => {
  const p = 'unable to decode protobuf body: ';
  assertBadRequest(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"Pod"}')), `${p}missing the "k8s\\x00" prefix of a Kubernetes protobuf body`);
  assertBadRequest(() => decodeKubernetesProtobuf(Buffer.alloc(0)), /missing the "k8s\\x00" prefix/);
  assertBadRequest(() => decodeKubernetesProtobuf(Buffer.from('k8s')), /missing the "k8s\\x00" prefix/);
  assertBadRequest(() => decode('apps/v1', 'Widget'), `${p}unknown kind "Widget" in apiVersion "apps/v1"`);
  assertBadRequest(() => decode('apps/v2', 'Deployment'), `${p}unknown kind "Deployment" in apiVersion "apps/v2"`);
  assertBadRequest(() => decodeKubernetesProtobuf(Buffer.concat([MAGIC, m(1, s(1, 'v1'))])), `${p}Object 'Kind' is missing in the protobuf envelope`);
  // Truncated varint inside the object: a continuation bit on the last byte.
  assertBadRequest(() => decode('apps/v1', 'Deployment', Buffer.concat([tag(99, 0), Buffer.from([0x80])])), `${p}unexpected end of data`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, Buffer.from([0x08, 0xff, 0xff]))), `${p}spec.replicas: unexpected end of data`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', Buffer.from([0x12])), `${p}spec: unexpected end of data`);
  // Length prefix past the end of the enclosing message.
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, Buffer.from([0x1a, 0x7f, 0x00]))), `${p}spec.template: length 127 runs past the end of the data (1 bytes left)`);
  // Wrong wire types.
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, s(1, 'three'))), `${p}spec.replicas: wrong wire type length-delimited (want varint)`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(1, v(1, 5))), `${p}metadata.name: wrong wire type varint (want length-delimited)`);
  assertBadRequest(
    () => decode('v1', 'Pod', m(2, m(2, s(1, 'a')), m(2, s(1, 'b'), v(2, 1)))),
    `${p}spec.containers[1].image: wrong wire type varint (want length-delimited)`,
  );
  assertBadRequest(() => decode('v1', 'Pod', m(1, entry(11, 'app', v(2, 1)))), `${p}metadata.labels[app]: wrong wire type varint (want length-delimited)`);
  // Over-long varint, groups, field number 0.
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, Buffer.from([0x08, ...Array(10).fill(0xff), 0x01]))), `${p}spec.replicas: varint is longer than 10 bytes`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', tag(99, 3), tag(99, 4)), `${p}unsupported start-group field`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', Buffer.from([0x00, 0x00])), `${p}illegal field number 0`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, m(2, v(1, 1)))), `${p}spec.selector.matchLabels: wrong wire type varint (want length-delimited)`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, m(2, m(2, v(1, 1))))), `${p}spec.selector.matchExpressions[0].key: wrong wire type varint (want length-delimited)`);
  assertBadRequest(() => decode('v1', 'Pod', m(1, m(11, v(1, 1)))), `${p}metadata.labels: wrong wire type varint for map key (want length-delimited)`);
  assertBadRequest(() => decode('apps/v1', 'Deployment', m(2, m(4, s(1, 'x'), m(2, m(1, v(1, 7)))))), `${p}spec.strategy.rollingUpdate.maxUnavailable: impossible IntOrString type 7`);
  // Truncated envelope: raw claims more bytes than the body has.
  const whole = envelope('v1', 'ConfigMap', goMeta('c'));
  assertBadRequest(() => decodeKubernetesProtobuf(whole.subarray(0, whole.length - 6)), /unable to decode protobuf body: /);
});

test('fuzz: truncations and byte flips of a real-shaped body only ever yield an object or a 400', () => {
  const body = envelope(
    'apps/v1',
    'Deployment',
    Buffer.concat([
      goMeta('d1', entry(11, 'app', s(2, 'd1'))),
      m(2, v(1, 3), m(2, entry(1, 'app', s(2, 'd1'))), m(3, goMeta(''), m(2, m(2, s(1, 'nginx'), s(2, 'nginx:1.16'), m(6, v(3, 80), s(4, 'TCP')), m(8)))), m(4)),
      m(3),
    ]),
  );
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let decoded = 0;
  let rejected = 0;
  const attempt = (buf: Buffer) => {
    try {
      const obj = decodeKubernetesProtobuf(buf);
      assert.equal(typeof obj, 'object');
      decoded++;
    } catch (e) {
      assert.ok(e instanceof ApiError && e.code === 400, `unexpected ${String(e)}`);
      rejected++;
    }
  };
  for (let i = 0; i <= body.length; i++) attempt(body.subarray(0, i));
  for (let i = 0; i < 3000; i++) {
    const copy = Buffer.from(body);
    const flips = 1 + Math.floor(rand() * 3);
    for (let k = 0; k < flips; k++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
    attempt(copy);
  }
  assert.ok(decoded > 100 && rejected > 100, `decoded ${decoded}, rejected ${rejected}`);
});
