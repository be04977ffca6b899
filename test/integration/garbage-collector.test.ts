// The garbage collector against an in-process API server: owners and dependents are created with
// ownerReferences set by hand (no workload controllers run), then owners are deleted with each
// propagation policy and we watch what happens to their dependents, as a user would with kubectl.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject, OwnerReference } from '../../src/api/types.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import type { RestClient } from '../../src/client/rest-client.js';
import { GarbageCollector, GC_RESOURCES } from '../../src/controllers/garbage-collector/index.js';
import { eventually as poll, getOrUndefined as getOr404, InProcessCluster } from './in-process-cluster.js';

let cluster: InProcessCluster;
let client: RestClient;
let pods: ResourceClient;
let replicasets: ResourceClient;
let deployments: ResourceClient;
let events: ResourceClient;
let namespaces: ResourceClient;
let gc: GarbageCollector;
const NS = 'default';

before(async () => {
  cluster = await InProcessCluster.start();
  client = cluster.client;
  pods = cluster.resource(R.pods);
  replicasets = cluster.resource(R.replicasets);
  deployments = cluster.resource(R.deployments);
  events = cluster.resource(R.events);
  namespaces = cluster.resource(R.namespaces);
  await cluster.startControllers([(ctx) => (gc = new GarbageCollector(ctx, { resources: GC_RESOURCES }))]);
});

after(() => cluster.stop());

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  return poll(what, check, ms, 20);
}

const getOrUndefined = (rc: ResourceClient, name: string, ns = NS): Promise<KObject | undefined> => getOr404(rc, ns, name);

const gone = (rc: ResourceClient, name: string, ns = NS) => async () => (await getOrUndefined(rc, name, ns)) === undefined;

function refTo(owner: KObject, opts: { controller?: boolean; block?: boolean } = {}): OwnerReference {
  const ref: OwnerReference = { apiVersion: owner.apiVersion!, kind: owner.kind!, name: owner.metadata.name!, uid: owner.metadata.uid! };
  if (opts.controller !== undefined) ref.controller = opts.controller;
  if (opts.block !== undefined) ref.blockOwnerDeletion = opts.block;
  return ref;
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } });

async function createReplicaSet(name: string, owners: OwnerReference[] = [], ns = NS): Promise<KObject> {
  return replicasets.create(ns, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, ownerReferences: owners.length ? owners : undefined },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template(name) },
  });
}

async function createDeployment(name: string): Promise<KObject> {
  return deployments.create(NS, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: template(name) },
  });
}

async function createPod(name: string, owners: OwnerReference[], extra: { finalizers?: string[] } = {}, ns = NS): Promise<KObject> {
  return pods.create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ownerReferences: owners, finalizers: extra.finalizers },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] },
  });
}

async function releaseFinalizers(rc: ResourceClient, name: string): Promise<void> {
  await rc.patch(NS, name, 'merge', { metadata: { finalizers: null } });
}

test('Background: deleting a ReplicaSet deletes its pods', async () => {
  const rs = await createReplicaSet('bg-rs');
  for (const i of [1, 2, 3]) await createPod(`bg-rs-${i}`, [refTo(rs, { controller: true, block: true })]);
  await replicasets.delete(NS, 'bg-rs', { propagationPolicy: 'Background' });
  assert.equal(await getOrUndefined(replicasets, 'bg-rs'), undefined, 'a background delete removes the owner at once');
  for (const i of [1, 2, 3]) await eventually(`pod bg-rs-${i} to be deleted`, gone(pods, `bg-rs-${i}`));
});

test('Foreground: the owner stays with a deletionTimestamp until its blocking dependents are gone', async () => {
  const rs = await createReplicaSet('fg-rs');
  // One blocking dependent that cannot go away until we let it (its own finalizer), one non-blocking.
  await createPod('fg-rs-held', [refTo(rs, { controller: true, block: true })], { finalizers: ['example.com/hold'] });
  await createPod('fg-rs-free', [refTo(rs, { controller: false, block: false })]);
  await replicasets.delete(NS, 'fg-rs', { propagationPolicy: 'Foreground' });

  await eventually('the non-blocking pod to be deleted', gone(pods, 'fg-rs-free'));
  await eventually('the held pod to be marked for deletion', async () => (await pods.get(NS, 'fg-rs-held')).metadata.deletionTimestamp);
  const waiting = await replicasets.get(NS, 'fg-rs');
  assert.ok(waiting.metadata.deletionTimestamp, 'the owner shows deletion in progress');
  assert.deepEqual(waiting.metadata.finalizers, ['foregroundDeletion']);

  await releaseFinalizers(pods, 'fg-rs-held');
  await eventually('the held pod to be gone', gone(pods, 'fg-rs-held'));
  await eventually('the owner to be deleted once its blocking dependent is gone', gone(replicasets, 'fg-rs'));
});

test('Foreground: dependents without blockOwnerDeletion do not hold the owner back', async () => {
  const rs = await createReplicaSet('fg-nb-rs');
  await createPod('fg-nb-rs-held', [refTo(rs, { block: false })], { finalizers: ['example.com/hold'] });
  await replicasets.delete(NS, 'fg-nb-rs', { propagationPolicy: 'Foreground' });
  await eventually('the owner to be deleted', gone(replicasets, 'fg-nb-rs'));
  await eventually('the non-blocking dependent to be marked for deletion too', async () => (await pods.get(NS, 'fg-nb-rs-held')).metadata.deletionTimestamp);
  await releaseFinalizers(pods, 'fg-nb-rs-held');
  await eventually('the dependent to be gone', gone(pods, 'fg-nb-rs-held'));
});

test('Orphan: the pods stay, without the ownerReference', async () => {
  const rs = await createReplicaSet('or-rs');
  for (const i of [1, 2]) await createPod(`or-rs-${i}`, [refTo(rs, { controller: true, block: true })]);
  await replicasets.delete(NS, 'or-rs', { propagationPolicy: 'Orphan' });
  await eventually('the owner to be deleted', gone(replicasets, 'or-rs'));
  for (const i of [1, 2]) {
    const pod = await pods.get(NS, `or-rs-${i}`);
    assert.deepEqual(pod.metadata.ownerReferences ?? [], [], `pod or-rs-${i} was released`);
    assert.equal(pod.metadata.deletionTimestamp, undefined);
  }
});

test('a dependent with two owners survives the deletion of one; the dead reference is removed', async () => {
  const a = await createReplicaSet('two-a');
  const b = await createReplicaSet('two-b');
  await createPod('two-owners', [refTo(a), refTo(b)]);
  await replicasets.delete(NS, 'two-a', { propagationPolicy: 'Background' });
  const pod = await eventually('the dead reference to be removed', async () => {
    const p = await pods.get(NS, 'two-owners');
    return p.metadata.ownerReferences?.length === 1 ? p : undefined;
  });
  assert.deepEqual(pod.metadata.ownerReferences, [refTo(b)]);
  assert.equal(pod.metadata.deletionTimestamp, undefined);

  // With its last owner gone it is garbage.
  await replicasets.delete(NS, 'two-b', { propagationPolicy: 'Background' });
  await eventually('the pod to be deleted with its last owner', gone(pods, 'two-owners'));
});

test('a dependent whose owner never existed is collected', async () => {
  await createPod('no-owner', [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'never-was', uid: '0b5e6a6e-7c3f-4f7a-9a53-000000000000' }]);
  await eventually('the pod to be deleted', gone(pods, 'no-owner'));
});

test('a dependent whose owner name now belongs to another object (uid mismatch) is collected', async () => {
  const old = await createReplicaSet('reborn');
  await createPod('reborn-pod', [refTo(old)]);
  // The owner goes (its pod orphaned), another object takes its name, and a new pod names the old uid.
  await replicasets.delete(NS, 'reborn', { propagationPolicy: 'Orphan' });
  await eventually('the owner to be deleted', gone(replicasets, 'reborn'));
  const fresh = await createReplicaSet('reborn');
  await createPod('reborn-stale', [refTo(old)]);
  await eventually('the pod naming the old uid to be deleted', gone(pods, 'reborn-stale'));
  assert.equal((await replicasets.get(NS, 'reborn')).metadata.uid, fresh.metadata.uid, 'the new owner is untouched');
  assert.ok(await getOrUndefined(pods, 'reborn-pod'), 'the orphaned pod is untouched');
});

test('a reference to an owner observed in another namespace is invalid: Warning OwnerRefInvalidNamespace, dependent collected', async () => {
  await namespaces.create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gc-other' } });
  const rs = await createReplicaSet('elsewhere');
  // Whichever the collector sees first, owner or dependent, the mismatch is reported once both are seen.
  await createPod('cross-ns', [refTo(rs)], {}, 'gc-other');
  await eventually('the cross-namespace dependent to be deleted', gone(pods, 'cross-ns', 'gc-other'));
  const ev = await eventually('the OwnerRefInvalidNamespace event', async () => {
    const list = await events.list('gc-other');
    return list.items.find((e) => e.reason === 'OwnerRefInvalidNamespace' && e.involvedObject?.name === 'cross-ns');
  });
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.source?.component, 'garbage-collector-controller');
  assert.equal(
    ev.message,
    `ownerRef [apps/v1/ReplicaSet, namespace: gc-other, name: elsewhere, uid: ${rs.metadata.uid}] does not exist in namespace "gc-other"`,
  );
  assert.ok(await getOrUndefined(replicasets, 'elsewhere'), 'the real owner is untouched');
});

async function createDeploymentTree(name: string, holdPod = false): Promise<{ d: KObject; rs: KObject }> {
  const d = await createDeployment(name);
  const rs = await createReplicaSet(`${name}-5d8f7c`, [refTo(d, { controller: true, block: true })]);
  await createPod(`${name}-5d8f7c-a`, [refTo(rs, { controller: true, block: true })], holdPod ? { finalizers: ['example.com/hold'] } : {});
  await createPod(`${name}-5d8f7c-b`, [refTo(rs, { controller: true, block: true })]);
  return { d, rs };
}

test('kubectl delete deployment (Background): Deployment, then its ReplicaSet, then its pods', async () => {
  await createDeploymentTree('cascade-bg');
  await deployments.delete(NS, 'cascade-bg', { propagationPolicy: 'Background' });
  assert.equal(await getOrUndefined(deployments, 'cascade-bg'), undefined);
  await eventually('the ReplicaSet to be deleted', gone(replicasets, 'cascade-bg-5d8f7c'));
  await eventually('pod a to be deleted', gone(pods, 'cascade-bg-5d8f7c-a'));
  await eventually('pod b to be deleted', gone(pods, 'cascade-bg-5d8f7c-b'));
});

test('kubectl delete deployment --cascade=foreground: the tree goes bottom-up', async () => {
  await createDeploymentTree('cascade-fg', true);
  await deployments.delete(NS, 'cascade-fg', { propagationPolicy: 'Foreground' });

  // The ReplicaSet is itself deleted in the foreground, since it has dependents.
  await eventually('the free pod to be deleted', gone(pods, 'cascade-fg-5d8f7c-b'));
  await eventually('the held pod to be marked for deletion', async () => (await pods.get(NS, 'cascade-fg-5d8f7c-a')).metadata.deletionTimestamp);
  const rs = await replicasets.get(NS, 'cascade-fg-5d8f7c');
  assert.ok(rs.metadata.deletionTimestamp);
  assert.deepEqual(rs.metadata.finalizers, ['foregroundDeletion']);
  const d = await deployments.get(NS, 'cascade-fg');
  assert.ok(d.metadata.deletionTimestamp);
  assert.deepEqual(d.metadata.finalizers, ['foregroundDeletion']);

  await releaseFinalizers(pods, 'cascade-fg-5d8f7c-a');
  await eventually('the held pod to be gone', gone(pods, 'cascade-fg-5d8f7c-a'));
  await eventually('the ReplicaSet to be gone', gone(replicasets, 'cascade-fg-5d8f7c'));
  await eventually('the Deployment to be gone', gone(deployments, 'cascade-fg'));
});

test('kubectl delete deployment --cascade=orphan: the ReplicaSet and its pods stay', async () => {
  await createDeploymentTree('cascade-or');
  await deployments.delete(NS, 'cascade-or', { propagationPolicy: 'Orphan' });
  await eventually('the Deployment to be deleted', gone(deployments, 'cascade-or'));
  const rs = await replicasets.get(NS, 'cascade-or-5d8f7c');
  assert.deepEqual(rs.metadata.ownerReferences ?? [], []);
  // Its pods still belong to it.
  for (const p of ['a', 'b']) assert.equal((await pods.get(NS, `cascade-or-5d8f7c-${p}`)).metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
});

test('an owner of a kind the collector does not watch is looked up through discovery', async () => {
  const templates = new ResourceClient(client, { group: '', version: 'v1', plural: 'podtemplates', namespaced: true });
  const owner = await templates.create(NS, { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'unwatched-owner' }, template: template('unwatched') });
  await createPod('unwatched-dep', [refTo(owner)]);
  await templates.delete(NS, 'unwatched-owner', { propagationPolicy: 'Background' });
  await eventually('the dependent of the deleted PodTemplate to be deleted', gone(pods, 'unwatched-dep'));
});

test('a collector that stopped (lost leadership) catches up on deletions it missed when it starts again', async () => {
  const rs = await createReplicaSet('missed-rs');
  await createPod('missed-rs-1', [refTo(rs, { controller: true, block: true })]);
  await eventually('the collector to know the pod', async () => gc.graph.get((await pods.get(NS, 'missed-rs-1')).metadata.uid!) !== undefined);
  gc.stop();
  await replicasets.delete(NS, 'missed-rs', { propagationPolicy: 'Background' });
  await eventually('the collector to see the owner go', async () => gc.graph.get(rs.metadata.uid!) === undefined);
  gc.start();
  await eventually('the pod to be deleted after the restart', gone(pods, 'missed-rs-1'));
});
