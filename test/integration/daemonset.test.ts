// The DaemonSet controller against an in-process API server, the real scheduler and sim node
// agents: one pod per node, pods following nodes (a new node, labels, taints), RollingUpdate with
// maxUnavailable and with maxSurge, OnDelete, ControllerRevisions and `rollout undo` by patching
// a revision's data back, all observed through the API as a user would.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { daemonSetControllerFactory } from '../../src/controllers/daemonset/index.js';
import { SIM_READY_DELAY } from '../../src/kubelet/index.js';
import { eventually, isReady, NS, TestCluster } from './workload-cluster.js';

const c = new TestCluster();
let daemonsets: ResourceClient;

before(async () => {
  await c.start(['node-1', 'node-2', 'node-3'], [daemonSetControllerFactory]);
  daemonsets = new ResourceClient(c.client, R.daemonsets);
});

after(() => c.stop());

function daemonSet(name: string, opts: { image?: string; strategy?: JsonObject; nodeSelector?: Record<string, string>; tolerations?: JsonObject[]; annotations?: Record<string, string> } = {}): KObject {
  const podSpec: JsonObject = { containers: [{ name: 'agent', image: opts.image ?? 'fluentd:1.0' }] };
  if (opts.nodeSelector) podSpec.nodeSelector = opts.nodeSelector;
  if (opts.tolerations) podSpec.tolerations = opts.tolerations;
  const spec: JsonObject = { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name }, annotations: opts.annotations }, spec: podSpec } };
  if (opts.strategy) spec.updateStrategy = opts.strategy;
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name, namespace: NS }, spec };
}

const hashOf = (p: KObject) => p.metadata.labels?.['controller-revision-hash'];
const imageOf = (p: KObject) => p.spec.containers[0].image;

/** Waits until the DaemonSet runs one Ready pod on each of `nodes`, all updated, with a matching status. */
async function waitRolledOut(name: string, nodes: string[]): Promise<{ ds: KObject; pods: KObject[] }> {
  return eventually(`${name} on ${nodes.join(',')}`, async () => {
    const ds = await daemonsets.get(NS, name);
    const pods = await c.ownedPods(ds, false);
    const s = ds.status ?? {};
    if (pods.length !== nodes.length || pods.some((p) => p.metadata.deletionTimestamp || !isReady(p))) return undefined;
    if (pods.map((p) => p.spec.nodeName).sort().join() !== [...nodes].sort().join()) return undefined;
    const n = nodes.length;
    if (s.observedGeneration !== ds.metadata.generation || s.desiredNumberScheduled !== n || s.currentNumberScheduled !== n || s.numberReady !== n) return undefined;
    if ((s.updatedNumberScheduled ?? 0) !== n || (s.numberAvailable ?? 0) !== n || (s.numberUnavailable ?? 0) !== 0 || s.numberMisscheduled !== 0) return undefined;
    if (new Set(pods.map(hashOf)).size !== 1) return undefined;
    return { ds, pods };
  });
}

/**
 * Follows the pods of `app` through a watch and records, after each event, how many of `nodes`
 * lack a Ready pod that is not being deleted, and the most pods seen on one node.
 */
function trackAvailability(app: string, nodes: string[]) {
  const w = c.watchPods(`app=${app}`);
  const state = new Map<string, KObject>();
  let maxUnavailable = 0;
  let maxPerNode = 0;
  let processed = 0;
  const step = () => {
    for (; processed < w.events.length; processed++) {
      const ev = w.events[processed];
      const key = ev.object.metadata.name!;
      if (ev.type === 'DELETED') state.delete(key);
      else state.set(key, ev.object);
    }
    let unavailable = 0;
    for (const n of nodes) {
      const onNode = [...state.values()].filter((p) => p.spec.nodeName === n);
      maxPerNode = Math.max(maxPerNode, onNode.length);
      if (!onNode.some((p) => isReady(p) && !p.metadata.deletionTimestamp)) unavailable++;
    }
    maxUnavailable = Math.max(maxUnavailable, unavailable);
  };
  let timer: NodeJS.Timeout | undefined;
  return {
    // Counting starts once the initial list is in.
    ready: w.ready.then(() => void (timer = setInterval(step, 1))),
    stop() {
      clearInterval(timer);
      step();
      w.stop();
      return { maxUnavailable, maxPerNode };
    },
  };
}

test('DaemonSet: a pod on every node, pinned by node affinity and bound by the scheduler; revision 1; a new node gets a pod', async () => {
  const ds = await daemonsets.create(NS, daemonSet('agent'));
  const { ds: cur, pods } = await waitRolledOut('agent', ['node-1', 'node-2', 'node-3']);
  assert.deepEqual(cur.status, {
    currentNumberScheduled: 3,
    desiredNumberScheduled: 3,
    numberAvailable: 3,
    numberMisscheduled: 0,
    numberReady: 3,
    observedGeneration: 1,
    updatedNumberScheduled: 3,
  });

  // History: revision 1 holds the template as the patch `kubectl rollout undo` sends back.
  const revs = await c.revisionsOf(ds);
  assert.equal(revs.length, 1);
  const rev = revs[0];
  const hash = hashOf(pods[0])!;
  assert.equal(rev.revision, 1);
  assert.equal(rev.metadata.name, `agent-${hash}`);
  assert.deepEqual(rev.metadata.labels, { app: 'agent', 'controller-revision-hash': hash });
  assert.deepEqual(rev.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(rev.data.spec.template.$patch, 'replace');
  assert.deepEqual(Object.keys(rev.data), ['spec']);
  assert.deepEqual(Object.keys(rev.data.spec), ['template']);
  assert.deepEqual(rev.data.spec.template.spec, cur.spec.template.spec);
  assert.deepEqual(rev.data.spec.template.metadata.labels, { app: 'agent' });

  for (const p of pods) {
    assert.match(p.metadata.name!, /^agent-[a-z0-9]{5}$/);
    assert.deepEqual(p.metadata.labels, { app: 'agent', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
    assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: ds.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    // The controller pins, the scheduler binds.
    assert.deepEqual(p.spec.affinity, { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [p.spec.nodeName] }] }] } } });
    const tolerations = p.spec.tolerations.map((t: JsonObject) => `${t.key}:${t.effect}:${t.operator}:${t.tolerationSeconds ?? '-'}`);
    assert.deepEqual(tolerations, [
      'node.kubernetes.io/not-ready:NoExecute:Exists:-',
      'node.kubernetes.io/unreachable:NoExecute:Exists:-',
      'node.kubernetes.io/disk-pressure:NoSchedule:Exists:-',
      'node.kubernetes.io/memory-pressure:NoSchedule:Exists:-',
      'node.kubernetes.io/pid-pressure:NoSchedule:Exists:-',
      'node.kubernetes.io/unschedulable:NoSchedule:Exists:-',
    ]);
  }
  const created = await eventually('3 SuccessfulCreate events', async () => {
    const evs = await c.eventsOf(ds, 'SuccessfulCreate');
    return evs.length === 3 && evs;
  });
  assert.deepEqual(created.map((e) => e.message).sort(), pods.map((p) => `Created pod: ${p.metadata.name}`).sort());
  assert.ok(created.every((e) => e.source?.component === 'daemonset-controller' && e.type === 'Normal'));
  const scheduled = (await c.events.list(NS)).items.filter((e) => e.reason === 'Scheduled' && pods.some((p) => p.metadata.uid === e.involvedObject.uid));
  assert.equal(scheduled.length, 3, 'the default scheduler bound each pod');

  // A fourth node joins: it gets a pod, the others keep theirs.
  await c.addNode('node-4');
  const four = await waitRolledOut('agent', ['node-1', 'node-2', 'node-3', 'node-4']);
  const before = new Set(pods.map((p) => p.metadata.uid));
  assert.equal(four.pods.filter((p) => before.has(p.metadata.uid)).length, 3);
  assert.equal(four.ds.status.desiredNumberScheduled, 4);

  // A cordon does not matter to daemon pods (they tolerate unschedulable); a deleted pod comes back on its node.
  await c.nodes.patch(undefined, 'node-4', 'merge', { spec: { unschedulable: true } });
  const victim = four.pods.find((p) => p.spec.nodeName === 'node-4')!;
  await c.pods.delete(NS, victim.metadata.name!);
  const back = await waitRolledOut('agent', ['node-1', 'node-2', 'node-3', 'node-4']);
  assert.ok(!back.pods.some((p) => p.metadata.uid === victim.metadata.uid));
  await c.nodes.patch(undefined, 'node-4', 'merge', { spec: { unschedulable: null } });
  await daemonsets.delete(NS, 'agent');
});

test('DaemonSet: nodeSelector and taints decide where pods run; pods follow label and taint changes', async () => {
  const ds = await daemonsets.create(NS, daemonSet('ssd', { nodeSelector: { disk: 'ssd' } }));
  await eventually('no node qualifies', async () => {
    const cur = await daemonsets.get(NS, 'ssd');
    return cur.status?.observedGeneration === 1 && cur.status.desiredNumberScheduled === 0 && cur.status.currentNumberScheduled === 0;
  });
  assert.equal((await c.ownedPods(ds)).length, 0);

  await c.nodes.patch(undefined, 'node-2', 'merge', { metadata: { labels: { disk: 'ssd' } } });
  await waitRolledOut('ssd', ['node-2']);
  // The label goes: the pod is misscheduled and deleted.
  await c.nodes.patch(undefined, 'node-2', 'merge', { metadata: { labels: { disk: null } } });
  await eventually('pod removed from node-2', async () => {
    const cur = await daemonsets.get(NS, 'ssd');
    return (await c.ownedPods(ds)).length === 0 && cur.status.desiredNumberScheduled === 0 && cur.status.currentNumberScheduled === 0;
  });
  await daemonsets.delete(NS, 'ssd');

  // Taints: a NoSchedule taint keeps an existing pod but no new one is created; NoExecute evicts it.
  const all = ['node-1', 'node-2', 'node-3', 'node-4'];
  const t = await daemonsets.create(NS, daemonSet('tainted'));
  await waitRolledOut('tainted', all);
  await c.nodes.patch(undefined, 'node-3', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] } });
  const late = await daemonsets.create(NS, daemonSet('late'));
  await waitRolledOut('late', ['node-1', 'node-2', 'node-4']);
  const tcur = await eventually('tainted: node-3 no longer desired', async () => {
    const cur = await daemonsets.get(NS, 'tainted');
    return cur.status.desiredNumberScheduled === 3 && cur;
  });
  assert.equal(tcur.status.numberMisscheduled, 1, 'the pod on node-3 stays, counted as misscheduled');
  assert.equal((await c.ownedPods(t)).filter((p) => p.spec.nodeName === 'node-3').length, 1);
  // Tolerating the taint makes node-3 eligible again.
  const tolerant = await daemonsets.create(NS, daemonSet('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }));
  await waitRolledOut('tolerant', all);

  await c.nodes.patch(undefined, 'node-3', 'merge', { spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] } });
  await eventually('NoExecute: tainted loses its node-3 pod', async () => (await c.ownedPods(t)).every((p) => p.spec.nodeName !== 'node-3'));
  await eventually('tolerant (NoSchedule only) loses its node-3 pod too', async () => (await c.ownedPods(tolerant)).every((p) => p.spec.nodeName !== 'node-3'));
  await c.nodes.patch(undefined, 'node-3', 'merge', { spec: { taints: null } });
  await waitRolledOut('late', all);
  for (const name of ['tainted', 'late', 'tolerant']) await daemonsets.delete(NS, name);
  assert.ok(late);
});

test('DaemonSet: RollingUpdate (maxUnavailable 1) replaces one node at a time; history keeps revision 1', async () => {
  const nodes = ['node-1', 'node-2', 'node-3', 'node-4'];
  const ds = await daemonsets.create(NS, daemonSet('roll', { annotations: { [SIM_READY_DELAY]: '0.2' } }));
  const first = await waitRolledOut('roll', nodes);
  const oldHash = hashOf(first.pods[0]);
  const tracker = trackAvailability('roll', nodes);
  await tracker.ready;
  await daemonsets.patch(NS, 'roll', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2.0' }] } } } });
  const second = await waitRolledOut('roll', nodes);
  const seen = tracker.stop();
  assert.ok(second.pods.every((p) => imageOf(p) === 'fluentd:2.0' && hashOf(p) !== oldHash));
  assert.ok(second.pods.every((p) => p.metadata.labels?.['pod-template-generation'] === '2'));
  assert.equal(seen.maxUnavailable, 1, 'never more than maxUnavailable nodes without an available pod');
  assert.equal(seen.maxPerNode, 1, 'no surge');
  const revs = await c.revisionsOf(ds);
  assert.deepEqual(revs.map((r) => [r.revision, r.metadata.labels?.['controller-revision-hash']]), [
    [1, oldHash],
    [2, hashOf(second.pods[0])],
  ]);
  assert.equal((await c.eventsOf(ds, 'SuccessfulDelete')).length, 4);
});

test('DaemonSet: RollingUpdate with maxSurge starts the new pod before the old one goes', async () => {
  const nodes = ['node-1', 'node-2', 'node-3', 'node-4'];
  await daemonsets.create(NS, daemonSet('surge', { annotations: { [SIM_READY_DELAY]: '0.2' }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }));
  await waitRolledOut('surge', nodes);
  const tracker = trackAvailability('surge', nodes);
  await tracker.ready;
  await daemonsets.patch(NS, 'surge', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2.0' }] } } } });
  const done = await waitRolledOut('surge', nodes);
  const seen = tracker.stop();
  assert.ok(done.pods.every((p) => imageOf(p) === 'fluentd:2.0'));
  assert.equal(seen.maxUnavailable, 0, 'every node kept an available pod');
  assert.equal(seen.maxPerNode, 2, 'old and new pod side by side');
});

test('DaemonSet: OnDelete updates a pod only when it is deleted; rollout undo patches revision data back', async () => {
  const nodes = ['node-1', 'node-2', 'node-3', 'node-4'];
  const ds = await daemonsets.create(NS, daemonSet('manual', { strategy: { type: 'OnDelete' } }));
  const first = await waitRolledOut('manual', nodes);
  await daemonsets.patch(NS, 'manual', 'strategic', { spec: { template: { spec: { containers: [{ name: 'agent', image: 'fluentd:2.0' }] } } } });
  const stale = await eventually('generation 2 observed, nothing updated', async () => {
    const cur = await daemonsets.get(NS, 'manual');
    return cur.status.observedGeneration === 2 && (await c.revisionsOf(ds)).length === 2 && cur;
  });
  assert.equal(stale.status.updatedNumberScheduled ?? 0, 0);
  assert.deepEqual((await c.ownedPods(ds)).map((p) => p.metadata.uid).sort(), first.pods.map((p) => p.metadata.uid).sort(), 'no pod was replaced');

  const victim = first.pods.find((p) => p.spec.nodeName === 'node-2')!;
  await c.pods.delete(NS, victim.metadata.name!);
  const mixed = await eventually<{ ps: KObject[]; cur: KObject }>('node-2 runs the new template', async () => {
    const ps = await c.ownedPods(ds);
    const onNode2 = ps.filter((p) => p.spec.nodeName === 'node-2');
    const cur = await daemonsets.get(NS, 'manual');
    return onNode2.length === 1 && isReady(onNode2[0]) && imageOf(onNode2[0]) === 'fluentd:2.0' && cur.status.updatedNumberScheduled === 1 && { ps, cur };
  });
  assert.equal(mixed.ps.filter((p) => imageOf(p) === 'fluentd:1.0').length, 3, 'the others still run the old template');

  // `kubectl rollout undo`: PATCH the DaemonSet with revision 1's data as a strategic merge patch.
  const revs = await c.revisionsOf(ds);
  await daemonsets.patch(NS, 'manual', 'strategic', revs[0].data);
  const undone = await daemonsets.get(NS, 'manual');
  assert.equal(undone.spec.template.spec.containers[0].image, 'fluentd:1.0');
  const renumbered = await eventually('revision 1 renumbered to 3, no new revision', async () => {
    const rs = await c.revisionsOf(ds);
    return rs.length === 2 && rs[1].metadata.name === revs[0].metadata.name && rs[1].revision === 3 && rs;
  });
  assert.equal(renumbered[0].metadata.name, revs[1].metadata.name);
  // Pods from revision 1 count as updated again; the node-2 pod is now the stale one.
  await eventually('3 of 4 updated', async () => (await daemonsets.get(NS, 'manual')).status.updatedNumberScheduled === 3);
});
