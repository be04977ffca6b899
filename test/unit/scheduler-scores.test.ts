// Score plugins, table-driven: raw scores and NormalizeScore as upstream computes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { defaultNormalize, podInfoOf, SKIP, type Plugin } from '../../src/scheduler/framework.js';
import { nodeAffinity } from '../../src/scheduler/plugins/node-affinity.js';
import { podTopologySpread, scoreForCount, topologyNormalizingWeight } from '../../src/scheduler/plugins/pod-topology-spread.js';
import { taintToleration } from '../../src/scheduler/plugins/taint-toleration.js';
import { QuantityParser } from '../../src/scheduler/pod-resources.js';

function mkNode(name: string, labels: Record<string, string> = {}, taints: JsonObject[] = []): KObject {
  return { metadata: { name, labels }, spec: { taints }, status: { allocatable: { cpu: '4', memory: '8Gi' }, conditions: [{ type: 'Ready', status: 'True' }] } };
}

const owner = { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs', controller: true }] };

function mkPod(name: string, spec: JsonObject = {}, meta: JsonObject = {}): KObject {
  return { metadata: { name, namespace: 'default', ...meta }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } };
}

/** Raw and normalized scores of `plugin` for `pod` over `nodes` (in order), or 'skip'. */
function scores(plugin: Plugin, pod: KObject, nodes: KObject[], bound: KObject[] = []): { raw: number[]; normalized: number[] } | 'skip' {
  const cache = new SchedulerCache(new QuantityParser());
  for (const n of nodes) cache.setNode(n);
  for (const b of bound) cache.setBoundPod(b);
  const infos = nodes.map((n) => cache.node(n.metadata.name!)!);
  const pi = podInfoOf(pod, cache.usageOf(pod));
  const state = new Map<string, unknown>();
  if (plugin.preScore?.(pi, infos, state, cache) === SKIP) return 'skip';
  const raw = infos.map((n) => plugin.score!(pi, n, state));
  const normalized = [...raw];
  plugin.normalize?.(normalized, infos, state);
  return { raw, normalized };
}

test('DefaultNormalizeScore', () => {
  const cases: [number[], boolean, number[]][] = [
    [[0, 0, 0], false, [0, 0, 0]],
    [[0, 0, 0], true, [100, 100, 100]],
    [[1, 2, 4], false, [25, 50, 100]],
    [[1, 2, 4], true, [75, 50, 0]],
    [[1, 3], false, [33, 100]],
  ];
  for (const [input, reverse, want] of cases) {
    const s = [...input];
    defaultNormalize(100, reverse, s);
    assert.deepEqual(s, want, `${input} reverse=${reverse}`);
  }
});

test('TaintToleration score: untolerated PreferNoSchedule taints, reversed', () => {
  const prefer = (key: string) => ({ key, value: 'v', effect: 'PreferNoSchedule' });
  const nodes = [mkNode('n0'), mkNode('n1', {}, [prefer('a')]), mkNode('n2', {}, [prefer('a'), prefer('b'), { key: 'c', effect: 'NoSchedule' }])];
  assert.deepEqual(scores(taintToleration, mkPod('p'), nodes), { raw: [0, 1, 2], normalized: [100, 50, 0] });
  // Only tolerations with an empty or PreferNoSchedule effect count.
  assert.deepEqual(scores(taintToleration, mkPod('p', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }, { key: 'b', operator: 'Exists', effect: 'NoSchedule' }] }), nodes), {
    raw: [0, 0, 1],
    normalized: [100, 100, 0],
  });
});

test('NodeAffinity score: weights of matching preferred terms', () => {
  const pref = (weight: number, key: string, values: string[]) => ({ weight, preference: { matchExpressions: [{ key, operator: 'In', values }] } });
  const pod = mkPod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [pref(10, 'disk', ['ssd']), pref(30, 'zone', ['a']), pref(0, 'zone', ['b'])] } } });
  const nodes = [mkNode('n0'), mkNode('n1', { disk: 'ssd' }), mkNode('n2', { disk: 'ssd', zone: 'a' }), mkNode('n3', { zone: 'b' })];
  assert.deepEqual(scores(nodeAffinity, pod, nodes), { raw: [0, 10, 40, 0], normalized: [0, 25, 100, 0] });
  assert.equal(scores(nodeAffinity, mkPod('q'), nodes), 'skip');
});

test('PodTopologySpread default constraints score', () => {
  const host = (n: string) => ({ 'kubernetes.io/hostname': n });
  const nodes = [mkNode('n1', host('n1')), mkNode('n2', host('n2')), mkNode('n3', host('n3')), mkNode('bare')];
  const bound = [mkPod('a', { nodeName: 'n1' }, owner), mkPod('b', { nodeName: 'n1' }, owner), mkPod('c', { nodeName: 'n2' }, owner), mkPod('x', { nodeName: 'n3' })];
  const w = topologyNormalizingWeight(4);
  const raw = [Math.round(scoreForCount(2, 3, w)), Math.round(scoreForCount(1, 3, w)), Math.round(scoreForCount(0, 3, w)), 0];
  assert.deepEqual(raw, [6, 4, 2, 0]);
  // max + min - s scaled by max: the emptiest domain scores highest; a node without the hostname
  // label scores 0 raw, so it normalizes to the top, as upstream's does.
  assert.deepEqual(scores(podTopologySpread, mkPod('p', {}, owner), nodes, bound), { raw, normalized: [0, 33, 66, 100] });
  assert.equal(scores(podTopologySpread, mkPod('q'), nodes, bound), 'skip');
});
