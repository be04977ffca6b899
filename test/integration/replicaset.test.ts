// The ReplicaSet and ReplicationController controllers against an in-process API server, with the
// real scheduler and three sim node agents so that pods actually run and turn Ready. Everything is
// observed through the API as a user would with kubectl: pods, their owners, events, status.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import type { RequestOptions } from '../../src/client/rest-client.js';
import { replicaSetControllerFactory, replicationControllerFactory } from '../../src/controllers/replicaset/index.js';
import type { ControllerManager } from '../../src/controllers/runtime/manager.js';
import { SIM_READY } from '../../src/kubelet/index.js';
import { DelayedWatchClient } from './delayed-watch-client.js';
import { eventually as poll, InProcessCluster } from './in-process-cluster.js';

const QUOTA_NS = 'quota';
const QUOTA_MESSAGE = 'exceeded quota: compute, requested: pods=1, used: pods=0, limited: pods=0';

/**
 * The controllers' client, with two knobs: pod creates in the `quota` namespace are refused as a
 * ResourceQuota would refuse them (k8ts has no quota admission) while `quotaExceeded` is set, and
 * pod watch events reach the controllers `watchDelayMs` late (in order), as from a slow or
 * distant API server. Everything else passes through.
 */
class ControllerClient extends DelayedWatchClient {
  quotaExceeded = true;
  createAttempts = 0;
  /** Most refused creates in flight at once. */
  maxConcurrentRefusals = 0;
  private inFlight = 0;
  override request<T = KObject>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    if (method === 'POST' && path === `/api/v1/namespaces/${QUOTA_NS}/pods`) {
      this.createAttempts++;
      if (this.quotaExceeded) {
        const name = `${(o.body as KObject).metadata.generateName}abcde`;
        this.inFlight++;
        this.maxConcurrentRefusals = Math.max(this.maxConcurrentRefusals, this.inFlight);
        return new Promise<T>((_, reject) =>
          setTimeout(() => {
            this.inFlight--;
            reject(new ApiError(403, 'Forbidden', `pods "${name}" is forbidden: ${QUOTA_MESSAGE}`));
          }, 5),
        );
      }
    }
    return super.request<T>(method, path, o);
  }
}

let cluster: InProcessCluster;
let controllerClient: ControllerClient;
let manager: ControllerManager;
let pods: ResourceClient;
let replicasets: ResourceClient;
let rcs: ResourceClient;
let events: ResourceClient;
const NS = 'default';

before(async () => {
  cluster = await InProcessCluster.start();
  controllerClient = cluster.connect((server) => new ControllerClient({ server }, '/pods'));
  pods = cluster.resource(R.pods);
  replicasets = cluster.resource(R.replicasets);
  rcs = cluster.resource(R.replicationcontrollers);
  events = cluster.resource(R.events);
  await cluster.resource(R.namespaces).create(undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: QUOTA_NS } });
  await cluster.addNodes(['node-1', 'node-2', 'node-3']);
  await cluster.startScheduler();
  manager = await cluster.startControllers([replicaSetControllerFactory, replicationControllerFactory], controllerClient);
});

after(() => cluster.stop());

/** Polls `check` until it returns something other than undefined/false, or fails after `ms`. */
function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  return poll(what, check, ms);
}

const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16' }] } });

function replicaSet(name: string, replicas: number, labels: Record<string, string>, ns = NS): KObject {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: ns }, spec: { replicas, selector: { matchLabels: labels }, template: template(labels) } };
}

const controllerUid = (p: KObject) => p.metadata.ownerReferences?.find((r) => r.controller)?.uid;
const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

/** Active (not terminating) pods controlled by `owner`, sorted by name. */
async function ownedPods(owner: KObject, ns = NS): Promise<KObject[]> {
  const list = await pods.list(ns);
  return list.items.filter((p) => controllerUid(p) === owner.metadata.uid && !p.metadata.deletionTimestamp).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
}

async function eventsOf(owner: KObject, reason: string, ns = NS): Promise<KObject[]> {
  return (await events.list(ns)).items.filter((e) => e.involvedObject?.uid === owner.metadata.uid && e.reason === reason);
}

/** Waits for `n` owned pods, all Ready, and a status that says so for the current generation. */
async function waitReady(rc: ResourceClient, owner: KObject, n: number, ns = NS): Promise<{ owner: KObject; pods: KObject[] }> {
  return eventually(`${owner.metadata.name}: ${n} ready replicas`, async () => {
    const cur = await rc.get(ns, owner.metadata.name!);
    const ps = await ownedPods(owner, ns);
    const s = cur.status ?? {};
    if (ps.length !== n || !ps.every(isReady)) return undefined;
    if (s.replicas !== n || (s.readyReplicas ?? 0) !== n || (s.availableReplicas ?? 0) !== n || s.observedGeneration !== cur.metadata.generation) return undefined;
    return { owner: cur, pods: ps };
  });
}

async function scale(rc: ResourceClient, name: string, replicas: number, ns = NS): Promise<void> {
  // As `kubectl scale`: a merge patch of the scale subresource.
  await rc.patch(ns, name, 'merge', { spec: { replicas } }, { subresource: 'scale' });
}

test('ReplicaSet: creates its pods with events, runs them to READY, scales up and down by rank, replaces deleted pods', async () => {
  const rs = await replicasets.create(NS, replicaSet('web', 3, { app: 'web' }));

  // 3 pods named web-xxxxx, each with the template labels and the controller reference.
  const first = await waitReady(replicasets, rs, 3);
  for (const p of first.pods) {
    assert.match(p.metadata.name!, /^web-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.labels, { app: 'web' });
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.ok(p.spec.nodeName, `${p.metadata.name} is scheduled`);
    assert.equal(p.status.phase, 'Running');
  }
  assert.deepEqual(first.owner.status, { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
  const created = await eventually('3 SuccessfulCreate events', async () => {
    const evs = await eventsOf(rs, 'SuccessfulCreate');
    return evs.length === 3 && evs;
  });
  assert.deepEqual(created.map((e) => e.message).sort(), first.pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
  for (const e of created) {
    assert.equal(e.type, 'Normal');
    assert.equal(e.source?.component, 'replicaset-controller');
    assert.equal(e.involvedObject.kind, 'ReplicaSet');
    assert.equal(e.involvedObject.name, 'web');
  }

  // Scale to 5.
  await scale(replicasets, 'web', 5);
  const five = await waitReady(replicasets, rs, 5);
  assert.equal(five.owner.metadata.generation, 2);
  assert.equal(five.owner.status.observedGeneration, 2);
  const originals = new Set(first.pods.map((p) => p.metadata.name));
  assert.equal(five.pods.filter((p) => originals.has(p.metadata.name)).length, 3, 'scaling up keeps the running pods');

  // Make the victims of 5 -> 2 unambiguous: one pod turns not ready (rule 3: deleted first), two get
  // a lower pod-deletion-cost (rule 4) than the remaining two.
  // (Patched in an order unrelated to the expected one, so that no incidental ordering passes.)
  const [notReady, cheap1, cheap2, keep1, keep2] = five.pods;
  for (const [p, cost] of [[keep2, '200'], [cheap1, '-10'], [keep1, '100'], [cheap2, '-5']] as const) {
    await pods.patch(NS, p.metadata.name!, 'merge', { metadata: { annotations: { 'controller.kubernetes.io/pod-deletion-cost': cost } } });
  }
  await pods.patch(NS, notReady.metadata.name!, 'merge', { metadata: { annotations: { [SIM_READY]: 'false' } } });
  await eventually(`${notReady.metadata.name} not ready`, async () => !isReady(await pods.get(NS, notReady.metadata.name!)));
  await eventually('status shows 4 ready', async () => (await replicasets.get(NS, 'web')).status?.readyReplicas === 4);
  await scale(replicasets, 'web', 2);
  const two = await waitReady(replicasets, rs, 2);
  assert.deepEqual(two.pods.map((p) => p.metadata.name).sort(), [keep1.metadata.name, keep2.metadata.name].sort(), 'the not-ready and the cheapest pods were deleted');
  const deleted = await eventually('3 SuccessfulDelete events', async () => {
    const evs = await eventsOf(rs, 'SuccessfulDelete');
    return evs.length === 3 && evs;
  });
  assert.deepEqual(deleted.map((e) => e.message).sort(), [notReady, cheap1, cheap2].map((p) => `Deleted pod: ${p.metadata.name}`).sort());

  // A deleted pod is replaced.
  await pods.delete(NS, keep1.metadata.name!);
  const replaced = await waitReady(replicasets, rs, 2);
  const names = replaced.pods.map((p) => p.metadata.name);
  assert.ok(!names.includes(keep1.metadata.name), 'the deleted pod is not counted');
  assert.ok(names.includes(keep2.metadata.name), 'the other pod stays');
  assert.equal((await eventsOf(rs, 'SuccessfulCreate')).length, 6, '3 + 2 + 1 creations');
});

test('ReplicaSet: expectations: with pod events arriving late, no pod is created twice', async () => {
  controllerClient.watchDelayMs = 500;
  try {
    const rs = await replicasets.create(NS, replicaSet('steady', 3, { app: 'steady' }));
    // Meanwhile the ReplicaSet's own status write wakes it up again with an empty pod cache.
    await eventually('status written', async () => (await replicasets.get(NS, 'steady')).status?.observedGeneration === 1);
    await waitReady(replicasets, rs, 3);
    const all = (await pods.list(NS)).items.filter((p) => controllerUid(p) === rs.metadata.uid);
    assert.equal(all.length, 3, 'no pod was created twice');
    assert.equal((await eventsOf(rs, 'SuccessfulCreate')).length, 3);
  } finally {
    controllerClient.watchDelayMs = 0;
  }
});

test('ReplicaSet: adopts a matching orphan instead of creating a pod', async () => {
  const orphan = await pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', labels: { app: 'adopt', extra: 'x' } }, spec: template({}).spec });
  // Make sure the controllers' cache has the orphan before the ReplicaSet appears.
  const cache = manager.ctx.informers.for(R.pods).store;
  await eventually('orphan in the controller cache', async () => cache.get(`${NS}/orphan`) !== undefined);
  const rs = await replicasets.create(NS, replicaSet('adopter', 1, { app: 'adopt' }));
  const done = await waitReady(replicasets, rs, 1);
  assert.deepEqual(done.pods.map((p) => p.metadata.name), ['orphan']);
  assert.equal(done.pods[0].metadata.uid, orphan.metadata.uid);
  assert.deepEqual(done.pods[0].metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'adopter', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.deepEqual(done.owner.status, { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
  assert.equal((await eventsOf(rs, 'SuccessfulCreate')).length, 0, 'no pod created');
});

test('ReplicaSet: a pod relabeled out of the selector is released and replaced', async () => {
  const rs = await replicasets.create(NS, replicaSet('relabel', 2, { app: 'relabel' }));
  const before = await waitReady(replicasets, rs, 2);
  const moved = before.pods[0];
  await pods.patch(NS, moved.metadata.name!, 'merge', { metadata: { labels: { app: 'elsewhere' } } });
  const releasedPod = await eventually('pod released', async () => {
    const p = await pods.get(NS, moved.metadata.name!);
    return (p.metadata.ownerReferences ?? []).length === 0 && p;
  });
  assert.equal(releasedPod.metadata.deletionTimestamp, undefined, 'released, not deleted');
  const after = await waitReady(replicasets, rs, 2);
  assert.ok(!after.pods.some((p) => p.metadata.name === moved.metadata.name));
  assert.ok(after.pods.some((p) => p.metadata.name === before.pods[1].metadata.name));
  assert.equal((await eventsOf(rs, 'SuccessfulCreate')).length, 3, 'one replacement');
});

test('ReplicaSet: minReadySeconds delays availability and the status catches up without pod events', async () => {
  const obj = replicaSet('slow', 1, { app: 'slow' });
  obj.spec.minReadySeconds = 2;
  const rs = await replicasets.create(NS, obj);
  const ready = await eventually('ready but not yet available', async () => {
    const cur = await replicasets.get(NS, 'slow');
    return cur.status?.readyReplicas === 1 && cur;
  });
  assert.equal(ready.status.availableReplicas ?? 0, 0);
  const pod = (await ownedPods(rs))[0];
  const readySince = Date.parse(pod.status.conditions.find((c: KObject) => c.type === 'Ready').lastTransitionTime);
  const avail = await eventually('available after minReadySeconds', async () => {
    const cur = await replicasets.get(NS, 'slow');
    return cur.status?.availableReplicas === 1 && cur;
  });
  assert.ok(Date.now() >= readySince + 2000, 'not available before minReadySeconds passed');
  assert.deepEqual(avail.status, { replicas: 1, fullyLabeledReplicas: 1, readyReplicas: 1, availableReplicas: 1, observedGeneration: 1 });
});

test('ReplicaSet: a refused create gives FailedCreate, the ReplicaFailure condition and slow start; both clear once creates succeed', async () => {
  controllerClient.quotaExceeded = true;
  controllerClient.createAttempts = 0;
  const rs = await replicasets.create(QUOTA_NS, replicaSet('limited', 3, { app: 'limited' }, QUOTA_NS));
  const failed = await eventually('ReplicaFailure condition', async () => {
    const cur = await replicasets.get(QUOTA_NS, 'limited');
    return cur.status?.conditions?.length && cur;
  });
  const cond = failed.status.conditions[0];
  assert.equal(cond.type, 'ReplicaFailure');
  assert.equal(cond.status, 'True');
  assert.equal(cond.reason, 'FailedCreate');
  assert.equal(cond.message, `pods "limited-abcde" is forbidden: ${QUOTA_MESSAGE}`);
  assert.ok(cond.lastTransitionTime);
  assert.equal(failed.status.replicas, 0);
  const ev = await eventually('FailedCreate event', async () => (await eventsOf(rs, 'FailedCreate', QUOTA_NS))[0]);
  assert.equal(ev.type, 'Warning');
  assert.equal(ev.message, `Error creating: pods "limited-abcde" is forbidden: ${QUOTA_MESSAGE}`);
  assert.equal(ev.source?.component, 'replicaset-controller');
  // Slow start: a failing sync stops after its first batch of one; three creates never run at once.
  assert.ok(controllerClient.createAttempts >= 1);
  assert.equal(controllerClient.maxConcurrentRefusals, 1);

  controllerClient.quotaExceeded = false;
  const ok = await waitReady(replicasets, rs, 3, QUOTA_NS);
  assert.equal(ok.owner.status.conditions, undefined, 'condition removed after a successful sync');
});

test('ReplicationController: map selector, pods, events, status, scale down', async () => {
  const rc = await rcs.create(NS, {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name: 'legacy' },
    spec: { replicas: 2, selector: { app: 'legacy' }, template: template({ app: 'legacy', tier: 'fe' }) },
  });
  const two = await waitReady(rcs, rc, 2);
  for (const p of two.pods) {
    assert.match(p.metadata.name!, /^legacy-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.labels, { app: 'legacy', tier: 'fe' });
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'legacy', uid: rc.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  }
  assert.deepEqual(two.owner.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
  const evs = await eventually('2 SuccessfulCreate events', async () => {
    const e = await eventsOf(rc, 'SuccessfulCreate');
    return e.length === 2 && e;
  });
  for (const e of evs) {
    assert.equal(e.source?.component, 'replication-controller');
    assert.equal(e.involvedObject.kind, 'ReplicationController');
  }
  // A pod that keeps the selector's labels but loses a template label is still owned: fullyLabeledReplicas drops.
  await pods.patch(NS, two.pods[0].metadata.name!, 'json', [{ op: 'remove', path: '/metadata/labels/tier' }]);
  await eventually('fullyLabeledReplicas 1', async () => (await rcs.get(NS, 'legacy')).status?.fullyLabeledReplicas === 1);
  assert.equal((await ownedPods(rc)).length, 2);

  await scale(rcs, 'legacy', 1);
  const one = await waitReady(rcs, rc, 1);
  assert.equal(one.owner.status.observedGeneration, 2);
  const del = await eventually('SuccessfulDelete event', async () => (await eventsOf(rc, 'SuccessfulDelete'))[0]);
  assert.equal(del.message, `Deleted pod: ${two.pods.find((p) => !one.pods.some((q) => q.metadata.name === p.metadata.name))!.metadata.name}`);
});
