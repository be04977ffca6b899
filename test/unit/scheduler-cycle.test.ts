// The scheduling cycle over a cache: exact FailedScheduling messages (FitError.Error() plus the
// preemption part, as v1.32 words them), node narrowing, scoring preferences and spreading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { numFeasibleNodesToFind, SchedulingAlgorithm } from '../../src/scheduler/cycle.js';
import { podInfoOf } from '../../src/scheduler/framework.js';
import { defaultProfile } from '../../src/scheduler/plugins/default-plugins.js';
import { QuantityParser } from '../../src/scheduler/pod-resources.js';

interface NodeOpts {
  labels?: Record<string, string>;
  unschedulable?: boolean;
  taints?: JsonObject[];
  cpu?: string;
  memory?: string;
  pods?: string;
  ready?: string;
}

function mkNode(name: string, o: NodeOpts = {}): KObject {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { unschedulable: o.unschedulable, taints: o.taints },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '8Gi', pods: o.pods ?? '110' }, conditions: [{ type: 'Ready', status: o.ready ?? 'True' }] },
  };
}

function mkPod(name: string, spec: JsonObject = {}, meta: JsonObject = {}): KObject {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, ...meta }, spec: { containers: [{ name: 'c', image: 'x' }], priority: 0, ...spec } };
}

const cpu = (c: string) => ({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: c } } }] });

function setup(nodes: KObject[], bound: KObject[] = [], random = () => 0.5) {
  const cache = new SchedulerCache(new QuantityParser());
  for (const n of nodes) cache.setNode(n);
  for (const p of bound) cache.setBoundPod(p);
  const algo = new SchedulingAlgorithm(cache, defaultProfile(), { random });
  const schedule = (pod: KObject) => algo.schedule(podInfoOf(pod, cache.usageOf(pod)));
  /** Schedules and assumes, as the scheduler does. */
  const place = (pod: KObject) => {
    const r = schedule(pod);
    if (r.kind !== 'scheduled') throw new Error(r.message);
    cache.assume(cache.usageOf(pod), r.node.name);
    return r.node.name;
  };
  return { cache, schedule, place };
}

function message(nodes: KObject[], pod: KObject, bound: KObject[] = []): string {
  const r = setup(nodes, bound).schedule(pod);
  assert.equal(r.kind, 'unschedulable');
  return (r as { message: string }).message;
}

test('FailedScheduling messages', () => {
  const three = ['n1', 'n2', 'n3'].map((n) => mkNode(n));
  const cases: [string, KObject[], KObject, KObject[], string][] = [
    [
      'nodeSelector matches no node',
      three,
      mkPod('p', { nodeSelector: { disktype: 'ssd' } }),
      [],
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    ],
    [
      'mixed reasons sort as strings; preemption helps only where resources are short',
      [mkNode('n1', { unschedulable: true }), mkNode('n2', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }), mkNode('n3', { cpu: '1' })],
      mkPod('p', cpu('2')),
      [],
      '0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    ],
    [
      'every shortfall counts per node',
      [mkNode('n1', { cpu: '1' }), mkNode('n2', { cpu: '1' })],
      mkPod('p', { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2', memory: '10Gi' } } }] }),
      [],
      '0/2 nodes are available: 2 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    ],
    [
      'preemptionPolicy Never',
      [mkNode('n1', { cpu: '1' })],
      mkPod('p', { ...cpu('2'), preemptionPolicy: 'Never' }),
      [],
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    ],
    [
      'not-ready and unreachable nodes',
      [mkNode('n1', { ready: 'False' }), mkNode('n2', { ready: 'Unknown' })],
      mkPod('p'),
      [],
      '0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }, 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    ],
    [
      'a pod pinned to a full node (DaemonSet style)',
      [mkNode('n1', { pods: '1' }), mkNode('n2'), mkNode('n3')],
      mkPod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } } } }),
      [mkPod('x', { nodeName: 'n1' })],
      "0/3 nodes are available: 1 Too many pods, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
    ],
    [
      'pinned to a node that does not exist',
      [mkNode('n1'), mkNode('n2')],
      mkPod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['gone'] }] }] } } } }),
      [],
      "0/2 nodes are available: 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
    ],
    [
      'conflicting pinned names are rejected in PreFilter',
      [mkNode('n1'), mkNode('n2')],
      mkPod('p', {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }, { key: 'metadata.name', operator: 'In', values: ['n2'] }] }] },
          },
        },
      }),
      [],
      '0/2 nodes are available: pod affinity terms conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    ],
    [
      'host port taken',
      [mkNode('n1')],
      mkPod('p', { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] }),
      [mkPod('x', { nodeName: 'n1', containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] })],
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    ],
    [
      'a lower-priority pod on the node: its filter reason stands in for the preemption outcome',
      [mkNode('n1', { cpu: '1' })],
      mkPod('p', { ...cpu('2'), priority: 1000 }),
      [mkPod('low', { nodeName: 'n1', priority: 0 })],
      '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.',
    ],
  ];
  for (const [name, nodes, pod, bound, want] of cases) assert.equal(message(nodes, pod, bound), want, name);
});

test('histogram entries sort as Go strings ("10 ..." before "2 ...")', () => {
  const nodes = [...Array.from({ length: 10 }, (_, i) => mkNode(`c${i}`, { unschedulable: true })), mkNode('s1', { cpu: '1' }), mkNode('s2', { cpu: '1' })];
  assert.equal(
    message(nodes, mkPod('p', cpu('2'))),
    '0/12 nodes are available: 10 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/12 nodes are available: 10 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
  );
});

test('no nodes at all', () => {
  assert.equal(message([], mkPod('p')), 'no nodes available to schedule pods');
});

test('unschedulable results name the rejecting plugins', () => {
  const { schedule } = setup([mkNode('n1', { unschedulable: true }), mkNode('n2', { cpu: '1' })]);
  const r = schedule(mkPod('p', cpu('2')));
  assert.equal(r.kind, 'unschedulable');
  assert.deepEqual([...(r as { plugins: ReadonlySet<string> }).plugins].sort(), ['NodeResourcesFit', 'NodeUnschedulable']);
});

test('assumed pods count at once: no overcommit across consecutive decisions', () => {
  const { place, schedule } = setup([mkNode('n1', { cpu: '1' }), mkNode('n2', { cpu: '1' })]);
  const placed = [place(mkPod('a', cpu('600m'))), place(mkPod('b', cpu('600m')))];
  assert.deepEqual(placed.sort(), ['n1', 'n2']);
  const r = schedule(mkPod('c', cpu('600m')));
  assert.equal(r.kind, 'unschedulable');
});

test('same-owner pods spread over nodes even when one node is far emptier; groups are independent', () => {
  const owner = (uid: string) => ({ ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller: true }] });
  for (const random of [() => 0, () => 0.99]) {
    // LeastAllocated alone would put every pod on the big node.
    const { place } = setup([mkNode('big', { cpu: '100', memory: '200Gi' }), mkNode('n2'), mkNode('n3')], [], random);
    const a = [0, 1, 2].map((i) => place(mkPod(`a${i}`, {}, owner('rs-a'))));
    assert.equal(new Set(a).size, 3, `replicas of rs-a on ${a}`);
    const b = [0, 1, 2].map((i) => place(mkPod(`b${i}`, {}, owner('rs-b'))));
    assert.equal(new Set(b).size, 3, `replicas of rs-b on ${b}`);
  }
  // Pods without a spreading owner (here: a Job) follow LeastAllocated only.
  const { place } = setup([mkNode('big', { cpu: '100', memory: '200Gi' }), mkNode('n2'), mkNode('n3')]);
  const job = { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'j', controller: true }] };
  assert.deepEqual([0, 1, 2].map((i) => place(mkPod(`j${i}`, {}, job))), ['big', 'big', 'big']);
});

test('zone spreading: the next replica goes to the emptier zone', () => {
  const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', controller: true }] };
  const zone = (z: string) => ({ 'topology.kubernetes.io/zone': z });
  const nodes = [mkNode('a1', { labels: zone('a') }), mkNode('a2', { labels: zone('a') }), mkNode('b1', { labels: zone('b') })];
  const { place } = setup(nodes, [mkPod('x', { nodeName: 'a1' }, owner)]);
  assert.equal(place(mkPod('y', {}, owner)), 'b1');
});

test('PreferNoSchedule taints and preferred node affinity steer the choice', () => {
  const { place } = setup([mkNode('n1', { taints: [{ key: 'k', value: 'v', effect: 'PreferNoSchedule' }] }), mkNode('n2')]);
  for (let i = 0; i < 5; i++) assert.equal(place(mkPod(`t${i}`)), 'n2');
  const pref = { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } };
  const s = setup([mkNode('n1'), mkNode('n2', { labels: { disk: 'ssd' } })]);
  assert.equal(s.place(mkPod('p', pref)), 'n2');
});

test('least allocated wins among otherwise equal nodes', () => {
  const { place } = setup([mkNode('n1'), mkNode('n2')], [mkPod('big', { nodeName: 'n1', ...cpu('3') })]);
  assert.equal(place(mkPod('p', cpu('100m'))), 'n2');
});

test('how many feasible nodes are looked for (upstream percentageOfNodesToScore)', () => {
  assert.equal(numFeasibleNodesToFind(50, 0, 100), 50);
  assert.equal(numFeasibleNodesToFind(100, 0, 100), 100);
  assert.equal(numFeasibleNodesToFind(1000, 0, 100), 420);
  assert.equal(numFeasibleNodesToFind(5000, 0, 100), 500);
  assert.equal(numFeasibleNodesToFind(100_000, 0, 100), 5000);
  assert.equal(numFeasibleNodesToFind(1000, 10, 100), 100);
  assert.equal(numFeasibleNodesToFind(1000, 10, 50), 100);
});
