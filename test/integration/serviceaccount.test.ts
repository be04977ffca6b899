// ServiceAccounts end to end in one process: an API server with ServiceAccount admission, the
// ServiceAccounts controller and the root CA publisher, driven over HTTP by the REST client.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { replicaSetControllerFactory } from '../../src/controllers/replicaset/index.js';
import { rootCACertPublisherFactory, serviceAccountsControllerFactory, ROOT_CA_DESCRIPTION } from '../../src/controllers/serviceaccount/index.js';
import { eventually, getOrUndefined, InProcessCluster } from './in-process-cluster.js';

const CA = '-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n';

let cluster: InProcessCluster;
let sas: ResourceClient;
let cms: ResourceClient;
let pods: ResourceClient;
let namespaces: ResourceClient;

before(async () => {
  cluster = await InProcessCluster.start({ serviceAccountAdmission: true });
  sas = cluster.resource(R.serviceaccounts);
  cms = cluster.resource(R.configmaps);
  pods = cluster.resource(R.pods);
  namespaces = cluster.resource(R.namespaces);
  await cluster.startControllers([serviceAccountsControllerFactory, rootCACertPublisherFactory(CA), replicaSetControllerFactory]);
});

after(async () => {
  await cluster?.stop();
});

const podBody = (name: string, spec: Record<string, unknown> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
});

async function createNamespace(name: string): Promise<void> {
  await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

test('every system namespace gets a default ServiceAccount and kube-root-ca.crt', async () => {
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    const sa = await eventually(`default ServiceAccount in ${ns}`, () => getOrUndefined(sas, ns, 'default'));
    assert.equal(sa.metadata.labels, undefined);
    assert.equal(sa.automountServiceAccountToken, undefined);
    const cm = await eventually(`kube-root-ca.crt in ${ns}`, () => getOrUndefined(cms, ns, 'kube-root-ca.crt'));
    assert.deepEqual(cm.data, { 'ca.crt': CA });
    assert.equal(cm.metadata.annotations?.['kubernetes.io/description'], ROOT_CA_DESCRIPTION);
  }
});

test('a pod created right after its namespace waits for the default ServiceAccount', async () => {
  await createNamespace('fresh');
  const pod = await pods.create('fresh', podBody('p'));
  assert.equal(pod.spec.serviceAccountName, 'default');
  assert.equal(pod.spec.serviceAccount, 'default');
  assert.equal(pod.spec.volumes, undefined, 'no token volume');
  await eventually('kube-root-ca.crt in fresh', () => getOrUndefined(cms, 'fresh', 'kube-root-ca.crt'));
});

test('a pod naming a missing ServiceAccount is forbidden', async () => {
  await eventually('default ServiceAccount', () => getOrUndefined(sas, 'default', 'default'));
  await assert.rejects(pods.create('default', podBody('x', { serviceAccountName: 'missing' })), (err: unknown) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'pods "x" is forbidden: error looking up service account default/missing: serviceaccount "missing" not found');
    return true;
  });
  assert.equal(await getOrUndefined(pods, 'default', 'x'), undefined);
});

test("a pod gets its ServiceAccount's imagePullSecrets unless it has its own", async () => {
  await sas.create('default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder' }, imagePullSecrets: [{ name: 'regcred' }] });
  const p = await pods.create('default', podBody('with-builder', { serviceAccountName: 'builder' }));
  assert.deepEqual(p.spec.imagePullSecrets, [{ name: 'regcred' }]);
  const own = await pods.create('default', podBody('own-secrets', { serviceAccount: 'builder', imagePullSecrets: [{ name: 'mine' }] }));
  assert.equal(own.spec.serviceAccountName, 'builder');
  assert.deepEqual(own.spec.imagePullSecrets, [{ name: 'mine' }]);
});

test('ReplicaSet pods get the default ServiceAccount; the template is untouched', async () => {
  const rsClient = cluster.resource(R.replicasets);
  const rs = await rsClient.create('default', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  });
  assert.equal(rs.spec.template.spec.serviceAccountName, undefined);
  const made = await eventually('2 ReplicaSet pods', async () => {
    const l = await pods.list('default', { labelSelector: 'app=web' });
    return l.items.length === 2 ? l.items : undefined;
  });
  for (const p of made) assert.equal(p.spec.serviceAccountName, 'default');
  const stored = await rsClient.get('default', 'web');
  assert.equal(stored.spec.template.spec.serviceAccountName, undefined);
});

test('a deleted default ServiceAccount comes back', async () => {
  const before = await eventually('default ServiceAccount', () => getOrUndefined(sas, 'default', 'default'));
  await sas.delete('default', 'default');
  const again = await eventually('a new default ServiceAccount', async () => {
    const sa = await getOrUndefined(sas, 'default', 'default');
    return sa && sa.metadata.uid !== before.metadata.uid ? sa : undefined;
  });
  assert.equal(again.metadata.name, 'default');
});

test('kube-root-ca.crt is restored when deleted or edited', async () => {
  const before = await eventually('kube-root-ca.crt', () => getOrUndefined(cms, 'default', 'kube-root-ca.crt'));
  await cms.delete('default', 'kube-root-ca.crt');
  await eventually('a new kube-root-ca.crt', async () => {
    const cm = await getOrUndefined(cms, 'default', 'kube-root-ca.crt');
    return cm && cm.metadata.uid !== before.metadata.uid ? cm : undefined;
  });
  await cms.patch('default', 'kube-root-ca.crt', 'merge', { data: { 'ca.crt': 'junk', extra: 'x' }, metadata: { annotations: { 'kubernetes.io/description': null, mine: 'kept' } } });
  const fixed = await eventually('kube-root-ca.crt restored', async () => {
    const cm = await getOrUndefined(cms, 'default', 'kube-root-ca.crt');
    return cm && cm.data?.['ca.crt'] === CA && cm.metadata.annotations?.['kubernetes.io/description'] ? cm : undefined;
  });
  assert.deepEqual(fixed.data, { 'ca.crt': CA });
  assert.deepEqual(fixed.metadata.annotations, { 'kubernetes.io/description': ROOT_CA_DESCRIPTION, mine: 'kept' });
});

test('a terminating namespace gets no new default ServiceAccount', async () => {
  await createNamespace('ending');
  await eventually('default ServiceAccount in ending', () => getOrUndefined(sas, 'ending', 'default'));
  // A finalizer on a ConfigMap holds the namespace in Terminating.
  await cms.create('ending', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hold', finalizers: ['example.com/hold'] } });
  await namespaces.delete(undefined, 'ending');
  await eventually('the default ServiceAccount deleted with the namespace', async () => (await getOrUndefined(sas, 'ending', 'default')) === undefined);
  // One worker, a FIFO queue: once a namespace created afterwards has its account, `ending`'s
  // sync (queued by the deletion) has run.
  await createNamespace('later');
  await eventually('default ServiceAccount in later', () => getOrUndefined(sas, 'later', 'default'));
  assert.equal(await getOrUndefined(sas, 'ending', 'default'), undefined);
  const hold = await cms.get('ending', 'hold');
  await cms.patch('ending', 'hold', 'merge', { metadata: { finalizers: null, resourceVersion: hold.metadata.resourceVersion } });
  await eventually('namespace ending gone', async () => (await getOrUndefined(namespaces, undefined, 'ending')) === undefined);
});
