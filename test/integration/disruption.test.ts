// PodDisruptionBudgets end to end in process: the disruption controller keeps budgets' status
// current from real pods (Deployment, ReplicaSet and scheduler controllers, sim node agents), and
// pods/eviction on the real API server honours them: 429s naming the budget, the 500 for pods with
// two budgets, dry runs, the unhealthy-pod policies, disruptedPods bookkeeping.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import { deploymentControllerFactory } from '../../src/controllers/deployment/index.js';
import { disruptionControllerFactory } from '../../src/controllers/disruption/index.js';
import { replicaSetControllerFactory } from '../../src/controllers/replicaset/index.js';
import { eventually, InProcessCluster } from './in-process-cluster.js';

const NS = 'default';
let cluster: InProcessCluster;
let pdbs: ResourceClient;
let pods: ResourceClient;
let deployments: ResourceClient;
let events: ResourceClient;

before(async () => {
  cluster = await InProcessCluster.start();
  pdbs = cluster.resource(R.poddisruptionbudgets);
  pods = cluster.resource(R.pods);
  deployments = cluster.resource(R.deployments);
  events = cluster.resource(R.events);
  await cluster.addNodes(['node-1', 'node-2'], { ownClient: true });
  await cluster.startScheduler();
  await cluster.startControllers([deploymentControllerFactory, replicaSetControllerFactory, disruptionControllerFactory], cluster.connect());
});

after(() => cluster.stop());

const isReady = (p: KObject) => (p.status?.conditions ?? []).some((c: KObject) => c.type === 'Ready' && c.status === 'True');

function deployment(name: string, replicas: number): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

function pdb(name: string, spec: Record<string, unknown>): KObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: NS }, spec };
}

async function readyPods(app: string, n: number): Promise<KObject[]> {
  return eventually(`${n} ready ${app} pods`, async () => {
    const l = (await pods.list(NS, { labelSelector: `app=${app}` })).items.filter((p) => !p.metadata.deletionTimestamp && isReady(p));
    return l.length === n ? l : undefined;
  });
}

async function statusOf(name: string, want: Record<string, number>): Promise<KObject> {
  return eventually(`pdb ${name} status ${JSON.stringify(want)}`, async () => {
    const p = await pdbs.get(NS, name);
    return Object.entries(want).every(([k, v]) => p.status?.[k] === v) && p.status?.observedGeneration === p.metadata.generation ? p : undefined;
  });
}

function evict(name: string, dryRun = false): Promise<KObject> {
  return pods.post(NS, name, 'eviction', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: NS }, ...(dryRun ? { deleteOptions: { dryRun: ['All'] } } : {}) });
}

async function evictError(name: string): Promise<ApiError> {
  try {
    await evict(name);
  } catch (err) {
    return err as ApiError;
  }
  assert.fail(`eviction of ${name} succeeded`);
}

test('a budget over a Deployment: status, condition, eviction, disruptedPods, 429, dry run', async () => {
  await deployments.create(NS, deployment('web', 3));
  const created = await pdbs.create(NS, pdb('web', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }));
  assert.deepEqual(created.status, { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
  const ready = await readyPods('web', 3);
  const st = await statusOf('web', { currentHealthy: 3, desiredHealthy: 2, expectedPods: 3, disruptionsAllowed: 1 });
  const cond = st.status.conditions.find((c: KObject) => c.type === 'DisruptionAllowed');
  assert.equal(cond.status, 'True');
  assert.equal(cond.reason, 'SufficientPods');
  assert.equal(cond.message, '');

  // A dry run changes nothing.
  const victim = ready[0].metadata.name!;
  assert.equal((await evict(victim, true)).status, 'Success');
  assert.equal((await pods.get(NS, victim)).metadata.deletionTimestamp, undefined);
  assert.equal((await pdbs.get(NS, 'web')).status.disruptionsAllowed, 1);

  // The real eviction charges the budget before deleting the pod.
  assert.equal((await evict(victim)).status, 'Success');
  const gone = await pods.get(NS, victim).catch(() => undefined);
  if (gone) {
    assert.ok(gone.metadata.deletionTimestamp);
    const dt = gone.status.conditions.find((c: KObject) => c.type === 'DisruptionTarget');
    assert.equal(dt.reason, 'EvictionByEvictionAPI');
    assert.equal(dt.message, 'Eviction API: evicting');
  }
  const after = await pdbs.get(NS, 'web');
  // Either the eviction's write (disruptedPods has the pod) or the controller's next one is seen.
  if (after.status.disruptedPods) assert.ok(victim in after.status.disruptedPods);

  // A second eviction right away: while the replacement is not Ready the budget allows none.
  const others = ready.slice(1).map((p) => p.metadata.name!);
  const st2 = await pdbs.get(NS, 'web');
  if (st2.status.disruptionsAllowed === 0) {
    const err = await evictError(others[0]);
    assert.equal(err.code, 429);
  }
  // Eventually the replacement is Ready and the entry is gone.
  await readyPods('web', 3);
  const healed = await statusOf('web', { currentHealthy: 3, disruptionsAllowed: 1 });
  assert.equal(healed.status.disruptedPods, undefined);
});

test('an exhausted budget: 429 with the DisruptionBudget cause', async () => {
  await deployments.create(NS, deployment('strict', 2));
  await pdbs.create(NS, pdb('strict', { minAvailable: 2, selector: { matchLabels: { app: 'strict' } } }));
  const ready = await readyPods('strict', 2);
  const st = await statusOf('strict', { currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
  const cond = st.status.conditions.find((c: KObject) => c.type === 'DisruptionAllowed');
  assert.deepEqual([cond.status, cond.reason], ['False', 'InsufficientPods']);
  const err = await evictError(ready[0].metadata.name!);
  assert.equal(err.code, 429);
  assert.equal(err.reason, 'TooManyRequests');
  assert.equal(err.message, "Cannot evict pod as it would violate the pod's disruption budget.");
  assert.deepEqual(err.details?.causes, [{ reason: 'DisruptionBudget', message: 'The disruption budget strict needs 2 healthy pods and has 2 currently' }]);

  // A second budget over the same pods: 500, as upstream.
  await pdbs.create(NS, pdb('strict-2', { maxUnavailable: 1, selector: { matchLabels: { app: 'strict' } } }));
  await statusOf('strict-2', { expectedPods: 2, desiredHealthy: 1, disruptionsAllowed: 1 });
  const err2 = await evictError(ready[0].metadata.name!);
  // The controller warns on a pod with two budgets when it next sees the pod change.
  await pods.patch(NS, ready[0].metadata.name!, 'merge', { metadata: { annotations: { touched: 'yes' } } });
  assert.equal(err2.code, 500);
  assert.equal(err2.message, 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const warned = await eventually('MultiplePodDisruptionBudgets event', async () => {
    const l = (await events.list(NS)).items.filter((e) => e.reason === 'MultiplePodDisruptionBudgets');
    return l.length ? l : undefined;
  });
  assert.match(warned[0].message, /^Pod "default"\/"strict-.*" matches multiple PodDisruptionBudgets\.  Chose "strict(-2)?" arbitrarily\.$/);
});

test('percentages use the controllers\' scale; a pod with no known controller fails the sync safely', async () => {
  await deployments.create(NS, deployment('pct', 4));
  await pdbs.create(NS, pdb('pct', { maxUnavailable: '50%', selector: { matchLabels: { app: 'pct' } } }));
  await readyPods('pct', 4);
  await statusOf('pct', { expectedPods: 4, desiredHealthy: 2, currentHealthy: 4, disruptionsAllowed: 2 });

  // An orphan claiming a ReplicaSet that does not exist.
  await pods.create(NS, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'orphan', namespace: NS, labels: { app: 'ghost' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'ghost', uid: '00000000-0000-0000-0000-000000000001', controller: true }] },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
  await pdbs.create(NS, pdb('ghost', { minAvailable: '50%', selector: { matchLabels: { app: 'ghost' } } }));
  const failed = await eventually('SyncFailed', async () => {
    const p = await pdbs.get(NS, 'ghost');
    return p.status?.conditions?.find((c: KObject) => c.reason === 'SyncFailed') ? p : undefined;
  });
  const c = failed.status.conditions.find((x: KObject) => x.type === 'DisruptionAllowed');
  assert.equal(c.status, 'False');
  assert.equal(c.message, 'found no controllers for pod "orphan"');
  assert.equal(failed.status.disruptionsAllowed, 0);
  await eventually('CalculateExpectedPodCountFailed event', async () =>
    (await events.list(NS)).items.some((e) => e.reason === 'CalculateExpectedPodCountFailed' && e.message === 'Failed to calculate the number of expected pods: found no controllers for pod "orphan"'),
  );

  // A budget matching nothing says so.
  await pdbs.create(NS, pdb('nothing', { minAvailable: 1, selector: { matchLabels: { app: 'none' } } }));
  await eventually('NoPods event', async () => (await events.list(NS)).items.some((e) => e.reason === 'NoPods' && e.involvedObject.name === 'nothing' && e.message === 'No matching pods found'));
});

test('running pods that are not Ready: IfHealthyBudget protects a broken budget, AlwaysAllow lets them go', async () => {
  // Pods bound to a node no agent runs, with a status written by hand: Running, not Ready.
  for (const [name, app] of [
    ['unready-a', 'unready-a'],
    ['unready-b', 'unready-b'],
  ]) {
    await pods.create(NS, { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app } }, spec: { nodeName: 'nowhere', containers: [{ name: 'c', image: 'nginx' }] } });
    const p = await pods.get(NS, name);
    p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }] };
    await pods.updateStatus(p);
  }
  await pdbs.create(NS, pdb('unready-a', { minAvailable: 1, selector: { matchLabels: { app: 'unready-a' } } }));
  await pdbs.create(NS, pdb('unready-b', { minAvailable: 1, selector: { matchLabels: { app: 'unready-b' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' }));
  await statusOf('unready-a', { currentHealthy: 0, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0 });
  await statusOf('unready-b', { currentHealthy: 0, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0 });
  const err = await evictError('unready-a');
  assert.equal(err.code, 429);
  assert.equal(err.details?.causes?.[0]?.message, 'The disruption budget unready-a needs 1 healthy pods and has 0 currently');
  assert.equal((await evict('unready-b')).status, 'Success');
  const b = await pods.get(NS, 'unready-b').catch(() => undefined);
  assert.ok(!b || b.metadata.deletionTimestamp);
  // AlwaysAllow does not charge the budget.
  assert.equal((await pdbs.get(NS, 'unready-b')).status.disruptedPods, undefined);
});

test('spec changes bump the generation; status writes validate', async () => {
  const p = await pdbs.get(NS, 'web');
  const gen = p.metadata.generation ?? 0;
  await pdbs.patch(NS, 'web', 'merge', { spec: { minAvailable: 1 } });
  const next = await statusOf('web', { desiredHealthy: 1 });
  assert.equal(next.metadata.generation, gen + 1);
  const bad = { ...next, status: { ...next.status, disruptionsAllowed: -1 } };
  await assert.rejects(pdbs.updateStatus(bad), (e: ApiError) => e.code === 422 && /status\.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0/.test(e.message));
});
