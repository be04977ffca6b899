import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import {
  controllerRevisionName,
  equalRevision,
  findEqualRevisions,
  goJsonMarshal,
  hashControllerRevision,
  maxRevision,
  newControllerRevision,
  nextRevision,
  rawRevisionData,
  revisionData,
  revisionsToTruncate,
  sortRevisions,
  templateOfRevision,
  type ControllerRevision,
} from '../../src/controllers/history/index.js';

// A revision recorded by a real v1.33 control plane (kubernetes/kubernetes
// pkg/controller/statefulset/testdata/compatibility_revision_1.33.0.json): its name is the
// StatefulSet's name and the hash of exactly these bytes with collisionCount 0.
const UPSTREAM_DATA =
  '{"spec":{"template":{"$patch":"replace","metadata":{"annotations":{"test":"value"},"creationTimestamp":null,"labels":{"app":"foo"}},"spec":{"containers":[{"image":"test","imagePullPolicy":"Always","name":"test","resources":{},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File"}],"dnsPolicy":"ClusterFirst","restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},"terminationGracePeriodSeconds":30}}}}';
const UPSTREAM_TEMPLATE = {
  metadata: { labels: { app: 'foo' }, annotations: { test: 'value' } },
  spec: {
    terminationGracePeriodSeconds: 30,
    restartPolicy: 'Always',
    containers: [{ name: 'test', image: 'test', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }],
    dnsPolicy: 'ClusterFirst',
    securityContext: {},
    schedulerName: 'default-scheduler',
  },
};

test('revisionData: the template as a replace patch, with creationTimestamp null, marshalled byte for byte as upstream', () => {
  const data = revisionData(UPSTREAM_TEMPLATE);
  assert.deepEqual(Object.keys(data), ['spec']);
  assert.equal(data.spec.template.$patch, 'replace');
  assert.equal((data.spec.template.metadata as KObject).creationTimestamp, null);
  assert.equal(rawRevisionData(data), UPSTREAM_DATA);
  // The input is not modified.
  assert.equal((UPSTREAM_TEMPLATE.metadata as Record<string, unknown>).creationTimestamp, undefined);
  assert.deepEqual(revisionData(undefined), { spec: { template: { metadata: { creationTimestamp: null }, $patch: 'replace' } } });
});

test('hashControllerRevision: FNV-1 of the data bytes and the collision count, as upstream names it', () => {
  const data = JSON.parse(UPSTREAM_DATA);
  assert.equal(hashControllerRevision(data, 0), 'c77f6d978');
  assert.notEqual(hashControllerRevision(data, 1), 'c77f6d978');
  assert.notEqual(hashControllerRevision(data), hashControllerRevision(data, 0), 'no collision count is not count 0');
  assert.match(hashControllerRevision(data, 7), /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  const rev = newControllerRevision(
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'test', namespace: 'default', uid: 'ssuid' } },
    { group: 'apps', version: 'v1', kind: 'StatefulSet' },
    { app: 'foo' },
    data,
    1,
    0,
  );
  assert.deepEqual(rev, {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'test-c77f6d978',
      namespace: 'default',
      labels: { app: 'foo', 'controller.kubernetes.io/hash': 'c77f6d978' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'test', uid: 'ssuid', controller: true, blockOwnerDeletion: true }],
    },
    data,
    revision: 1,
  });
});

test('goJsonMarshal: sorted keys at every depth, no spaces, HTML-escaped strings like encoding/json', () => {
  assert.equal(goJsonMarshal({ b: 1, a: [{ z: true, y: null }], c: 'x' }), '{"a":[{"y":null,"z":true}],"b":1,"c":"x"}');
  assert.equal(goJsonMarshal({ cmd: 'a < b && c > d' }), '{"cmd":"a \\u003c b \\u0026\\u0026 c \\u003e d"}');
  assert.equal(goJsonMarshal('line\nsep\u2028tab\t'), '"line\\nsep\\u2028tab\\t"');
  assert.equal(goJsonMarshal({ skip: undefined, n: 0.5 }), '{"n":0.5}');
});

test('controllerRevisionName: owner prefix cut to 223 characters', () => {
  assert.equal(controllerRevisionName('web', 'abc'), 'web-abc');
  const long = 'x'.repeat(250);
  assert.equal(controllerRevisionName(long, 'abc'), `${'x'.repeat(223)}-abc`);
});

function rev(name: string, revision: number, data: unknown, extra: Partial<KObject['metadata']> = {}): ControllerRevision {
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name, ...extra }, data, revision };
}

test('equalRevision / findEqualRevisions: same data (null and absent alike), numeric hash labels must agree', () => {
  const a = rev('a', 1, revisionData({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } }));
  const b = rev('b', 2, revisionData({ metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i:2' }] } }));
  const aAgain = rev('a2', 3, JSON.parse(JSON.stringify(a.data).replace('"creationTimestamp":null,', '')));
  assert.ok(equalRevision(a, aAgain), 'creationTimestamp null vs absent');
  assert.ok(!equalRevision(a, b));
  assert.ok(equalRevision(undefined, undefined));
  assert.ok(!equalRevision(a, undefined));
  const withHash = (r: ControllerRevision, h: string) => ({ ...r, metadata: { ...r.metadata, labels: { 'controller.kubernetes.io/hash': h } } });
  assert.ok(!equalRevision(withHash(a, '12'), withHash(aAgain, '13')), 'numeric hashes that differ');
  assert.ok(equalRevision(withHash(a, 'abc'), withHash(aAgain, 'xyz')), 'non-numeric hashes are ignored');
  assert.deepEqual(findEqualRevisions([a, b, aAgain], aAgain).map((r) => r.metadata.name), ['a', 'a2']);
});

test('sortRevisions, nextRevision, maxRevision', () => {
  const revs = [
    rev('c', 3, {}),
    rev('b2', 1, {}, { creationTimestamp: '2026-01-01T00:00:02Z' }),
    rev('b1', 1, {}, { creationTimestamp: '2026-01-01T00:00:01Z' }),
    rev('a', 1, {}, { creationTimestamp: '2026-01-01T00:00:02Z' }),
  ];
  assert.deepEqual(sortRevisions(revs).map((r) => r.metadata.name), ['b1', 'a', 'b2', 'c']);
  assert.equal(nextRevision(sortRevisions(revs)), 4);
  assert.equal(nextRevision([]), 1);
  assert.equal(maxRevision(revs), 3);
  assert.equal(maxRevision([]), 0);
});

test('revisionsToTruncate: oldest non-live revisions beyond the limit', () => {
  const revs = [1, 2, 3, 4, 5].map((n) => rev(`r${n}`, n, {}));
  assert.deepEqual(revisionsToTruncate(revs, new Set(['r5']), 2).map((r) => r.metadata.name), ['r1', 'r2']);
  assert.deepEqual(revisionsToTruncate(revs, new Set(['r1', 'r5']), 2).map((r) => r.metadata.name), ['r2'], 'a live revision is never deleted');
  assert.deepEqual(revisionsToTruncate(revs, new Set(['r5']), 10), []);
  assert.deepEqual(revisionsToTruncate(revs, new Set(), 0).length, 5);
});

test('templateOfRevision: the template the patch restores, without the directive', () => {
  const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
  assert.deepEqual(templateOfRevision(rev('r', 1, revisionData(t))), { metadata: { labels: { app: 'x' }, creationTimestamp: null }, spec: t.spec });
  assert.equal(templateOfRevision(rev('r', 1, { spec: {} })), undefined);
});
