// Filter plugins, table-driven, with upstream's exact reasons and status codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { podInfoOf, SKIP, type Plugin } from '../../src/scheduler/framework.js';
import type { NodeInfo } from '../../src/scheduler/node-info.js';
import { nodeAffinity } from '../../src/scheduler/plugins/node-affinity.js';
import { nodeName } from '../../src/scheduler/plugins/node-name.js';
import { nodePorts } from '../../src/scheduler/plugins/node-ports.js';
import { nodeUnschedulable } from '../../src/scheduler/plugins/node-unschedulable.js';
import { taintToleration } from '../../src/scheduler/plugins/taint-toleration.js';
import { QuantityParser } from '../../src/scheduler/pod-resources.js';

const READY = [{ type: 'Ready', status: 'True' }];

function mkNode(name: string, o: { labels?: Record<string, string>; spec?: JsonObject; conditions?: JsonObject[] } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: o.labels ?? {} },
    spec: o.spec ?? {},
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: o.conditions ?? READY },
  };
}

function mkPod(spec: JsonObject = {}, name = 'p'): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { containers: [{ name: 'c', image: 'x' }], ...spec } };
}

/** Runs PreFilter then Filter; returns 'skip', the prefilter outcome, or the filter's reasons/code. */
function run(plugin: Plugin, pod: KObject, node: KObject, cache = new SchedulerCache(new QuantityParser())): unknown {
  cache.setNode(node);
  const info = cache.node(node.metadata.name!) as NodeInfo;
  const pi = podInfoOf(pod, cache.usageOf(pod));
  const state = new Map<string, unknown>();
  const pre = plugin.preFilter?.(pi, state);
  if (pre === SKIP) return 'skip';
  if (pre && 'code' in pre) return { prefilter: pre.reasons, code: pre.code };
  const s = plugin.filter!(pi, info, state);
  return s ? { reasons: s.reasons, code: s.code } : 'fit';
}

const UNRESOLVABLE = 'UnschedulableAndUnresolvable';

test('NodeUnschedulable', () => {
  const cordoned = mkNode('n1', { spec: { unschedulable: true } });
  const cases: [string, KObject, KObject, unknown][] = [
    ['schedulable node', mkPod(), mkNode('n1'), 'fit'],
    ['cordoned node', mkPod(), cordoned, { reasons: ['node(s) were unschedulable'], code: UNRESOLVABLE }],
    ['toleration of the unschedulable taint', mkPod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }), cordoned, 'fit'],
    ['wildcard toleration', mkPod({ tolerations: [{ operator: 'Exists' }] }), cordoned, 'fit'],
    ['toleration with another effect', mkPod({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] }), cordoned, { reasons: ['node(s) were unschedulable'], code: UNRESOLVABLE }],
  ];
  for (const [name, pod, node, want] of cases) assert.deepEqual(run(nodeUnschedulable, pod, node), want, name);
});

test('NodeName', () => {
  assert.equal(run(nodeName, mkPod(), mkNode('n1')), 'skip');
  assert.equal(run(nodeName, mkPod({ nodeName: 'n1' }), mkNode('n1')), 'fit');
  assert.deepEqual(run(nodeName, mkPod({ nodeName: 'n2' }), mkNode('n1')), { reasons: ["node(s) didn't match the requested node name"], code: UNRESOLVABLE });
});

test('TaintToleration filter, including nodes that are not Ready', () => {
  const taint = (key: string, value: string | undefined, effect: string) => ({ key, value, effect });
  const cases: [string, KObject, KObject, unknown][] = [
    ['no taints', mkPod(), mkNode('n1'), 'fit'],
    ['NoSchedule taint', mkPod(), mkNode('n1', { spec: { taints: [taint('dedicated', 'gpu', 'NoSchedule')] } }), { reasons: ['node(s) had untolerated taint {dedicated: gpu}'], code: UNRESOLVABLE }],
    ['taint without a value', mkPod(), mkNode('n1', { spec: { taints: [taint('node-role.kubernetes.io/control-plane', undefined, 'NoSchedule')] } }), { reasons: ['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'], code: UNRESOLVABLE }],
    ['NoExecute taint', mkPod(), mkNode('n1', { spec: { taints: [taint('k', 'v', 'NoExecute')] } }), { reasons: ['node(s) had untolerated taint {k: v}'], code: UNRESOLVABLE }],
    ['PreferNoSchedule only scores', mkPod(), mkNode('n1', { spec: { taints: [taint('k', 'v', 'PreferNoSchedule')] } }), 'fit'],
    ['Equal toleration', mkPod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }), mkNode('n1', { spec: { taints: [taint('dedicated', 'gpu', 'NoSchedule')] } }), 'fit'],
    ['empty operator means Equal', mkPod({ tolerations: [{ key: 'dedicated', value: 'gpu' }] }), mkNode('n1', { spec: { taints: [taint('dedicated', 'gpu', 'NoSchedule')] } }), 'fit'],
    ['Equal toleration, other value', mkPod({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'cpu' }] }), mkNode('n1', { spec: { taints: [taint('dedicated', 'gpu', 'NoSchedule')] } }), { reasons: ['node(s) had untolerated taint {dedicated: gpu}'], code: UNRESOLVABLE }],
    ['first untolerated taint in node order', mkPod({ tolerations: [{ key: 'a', operator: 'Exists' }] }), mkNode('n1', { spec: { taints: [taint('a', '1', 'NoSchedule'), taint('b', '2', 'NoSchedule'), taint('c', '3', 'NoSchedule')] } }), { reasons: ['node(s) had untolerated taint {b: 2}'], code: UNRESOLVABLE }],
    ['NotReady node', mkPod(), mkNode('n1', { conditions: [{ type: 'Ready', status: 'False' }] }), { reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'], code: UNRESOLVABLE }],
    ['Ready Unknown node', mkPod(), mkNode('n1', { conditions: [{ type: 'Ready', status: 'Unknown' }] }), { reasons: ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }'], code: UNRESOLVABLE }],
    ['node without a Ready condition', mkPod(), mkNode('n1', { conditions: [] }), { reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'], code: UNRESOLVABLE }],
    // The default NoExecute tolerations every pod gets do not cover the NoSchedule taint.
    ['default NoExecute tolerations do not help', mkPod({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] }), mkNode('n1', { conditions: [{ type: 'Ready', status: 'False' }] }), { reasons: ['node(s) had untolerated taint {node.kubernetes.io/not-ready: }'], code: UNRESOLVABLE }],
    ['tolerating not-ready NoSchedule', mkPod({ tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }] }), mkNode('n1', { conditions: [{ type: 'Ready', status: 'False' }] }), 'fit'],
  ];
  for (const [name, pod, node, want] of cases) assert.deepEqual(run(taintToleration, pod, node), want, name);
});

test('NodeAffinity filter: nodeSelector and required terms', () => {
  const REJECT = { reasons: ["node(s) didn't match Pod's node affinity/selector"], code: UNRESOLVABLE };
  const req = (...terms: JsonObject[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } } });
  const expr = (key: string, operator: string, values?: string[]) => ({ matchExpressions: [{ key, operator, values }] });
  const node = mkNode('n1', { labels: { disktype: 'ssd', zone: 'a', cores: '8' } });
  const cases: [string, KObject, unknown][] = [
    ['no selector at all', mkPod(), 'skip'],
    ['matching nodeSelector', mkPod({ nodeSelector: { disktype: 'ssd' } }), 'fit'],
    ['nodeSelector with other value', mkPod({ nodeSelector: { disktype: 'hdd' } }), REJECT],
    ['nodeSelector on a missing label', mkPod({ nodeSelector: { gpu: 'true' } }), REJECT],
    ['In', mkPod(req(expr('zone', 'In', ['a', 'b']))), 'fit'],
    ['In, no match', mkPod(req(expr('zone', 'In', ['b']))), REJECT],
    ['NotIn', mkPod(req(expr('zone', 'NotIn', ['b']))), 'fit'],
    ['NotIn on a missing label matches', mkPod(req(expr('rack', 'NotIn', ['x']))), 'fit'],
    ['Exists', mkPod(req(expr('zone', 'Exists'))), 'fit'],
    ['DoesNotExist', mkPod(req(expr('zone', 'DoesNotExist'))), REJECT],
    ['Gt', mkPod(req(expr('cores', 'Gt', ['4']))), 'fit'],
    ['Gt, not greater', mkPod(req(expr('cores', 'Gt', ['8']))), REJECT],
    ['Lt', mkPod(req(expr('cores', 'Lt', ['16']))), 'fit'],
    ['Gt on a non-integer label', mkPod(req(expr('zone', 'Gt', ['1']))), REJECT],
    ['terms are ORed', mkPod(req(expr('zone', 'In', ['x']), expr('disktype', 'In', ['ssd']))), 'fit'],
    ['an invalid term does not match, others still count', mkPod(req(expr('zone', 'Bogus', ['a']), expr('disktype', 'In', ['ssd']))), 'fit'],
    ['an empty term matches nothing', mkPod(req({})), REJECT],
    ['matchFields metadata.name', mkPod(req({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] })), 'fit'],
    ['matchFields NotIn', mkPod(req({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] })), REJECT],
    ['nodeSelector and affinity both apply', mkPod({ nodeSelector: { disktype: 'hdd' }, ...req(expr('zone', 'In', ['a'])) }), REJECT],
    ['names that cannot overlap reject in PreFilter', mkPod(req({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }, { key: 'metadata.name', operator: 'In', values: ['b'] }] })), { prefilter: ['pod affinity terms conflict'], code: UNRESOLVABLE }],
  ];
  for (const [name, pod, want] of cases) assert.deepEqual(run(nodeAffinity, pod, node), want, name);
});

test('NodeAffinity PreFilter narrows to pinned node names', () => {
  const pod = mkPod({
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }],
        },
      },
    },
  });
  const cache = new SchedulerCache(new QuantityParser());
  const out = nodeAffinity.preFilter!(podInfoOf(pod, cache.usageOf(pod)), new Map()) as { nodeNames: Set<string> };
  assert.deepEqual([...out.nodeNames].sort(), ['n1', 'n2']);
});

test('NodePorts', () => {
  const withPort = (hostPort: number, o: JsonObject = {}) => mkPod({ containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort, ...o }] }] }, `p${hostPort}${o.hostIP ?? ''}${o.protocol ?? ''}`);
  const REJECT = { reasons: ["node(s) didn't have free ports for the requested pod ports"], code: 'Unschedulable' };
  const cases: [string, KObject[], KObject, unknown][] = [
    ['no host ports', [withPort(8080)], mkPod(), 'skip'],
    ['free port', [withPort(8080)], withPort(8081), 'fit'],
    ['same port', [withPort(8080)], withPort(8080), REJECT],
    ['same port, other protocol', [withPort(8080)], withPort(8080, { protocol: 'UDP' }), 'fit'],
    ['specific ips differ', [withPort(8080, { hostIP: '10.0.0.1' })], withPort(8080, { hostIP: '10.0.0.2' }), 'fit'],
    ['0.0.0.0 conflicts with any ip', [withPort(8080, { hostIP: '10.0.0.1' })], withPort(8080), REJECT],
    ['any ip conflicts with 0.0.0.0', [withPort(8080)], withPort(8080, { hostIP: '10.0.0.1' }), REJECT],
  ];
  for (const [name, existing, pod, want] of cases) {
    const cache = new SchedulerCache(new QuantityParser());
    cache.setNode(mkNode('n1'));
    for (const e of existing) cache.setBoundPod({ ...e, spec: { ...e.spec, nodeName: 'n1' } });
    assert.deepEqual(run(nodePorts, pod, mkNode('n1'), cache), want, name);
  }
});
