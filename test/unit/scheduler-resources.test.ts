// NodeResourcesFit: effective requests (init containers, sidecars, overhead), the filter's
// reasons, and the LeastAllocated / BalancedAllocation scores.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { podInfoOf } from '../../src/scheduler/framework.js';
import { balancedAllocation, balancedScore } from '../../src/scheduler/plugins/balanced-allocation.js';
import { leastRequestedScore, nodeResourcesFit } from '../../src/scheduler/plugins/node-resources-fit.js';
import { podRequestVector, QuantityParser } from '../../src/scheduler/pod-resources.js';

const qp = new QuantityParser();
const ctr = (requests?: Record<string, string>, extra: JsonObject = {}) => ({ name: 'c', image: 'x', resources: requests ? { requests } : {}, ...extra });

function mkPod(spec: JsonObject, name = 'p'): KObject {
  return { metadata: { name, namespace: 'default', uid: name }, spec };
}

function mkNode(alloc: Record<string, string>): KObject {
  return { metadata: { name: 'n1', labels: {} }, spec: {}, status: { allocatable: alloc, conditions: [{ type: 'Ready', status: 'True' }] } };
}

test('effective pod requests', () => {
  const cases: [string, JsonObject, Record<string, number>][] = [
    ['containers add up', { containers: [ctr({ cpu: '100m', memory: '64Mi' }), ctr({ cpu: '250m' })] }, { cpu: 350, memory: 64 * 2 ** 20 }],
    ['init containers: the max counts', { initContainers: [ctr({ cpu: '2' })], containers: [ctr({ cpu: '500m' })] }, { cpu: 2000 }],
    ['init smaller than containers', { initContainers: [ctr({ cpu: '100m' })], containers: [ctr({ cpu: '500m' })] }, { cpu: 500 }],
    [
      'sidecars add to containers and to later init containers',
      { initContainers: [ctr({ cpu: '200m' }, { restartPolicy: 'Always' }), ctr({ cpu: '1' })], containers: [ctr({ cpu: '300m' })] },
      // containers 300m + sidecar 200m = 500m; the second init container needs 1 + 200m = 1200m.
      { cpu: 1200 },
    ],
    ['sidecar after the init container', { initContainers: [ctr({ cpu: '1' }), ctr({ cpu: '200m' }, { restartPolicy: 'Always' })], containers: [ctr({ cpu: '300m' })] }, { cpu: 1000 }],
    ['overhead is added', { containers: [ctr({ cpu: '100m' })], overhead: { cpu: '50m' } }, { cpu: 150 }],
    ['cpu rounds up to millicores', { containers: [ctr({ cpu: '0.0001' })] }, { cpu: 1 }],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(Object.fromEntries(podRequestVector(mkPod(spec), qp)), want, name);
});

test('non-zero requests default missing cpu/memory per container', () => {
  const v = podRequestVector(mkPod({ containers: [ctr(), ctr({ cpu: '0' }), ctr({ memory: '1Gi' })] }), qp, true);
  assert.equal(v.get('cpu'), 100 + 0 + 100);
  assert.equal(v.get('memory'), 200 * 2 ** 20 * 2 + 2 ** 30);
});

function filter(pod: KObject, node: KObject, existing: KObject[] = []): unknown {
  const cache = new SchedulerCache(qp);
  cache.setNode(node);
  existing.forEach((e, i) => cache.setBoundPod({ ...e, metadata: { ...e.metadata, name: `e${i}` }, spec: { ...e.spec, nodeName: 'n1' } }));
  const s = nodeResourcesFit.filter!(podInfoOf(pod, cache.usageOf(pod)), cache.node('n1')!, new Map());
  return s ? { reasons: s.reasons, code: s.code } : 'fit';
}

test('NodeResourcesFit filter', () => {
  const node = mkNode({ cpu: '1', memory: '1Gi', 'ephemeral-storage': '10Gi', pods: '2', 'example.com/gpu': '1' });
  const one = (r: Record<string, string>) => mkPod({ containers: [ctr(r)] });
  const cases: [string, KObject, KObject[], unknown][] = [
    ['fits', one({ cpu: '500m', memory: '512Mi' }), [], 'fit'],
    ['exactly the rest fits', one({ cpu: '500m' }), [one({ cpu: '500m' })], 'fit'],
    ['insufficient cpu', one({ cpu: '600m' }), [one({ cpu: '500m' })], { reasons: ['Insufficient cpu'], code: 'Unschedulable' }],
    // v1.32 reports even a request larger than the whole node as Unschedulable.
    ['more than the node has', one({ cpu: '2' }), [], { reasons: ['Insufficient cpu'], code: 'Unschedulable' }],
    ['every shortfall is a reason, in order', one({ cpu: '2', memory: '2Gi', 'ephemeral-storage': '20Gi' }), [one({})], { reasons: ['Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage'], code: 'Unschedulable' }],
    ['too many pods', one({}), [one({}), one({})], { reasons: ['Too many pods'], code: 'Unschedulable' }],
    ['too many pods and insufficient cpu', one({ cpu: '2' }), [one({}), one({})], { reasons: ['Too many pods', 'Insufficient cpu'], code: 'Unschedulable' }],
    ['extended resource', one({ 'example.com/gpu': '2' }), [], { reasons: ['Insufficient example.com/gpu'], code: 'Unschedulable' }],
    ['extended resource the node lacks', one({ 'other.io/fpga': '1' }), [], { reasons: ['Insufficient other.io/fpga'], code: 'Unschedulable' }],
  ];
  for (const [name, pod, existing, want] of cases) assert.deepEqual(filter(pod, node, existing), want, name);
});

test('pods default to 110 allowed per node when allocatable does not say', () => {
  const node = mkNode({ cpu: '100', memory: '100Gi' });
  const many = Array.from({ length: 110 }, () => mkPod({ containers: [ctr()] }));
  assert.deepEqual(filter(mkPod({ containers: [ctr()] }), node, many.slice(0, 109)), 'fit');
  assert.deepEqual(filter(mkPod({ containers: [ctr()] }), node, many), { reasons: ['Too many pods'], code: 'Unschedulable' });
});

test('terminal pods do not use the node (the informer drops them)', async () => {
  const cache = new SchedulerCache(qp);
  cache.setNode(mkNode({ cpu: '1', pods: '1' }));
  cache.setBoundPod(mkPod({ nodeName: 'n1', containers: [ctr({ cpu: '1' })] }, 'a'));
  assert.equal(cache.node('n1')!.podCount, 1);
  cache.removePod('default/a');
  assert.equal(cache.node('n1')!.podCount, 0);
  assert.equal(cache.node('n1')!.requested.milliCpu, 0);
});

test('LeastAllocated and BalancedAllocation scores', () => {
  assert.equal(leastRequestedScore(0, 1000), 100);
  assert.equal(leastRequestedScore(250, 1000), 75);
  assert.equal(leastRequestedScore(333, 1000), 66);
  assert.equal(leastRequestedScore(2000, 1000), 0);
  assert.equal(leastRequestedScore(5, 0), 0);
  assert.equal(balancedScore([0.5, 0.5]), 100);
  assert.equal(balancedScore([0.2, 0.6]), 80);

  const cache = new SchedulerCache(qp);
  cache.setNode(mkNode({ cpu: '4', memory: '8Gi' }));
  // Existing pod without requests counts 100m / 200Mi for LeastAllocated.
  cache.setBoundPod(mkPod({ nodeName: 'n1', containers: [ctr()] }, 'e'));
  const pod = mkPod({ containers: [ctr({ cpu: '1', memory: '2Gi' })] });
  const pi = podInfoOf(pod, cache.usageOf(pod));
  const n = cache.node('n1')!;
  // cpu: (4000 - 1100) * 100 / 4000 = 72; memory: (8192 - 2248) Mi * 100 / 8192 Mi = 72 -> 72.
  assert.equal(nodeResourcesFit.score!(pi, n, new Map()), 72);
  // Balanced uses plain requests: cpu 1/4, memory 2/8 -> equal -> 100.
  assert.equal(balancedAllocation.score!(pi, n, new Map()), 100);
  assert.equal(balancedAllocation.preScore!(podInfoOf(mkPod({ containers: [ctr()] }), cache.usageOf(mkPod({ containers: [ctr()] }))), [n], new Map(), cache), 'skip');
});
