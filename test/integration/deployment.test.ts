// The Deployment controller against an in-process API server, with the ReplicaSet controller, the
// garbage collector, the real scheduler and three sim node agents, so that pods really run and
// turn Ready. Everything is driven and observed through the API as kubectl does it: the same
// patches `set image`, `rollout undo/pause/resume` and `scale` send, and the fields `get`,
// `rollout status/history` and `describe` read.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { R, type ResourceClient } from '../../src/client/resources.js';
import { DeploymentController } from '../../src/controllers/deployment/index.js';
import type { ControllerFactory } from '../../src/controllers/runtime/manager.js';
import { garbageCollectorFactory } from '../../src/controllers/garbage-collector/index.js';
import { replicaSetControllerFactory } from '../../src/controllers/replicaset/index.js';
import { DelayedWatchClient } from './delayed-watch-client.js';
import { controllerUid, eventually, InProcessCluster } from './in-process-cluster.js';

let cluster: InProcessCluster;
/** The controllers' client: its ReplicaSet watch events can be made to arrive late. */
let controllerClient: DelayedWatchClient;
/** The running Deployment controller (to stop and start it as a leadership loss would). */
let dc: DeploymentController;
const deploymentControllerFactory: ControllerFactory = (ctx) => (dc = new DeploymentController(ctx));
const controllerFactories = [deploymentControllerFactory, replicaSetControllerFactory, garbageCollectorFactory];
let deployments: ResourceClient;
let replicasets: ResourceClient;
let pods: ResourceClient;
let events: ResourceClient;
const NS = 'default';
const REVISION = 'deployment.kubernetes.io/revision';
const CHANGE_CAUSE = 'kubernetes.io/change-cause';

before(async () => {
  cluster = await InProcessCluster.start();
  controllerClient = cluster.connect((server) => new DelayedWatchClient({ server }, '/replicasets'));
  deployments = cluster.resource(R.deployments);
  replicasets = cluster.resource(R.replicasets);
  pods = cluster.resource(R.pods);
  events = cluster.resource(R.events);
  await cluster.addNodes(['node-1', 'node-2', 'node-3']);
  await cluster.startScheduler();
  await cluster.startControllers(controllerFactories, controllerClient);
});

after(() => cluster.stop());

function deployment(name: string, spec: Record<string, unknown> = {}, annotations?: Record<string, string>, podAnnotations?: Record<string, string>): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name }, ...(annotations ? { annotations } : {}) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, ...(podAnnotations ? { annotations: podAnnotations } : {}) }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.16' }] } },
      ...spec,
    },
  };
}

const condition = (d: KObject, type: string) => (d.status?.conditions ?? []).find((c: KObject) => c.type === type);

/** The Deployment's ReplicaSets (as `kubectl rollout history` finds them), by revision. */
async function ownedReplicaSets(d: KObject): Promise<KObject[]> {
  const list = await replicasets.list(NS, { labelSelector: `app=${d.metadata.name}` });
  return list.items.filter((rs) => controllerUid(rs) === d.metadata.uid).sort((a, b) => Number(a.metadata.annotations?.[REVISION]) - Number(b.metadata.annotations?.[REVISION]));
}

/**
 * `kubectl rollout status`'s verdict on the Deployment: done when the spec is observed, every
 * replica updated, no old one left and all updated ones available; an error on the deadline.
 */
function rolloutStatus(d: KObject): 'done' | 'waiting' | 'deadline' {
  if ((d.metadata.generation ?? 0) > (d.status?.observedGeneration ?? 0)) return 'waiting';
  if (condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded') return 'deadline';
  const s = d.status ?? {};
  if ((s.updatedReplicas ?? 0) < d.spec.replicas) return 'waiting';
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return 'waiting';
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) return 'waiting';
  return 'done';
}

async function rolledOut(name: string, ms?: number): Promise<KObject> {
  return eventually(
    `deployment "${name}" successfully rolled out`,
    async () => {
      const d = await deployments.get(NS, name);
      return rolloutStatus(d) === 'done' && d;
    },
    ms,
  );
}

async function scalingEvents(d: KObject): Promise<string[]> {
  const list = await events.list(NS);
  return list.items
    .filter((e) => e.involvedObject?.uid === d.metadata.uid && e.reason === 'ScalingReplicaSet')
    .sort((a, b) => ((a.metadata.creationTimestamp ?? '') < (b.metadata.creationTimestamp ?? '') ? -1 : a.metadata.name! < b.metadata.name! ? -1 : 1))
    .map((e) => e.message);
}

/** `kubectl set image deployment/NAME nginx=IMAGE --record`: one strategic-merge patch. */
async function setImage(name: string, image: string): Promise<void> {
  await deployments.patch(
    NS,
    name,
    'strategic',
    { metadata: { annotations: { [CHANGE_CAUSE]: `kubectl set image deployment/${name} nginx=${image} --record=true` } }, spec: { template: { spec: { containers: [{ name: 'nginx', image }] } } } },
    { fieldManager: 'kubectl-set' },
  );
}

/** `kubectl rollout undo [--to-revision N]`: the RS template without its hash label, and its annotations, as a JSON patch. */
async function undo(name: string, toRevision?: number): Promise<void> {
  const d = await deployments.get(NS, name);
  const rss = await ownedReplicaSets(d);
  const current = Number(d.metadata.annotations?.[REVISION] ?? rss.at(-1)!.metadata.annotations![REVISION]);
  const target = toRevision
    ? rss.find((rs) => Number(rs.metadata.annotations?.[REVISION]) === toRevision)!
    : rss.filter((rs) => Number(rs.metadata.annotations?.[REVISION]) < current).at(-1)!;
  const template = structuredClone(target.spec.template);
  delete template.metadata.labels!['pod-template-hash'];
  const skip = new Set(['kubectl.kubernetes.io/last-applied-configuration', REVISION, 'deployment.kubernetes.io/revision-history', 'deployment.kubernetes.io/desired-replicas', 'deployment.kubernetes.io/max-replicas', 'deprecated.deployment.rollback.to']);
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (skip.has(k)) annotations[k] = v as string;
  for (const [k, v] of Object.entries(target.metadata.annotations ?? {})) if (!skip.has(k)) annotations[k] = v as string;
  await deployments.patch(NS, name, 'json', [
    { op: 'replace', path: '/spec/template', value: template },
    { op: 'replace', path: '/metadata/annotations', value: annotations },
  ]);
}

test('a Deployment reaches 3/3 available through one ReplicaSet <name>-<hash>, then rolls out, rolls back and is deleted with everything it made', async () => {
  const created = await deployments.create(NS, deployment('web', {}, { [CHANGE_CAUSE]: 'kubectl apply --filename=web.yaml --record=true' }));
  const d1 = await rolledOut('web');
  assert.deepEqual(
    { replicas: d1.status.replicas, updated: d1.status.updatedReplicas, ready: d1.status.readyReplicas, available: d1.status.availableReplicas, observed: d1.status.observedGeneration },
    { replicas: 3, updated: 3, ready: 3, available: 3, observed: 1 },
  );
  const [rs1] = await ownedReplicaSets(d1);
  const hash1 = rs1.metadata.labels!['pod-template-hash'];
  assert.equal(rs1.metadata.name, `web-${hash1}`);
  assert.deepEqual(rs1.spec.selector.matchLabels, { app: 'web', 'pod-template-hash': hash1 });
  assert.equal(rs1.metadata.annotations![REVISION], '1');
  assert.equal(rs1.metadata.annotations![CHANGE_CAUSE], 'kubectl apply --filename=web.yaml --record=true');
  assert.equal(rs1.metadata.annotations!['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs1.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '4');
  assert.deepEqual(rs1.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  const ps = (await pods.list(NS, { labelSelector: 'app=web' })).items;
  assert.equal(ps.length, 3);
  for (const p of ps) {
    assert.match(p.metadata.name!, new RegExp(`^web-${hash1}-[a-z0-9]{5}$`));
    assert.equal(p.metadata.labels!['pod-template-hash'], hash1);
  }
  assert.deepEqual(
    (d1.status.conditions as KObject[]).map((c) => [c.type, c.status, c.reason, c.message]),
    [
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash1}" has successfully progressed.`],
    ],
  );
  assert.equal(d1.metadata.annotations?.[REVISION], '1', 'the Deployment mirrors its new ReplicaSet revision (written through /status, as upstream)');
  assert.equal(d1.metadata.generation, 1, 'the controller does not bump the generation');
  const ev = (await events.list(NS)).items.find((e) => e.involvedObject?.uid === created.metadata.uid && e.reason === 'ScalingReplicaSet')!;
  assert.equal(ev.message, `Scaled up replica set web-${hash1} from 0 to 3`);
  assert.equal(ev.source.component, 'deployment-controller');
  assert.equal(ev.involvedObject.kind, 'Deployment');

  // kubectl set image --record: a second ReplicaSet takes over, revision 2, change-cause copied.
  await setImage('web', 'nginx:1.17');
  const d2 = await rolledOut('web');
  assert.equal(d2.status.observedGeneration, d2.metadata.generation);
  const [old1, rs2] = await ownedReplicaSets(d2);
  assert.equal(old1.metadata.name, rs1.metadata.name);
  assert.equal(old1.spec.replicas, 0);
  assert.equal(rs2.metadata.annotations![REVISION], '2');
  assert.equal(rs2.metadata.annotations![CHANGE_CAUSE], 'kubectl set image deployment/web nginx=nginx:1.17 --record=true');
  assert.equal(rs2.spec.template.spec.containers[0].image, 'nginx:1.17');
  assert.equal(rs2.spec.replicas, 3);
  const live = (await pods.list(NS, { labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
  await eventually('only new pods left', async () => {
    const cur = (await pods.list(NS, { labelSelector: 'app=web' })).items;
    return cur.length === 3 && cur.every((p) => p.spec.containers[0].image === 'nginx:1.17') && cur;
  });
  assert.ok(live.length >= 3);
  const msgs = await scalingEvents(d2);
  const repeated = (await events.list(NS)).items.filter((e) => e.involvedObject?.uid === created.metadata.uid && e.reason === 'ScalingReplicaSet' && e.count !== 1);
  assert.deepEqual(repeated.map((e) => `${e.message} x${e.count}`), [], 'each scaling step is done (and reported) once');
  const hash2 = rs2.metadata.labels!['pod-template-hash'];
  assert.ok(msgs.includes(`Scaled up replica set web-${hash2} from 0 to 1`), msgs.join('\n'));
  assert.ok(msgs.includes(`Scaled down replica set web-${hash1} from 1 to 0`), msgs.join('\n'));

  // kubectl rollout undo: the revision-1 ReplicaSet is reused and becomes revision 3.
  await undo('web');
  const d3 = await rolledOut('web');
  const rss = await ownedReplicaSets(d3);
  assert.equal(rss.length, 2, 'no new ReplicaSet for a template that has one');
  const reused = rss.find((rs) => rs.metadata.name === rs1.metadata.name)!;
  assert.equal(reused.metadata.annotations![REVISION], '3');
  assert.equal(reused.metadata.annotations!['deployment.kubernetes.io/revision-history'], '1');
  assert.equal(reused.spec.replicas, 3);
  assert.equal(d3.metadata.annotations![CHANGE_CAUSE], 'kubectl apply --filename=web.yaml --record=true', 'undo brings the change-cause back');
  assert.equal(d3.metadata.annotations![REVISION], '3');

  // undo --to-revision 2
  await undo('web', 2);
  const d4 = await rolledOut('web');
  assert.equal((await ownedReplicaSets(d4)).find((rs) => rs.metadata.name === rs2.metadata.name)!.metadata.annotations![REVISION], '4');

  // kubectl delete deployment web: its ReplicaSets and pods go too (garbage collector).
  await deployments.delete(NS, 'web');
  await eventually('ReplicaSets and pods of web gone', async () => {
    const r = (await replicasets.list(NS, { labelSelector: 'app=web' })).items;
    const p = (await pods.list(NS, { labelSelector: 'app=web' })).items;
    return r.length === 0 && p.length === 0;
  });
});

test('pause: a template change makes no ReplicaSet while scaling still applies; resume rolls it out; restart rolls again', async () => {
  await deployments.create(NS, deployment('paused', { replicas: 2 }));
  const d0 = await rolledOut('paused');
  const [rs1] = await ownedReplicaSets(d0);
  // kubectl rollout pause
  await deployments.patch(NS, 'paused', 'strategic', { spec: { paused: true } }, { fieldManager: 'kubectl-rollout' });
  const paused = await eventually('Progressing DeploymentPaused', async () => {
    const d = await deployments.get(NS, 'paused');
    const c = condition(d, 'Progressing');
    return c?.reason === 'DeploymentPaused' && d;
  });
  assert.deepEqual([condition(paused, 'Progressing').status, condition(paused, 'Progressing').message], ['Unknown', 'Deployment is paused']);
  await setImage('paused', 'nginx:1.17');
  // kubectl scale deployment paused --replicas=4
  await deployments.patch(NS, 'paused', 'merge', { spec: { replicas: 4 } }, { subresource: 'scale' });
  const scaled = await eventually('4 available while paused', async () => {
    const d = await deployments.get(NS, 'paused');
    return d.status?.observedGeneration === d.metadata.generation && d.status?.availableReplicas === 4 && d;
  });
  const rssPaused = await ownedReplicaSets(scaled);
  assert.deepEqual(rssPaused.map((rs) => [rs.metadata.name, rs.spec.replicas]), [[rs1.metadata.name, 4]]);
  assert.equal(scaled.status.updatedReplicas, 0, 'the running pods are not of the paused template');

  // kubectl rollout resume
  await deployments.patch(NS, 'paused', 'strategic', { spec: { paused: null } }, { fieldManager: 'kubectl-rollout' });
  const resumed = await rolledOut('paused');
  const rss = await ownedReplicaSets(resumed);
  assert.equal(rss.length, 2);
  assert.equal(rss[1].spec.template.spec.containers[0].image, 'nginx:1.17');
  assert.equal(rss[1].spec.replicas, 4);
  assert.equal(condition(resumed, 'Progressing').reason, 'NewReplicaSetAvailable');

  // kubectl rollout restart: a template annotation, hence a third ReplicaSet.
  await deployments.patch(NS, 'paused', 'strategic', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:00Z' } } } } }, { fieldManager: 'kubectl-rollout' });
  const restarted = await rolledOut('paused');
  const after = await ownedReplicaSets(restarted);
  assert.equal(after.length, 3);
  assert.equal(after[2].metadata.annotations![REVISION], '3');
  assert.equal(after[2].spec.template.metadata.annotations!['kubectl.kubernetes.io/restartedAt'], '2026-01-01T00:00:00Z');
  await deployments.delete(NS, 'paused');
});

test('Recreate: every old pod is gone before the first new pod is created', async () => {
  await deployments.create(NS, deployment('recreate', { replicas: 3, strategy: { type: 'Recreate' } }));
  const d0 = await rolledOut('recreate');
  const [rs1] = await ownedReplicaSets(d0);
  // Watch pods: when a pod of the new template appears, no pod of the old one may still exist.
  const present = new Map<string, KObject>();
  const violations: string[] = [];
  const initial = await pods.list(NS, { labelSelector: 'app=recreate' });
  for (const p of initial.items) present.set(p.metadata.uid!, p);
  const w = pods.watch(NS, { labelSelector: 'app=recreate', resourceVersion: initial.metadata.resourceVersion }, (ev) => {
    const p = ev.object;
    if (ev.type === 'DELETED') return void present.delete(p.metadata.uid!);
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') return;
    if (ev.type === 'ADDED' && p.spec.containers[0].image === 'nginx:1.17') {
      const old = [...present.values()].filter((o) => o.spec.containers[0].image === 'nginx:1.16' && !['Succeeded', 'Failed'].includes(o.status?.phase));
      if (old.length) violations.push(`${p.metadata.name} created while ${old.map((o) => o.metadata.name).join(',')} still exist`);
    }
    present.set(p.metadata.uid!, p);
  });
  try {
    await setImage('recreate', 'nginx:1.17');
    const d1 = await rolledOut('recreate');
    const [old, rs2] = await ownedReplicaSets(d1);
    assert.equal(old.metadata.name, rs1.metadata.name);
    assert.equal(old.spec.replicas, 0);
    assert.equal(rs2.spec.replicas, 3);
    assert.equal(rs2.metadata.annotations!['deployment.kubernetes.io/max-replicas'], '3');
    const msgs = await scalingEvents(d1);
    assert.deepEqual(msgs.slice(-2), [`Scaled down replica set ${rs1.metadata.name} from 3 to 0`, `Scaled up replica set ${rs2.metadata.name} from 0 to 3`]);
  } finally {
    w.stop();
  }
  assert.deepEqual(violations, []);
  await deployments.delete(NS, 'recreate');
});

test('a rollout whose pods never become ready reaches ProgressDeadlineExceeded; scaling it then is proportional', async () => {
  await deployments.create(NS, deployment('stuck', { replicas: 10, progressDeadlineSeconds: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 3, maxUnavailable: 2 } } }));
  const d0 = await rolledOut('stuck');
  const [rs1] = await ownedReplicaSets(d0);
  // A new template whose pods run but never turn Ready (sim readiness off).
  await deployments.patch(NS, 'stuck', 'strategic', { spec: { template: { metadata: { annotations: { 'sim.k8ts.dev/ready': 'false' } } } } });
  const timedOut = await eventually(
    'ProgressDeadlineExceeded',
    async () => {
      const d = await deployments.get(NS, 'stuck');
      return rolloutStatus(d) === 'deadline' && d;
    },
    20_000,
  );
  const [, rs2] = await ownedReplicaSets(timedOut);
  const p = condition(timedOut, 'Progressing');
  assert.deepEqual([p.status, p.reason, p.message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "${rs2.metadata.name}" has timed out progressing.`]);
  // Stuck where the docs describe it: 10 − 2 old + 5 new (13 = 10 + maxSurge).
  const sizes = (await ownedReplicaSets(timedOut)).map((rs) => rs.spec.replicas);
  assert.deepEqual(sizes, [8, 5]);
  assert.equal(timedOut.status.availableReplicas, 8);
  assert.equal(condition(timedOut, 'Available').status, 'True');

  // kubectl scale --replicas=15: 18 − 13 = 5 more, 3 to the old ReplicaSet and 2 to the new.
  await deployments.patch(NS, 'stuck', 'merge', { spec: { replicas: 15 } }, { subresource: 'scale' });
  const scaled = await eventually('proportional scale', async () => {
    const d = await deployments.get(NS, 'stuck');
    const rss = await ownedReplicaSets(d);
    return rss.map((rs) => rs.spec.replicas).join(',') === '11,7' && d;
  });
  const msgs = await scalingEvents(scaled);
  assert.ok(msgs.includes(`Scaled up replica set ${rs1.metadata.name} from 8 to 11`), msgs.join('\n'));
  assert.ok(msgs.includes(`Scaled up replica set ${rs2.metadata.name} from 5 to 7`), msgs.join('\n'));
  await deployments.delete(NS, 'stuck');
});

test('revisionHistoryLimit keeps only that many old ReplicaSets', async () => {
  await deployments.create(NS, deployment('history', { replicas: 1, revisionHistoryLimit: 1 }));
  await rolledOut('history');
  for (const image of ['nginx:1.17', 'nginx:1.18', 'nginx:1.19']) {
    await setImage('history', image);
    await rolledOut('history');
  }
  const d = await deployments.get(NS, 'history');
  const revs = await eventually('old revisions cleaned up', async () => {
    const rss = await ownedReplicaSets(d);
    return rss.length === 2 && rss.map((rs) => rs.metadata.annotations![REVISION]);
  });
  assert.deepEqual(revs, ['3', '4']);
  await deployments.delete(NS, 'history');
});

test('a slow ReplicaSet watch: the controller acts on its own writes, never repeating a step or recreating a ReplicaSet', async () => {
  controllerClient.watchDelayMs = 400;
  try {
    const created = await deployments.create(NS, deployment('slow', { replicas: 4 }));
    await rolledOut('slow');
    await setImage('slow', 'nginx:1.17');
    const d = await rolledOut('slow');
    const rss = await ownedReplicaSets(d);
    assert.deepEqual(
      rss.map((rs) => [rs.metadata.annotations![REVISION], rs.spec.replicas]),
      [
        ['1', 0],
        ['2', 4],
      ],
    );
    assert.equal(d.status.collisionCount, undefined, 'our own ReplicaSet is not mistaken for a hash collision');
    const evs = (await events.list(NS)).items.filter((e) => e.involvedObject?.uid === created.metadata.uid && e.reason === 'ScalingReplicaSet');
    assert.deepEqual(evs.filter((e) => e.count !== 1).map((e) => `${e.message} x${e.count}`), []);
    // Every step is reported once: up to 4 in total for the new one, down to 0 for the old one.
    const msgs = evs.map((e) => e.message);
    assert.ok(msgs.some((m) => /^Scaled up replica set slow-\S+ from \d+ to 4$/.test(m) && m.includes(rss[1].metadata.name!)), msgs.join('\n'));
    assert.ok(msgs.some((m) => m.includes(rss[0].metadata.name!) && / to 0$/.test(m)), msgs.join('\n'));
  } finally {
    controllerClient.watchDelayMs = 0;
  }
  await deployments.delete(NS, 'slow');
});

test('orphaned ReplicaSets are adopted by a new Deployment with the same selector and template; its pods keep running', async () => {
  const first = await deployments.create(NS, deployment('adopt', { replicas: 2 }));
  const d0 = await rolledOut('adopt');
  const [rs] = await ownedReplicaSets(d0);
  const podsBefore = (await pods.list(NS, { labelSelector: 'app=adopt' })).items.map((p) => p.metadata.name).sort();
  // kubectl delete deployment adopt --cascade=orphan
  await deployments.delete(NS, 'adopt', { propagationPolicy: 'Orphan' });
  await eventually('the ReplicaSet orphaned', async () => {
    const cur = await replicasets.get(NS, rs.metadata.name!);
    return !cur.metadata.ownerReferences?.length && cur;
  });
  const second = await deployments.create(NS, deployment('adopt', { replicas: 2 }));
  assert.notEqual(second.metadata.uid, first.metadata.uid);
  const d1 = await rolledOut('adopt');
  const rss = await ownedReplicaSets(d1);
  assert.deepEqual(rss.map((r) => r.metadata.name), [rs.metadata.name], 'adopted, not recreated');
  assert.equal(rss[0].metadata.ownerReferences![0].uid, second.metadata.uid);
  assert.equal(rss[0].metadata.ownerReferences![0].blockOwnerDeletion, true);
  assert.equal(d1.metadata.annotations?.[REVISION], '1');
  const podsAfter = (await pods.list(NS, { labelSelector: 'app=adopt' })).items.map((p) => p.metadata.name).sort();
  assert.deepEqual(podsAfter, podsBefore);
  await deployments.delete(NS, 'adopt');
});

test('a controller manager restarted mid-rollout finishes the rollout where it stopped', async () => {
  await deployments.create(NS, deployment('restart', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await rolledOut('restart');
  // New pods take a second to turn Ready, so the rollout takes a few steps of about a second.
  await deployments.patch(NS, 'restart', 'strategic', {
    spec: { template: { metadata: { annotations: { 'sim.k8ts.dev/ready-delay': '1' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.17' }] } } },
  });
  const mid = await eventually('the rollout under way', async () => {
    const d = await deployments.get(NS, 'restart');
    const rss = await ownedReplicaSets(d);
    return rss.length === 2 && (rss[1].spec.replicas ?? 0) >= 1 && (rss[0].spec.replicas ?? 0) < 4 && rss;
  });
  cluster.manager!.stop();
  const stoppedAt = mid.map((r) => r.spec.replicas);
  assert.ok(stoppedAt[0]! > 0 && stoppedAt[1]! < 4, `stopped mid-rollout at ${stoppedAt}`);
  await cluster.startControllers(controllerFactories, controllerClient);
  const done = await rolledOut('restart');
  const rss = await ownedReplicaSets(done);
  assert.deepEqual(
    rss.map((r) => [r.metadata.name, r.metadata.annotations![REVISION], r.spec.replicas]),
    [
      [mid[0].metadata.name, '1', 0],
      [mid[1].metadata.name, '2', 4],
    ],
  );
  // The restarted controller counted the steps already taken: never more than 4 + 1 pods asked for.
  const msgs = await scalingEvents(done);
  for (const m of msgs) assert.doesNotMatch(m, / to [5-9]$/, m);
  await deployments.delete(NS, 'restart');
});

test('leadership lost and regained: the stopped controller does nothing, then resumes from its caches', async () => {
  await deployments.create(NS, deployment('leader', { replicas: 2 }));
  await rolledOut('leader');
  dc.stop();
  await setImage('leader', 'nginx:1.17');
  const d = await deployments.get(NS, 'leader');
  assert.equal((await ownedReplicaSets(d)).length, 1);
  dc.start();
  const done = await rolledOut('leader');
  assert.deepEqual((await ownedReplicaSets(done)).map((r) => [r.metadata.annotations![REVISION], r.spec.replicas]), [['1', 0], ['2', 2]]);
  await deployments.delete(NS, 'leader');
});
