import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { newDaemonPod, nodesToDaemonPods, templateGeneration, isPodUpdated } from '../../src/controllers/daemonset/daemon-pods.js';
import { compilePlacement, nodeShouldRunDaemonPod, pinToNode, targetNodeName, withDaemonTolerations } from '../../src/controllers/daemonset/node-placement.js';

function node(name: string, labels: Record<string, string> = {}, taints: JsonObject[] = [], unschedulable = false): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: { taints, unschedulable } };
}

const template = (spec: JsonObject = {}) => ({ metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }], ...spec } });

const verdict = (n: KObject, spec: JsonObject = {}) => {
  const v = nodeShouldRunDaemonPod(n, compilePlacement(template(spec)));
  return `${v.shouldRun ? 'run' : '-'}/${v.shouldContinueRunning ? 'continue' : '-'}`;
};

test('nodeShouldRunDaemonPod: selector, affinity, nodeName and taints (table)', () => {
  const affinity = (terms: JsonObject[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const rows: [string, KObject, JsonObject, string][] = [
    ['plain node', node('a'), {}, 'run/continue'],
    ['nodeSelector matches', node('a', { disk: 'ssd' }), { nodeSelector: { disk: 'ssd' } }, 'run/continue'],
    ['nodeSelector does not match', node('a', { disk: 'hdd' }), { nodeSelector: { disk: 'ssd' } }, '-/-'],
    ['affinity matches', node('a', { zone: 'z1' }), affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }] }]), 'run/continue'],
    ['affinity does not match', node('a', { zone: 'z3' }), affinity([{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }] }]), '-/-'],
    ['affinity on metadata.name', node('b'), affinity([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] }]), 'run/continue'],
    ['affinity with no terms matches nothing', node('a'), affinity([]), '-/-'],
    ['template nodeName elsewhere', node('a'), { nodeName: 'b' }, '-/-'],
    ['template nodeName here', node('a'), { nodeName: 'a' }, 'run/continue'],
    ['NoSchedule taint: keep, do not create', node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), {}, '-/continue'],
    ['NoExecute taint: evict', node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }]), {}, '-/-'],
    ['PreferNoSchedule is ignored', node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'PreferNoSchedule' }]), {}, 'run/continue'],
    ['tolerated taint', node('a', {}, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]), { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db' }] }, 'run/continue'],
    ['cordoned node (automatic toleration)', node('a', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }], true), {}, 'run/continue'],
    ['not-ready node (automatic toleration)', node('a', {}, [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]), {}, 'run/continue'],
    ['unreachable node (automatic toleration)', node('a', {}, [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]), {}, 'run/continue'],
    ['memory pressure (automatic toleration)', node('a', {}, [{ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }]), {}, 'run/continue'],
    ['network unavailable, pod network', node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), {}, '-/continue'],
    ['network unavailable, host network', node('a', {}, [{ key: 'node.kubernetes.io/network-unavailable', effect: 'NoSchedule' }]), { hostNetwork: true }, 'run/continue'],
  ];
  for (const [name, n, spec, want] of rows) assert.equal(verdict(n, spec), want, name);
});

test('withDaemonTolerations: adds the daemon tolerations, replacing a matching one that has tolerationSeconds', () => {
  const user = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'team', operator: 'Equal', value: 'a', effect: 'NoSchedule' },
  ];
  const out = withDaemonTolerations(user, false);
  assert.deepEqual(out[0], { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }, 'replaced in place, without tolerationSeconds');
  assert.deepEqual(out[1], user[1]);
  assert.deepEqual(
    out.slice(2).map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/disk-pressure:NoSchedule', 'node.kubernetes.io/memory-pressure:NoSchedule', 'node.kubernetes.io/pid-pressure:NoSchedule', 'node.kubernetes.io/unschedulable:NoSchedule'],
  );
  assert.equal(user[0].tolerationSeconds, 300, 'input untouched');
  assert.equal(withDaemonTolerations([], true).at(-1)?.key, 'node.kubernetes.io/network-unavailable');
  assert.equal(withDaemonTolerations(withDaemonTolerations([], false), false).length, 6, 'idempotent');
});

test('pinToNode replaces the required node affinity with metadata.name In [node]; targetNodeName reads it back', () => {
  const pinned = { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] };
  assert.deepEqual(pinToNode(undefined, 'n1'), { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pinned } });
  const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }];
  const user = {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] }] }, preferredDuringSchedulingIgnoredDuringExecution: preferred },
    podAntiAffinity: { x: 1 },
  };
  assert.deepEqual(pinToNode(user, 'n1'), { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: pinned, preferredDuringSchedulingIgnoredDuringExecution: preferred }, podAntiAffinity: { x: 1 } });
  assert.equal(user.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions![0].key, 'zone', 'input untouched');

  const pod = (spec: JsonObject): KObject => ({ metadata: { name: 'p' }, spec });
  assert.equal(targetNodeName(pod({ nodeName: 'bound', affinity: pinToNode(undefined, 'n1') })), 'bound');
  assert.equal(targetNodeName(pod({ affinity: pinToNode(undefined, 'n1') })), 'n1');
  assert.equal(targetNodeName(pod({})), undefined);
  assert.equal(targetNodeName(pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a', 'b'] }] }] } } } })), undefined);
});

test('newDaemonPod: template labels plus hash and generation, daemon tolerations, pinned, controller ref, generateName', () => {
  const ds: KObject = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent', namespace: 'kube-system', uid: 'u', annotations: { 'deprecated.daemonset.template.generation': '4' } },
    spec: { template: template({ hostNetwork: true }) },
  };
  const ref = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u', controller: true, blockOwnerDeletion: true };
  assert.equal(templateGeneration(ds), 4);
  const pod = newDaemonPod(ds, 'n2', 'abc123', templateGeneration(ds), ref);
  assert.deepEqual(pod.metadata, {
    generateName: 'agent-',
    namespace: 'kube-system',
    labels: { app: 'd', 'pod-template-generation': '4', 'controller-revision-hash': 'abc123' },
    ownerReferences: [ref],
  });
  assert.equal(pod.spec.tolerations.length, 7, 'six plus network-unavailable for hostNetwork');
  assert.equal(targetNodeName(pod), 'n2');
  assert.equal(pod.spec.nodeName, undefined, 'the scheduler binds it');
  assert.equal(ds.spec.template.spec.tolerations, undefined, 'the template is not modified');

  assert.ok(isPodUpdated(pod, 'abc123', 1), 'by hash');
  assert.ok(isPodUpdated(pod, 'other', 4), 'by template generation (legacy)');
  assert.ok(!isPodUpdated(pod, 'other', 5));
  assert.ok(!isPodUpdated(pod, '', undefined));
});

test('nodesToDaemonPods: grouped by the target node; deleted terminal pods only on request', () => {
  const p = (name: string, nodeName: string | undefined, extra: JsonObject = {}): KObject => ({ metadata: { name, ...(extra.metadata ?? {}) }, spec: { nodeName }, status: extra.status ?? { phase: 'Running' } });
  const pods = [
    p('a', 'n1'),
    p('b', 'n1'),
    p('c', undefined),
    p('d', 'n2', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Failed' } }),
    p('e', 'n2', { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' } }),
  ];
  const m = nodesToDaemonPods(pods, false);
  assert.deepEqual([...m].map(([n, ps]) => [n, ps.map((x) => x.metadata.name)]), [
    ['n1', ['a', 'b']],
    ['n2', ['e']],
  ]);
  assert.deepEqual(nodesToDaemonPods(pods, true).get('n2')!.map((x) => x.metadata.name), ['d', 'e']);
});
