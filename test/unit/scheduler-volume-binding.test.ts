// VolumeBinding's decisions with fake listers: PreFilter rejections, per-node Filter reasons as
// upstream words them, what Filter hands to Reserve, and the FailedScheduling message the cycle
// builds from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { SchedulerCache } from '../../src/scheduler/cache.js';
import { SchedulingAlgorithm } from '../../src/scheduler/cycle.js';
import { podInfoOf, SKIP } from '../../src/scheduler/framework.js';
import type { NodeInfo } from '../../src/scheduler/node-info.js';
import { defaultProfile } from '../../src/scheduler/plugins/default-plugins.js';
import {
  ERR_REASON_BIND_CONFLICT,
  ERR_REASON_NODE_CONFLICT,
  ERR_REASON_PV_NOT_EXIST,
  ERR_UNBOUND_IMMEDIATE,
  podVolumesFor,
  volumeBinding,
  type VolumeListers,
} from '../../src/scheduler/plugins/volume-binding.js';
import { QuantityParser } from '../../src/scheduler/pod-resources.js';

const UNRESOLVABLE = 'UnschedulableAndUnresolvable';
const NS = 'default';

class FakeListers implements VolumeListers {
  claims = new Map<string, KObject>();
  pvs = new Map<string, KObject>();
  classes = new Map<string, KObject>();
  claim(ns: string, name: string) {
    return this.claims.get(`${ns}/${name}`);
  }
  volume(name: string) {
    return this.pvs.get(name);
  }
  volumes() {
    return this.pvs.values();
  }
  storageClass(name: string) {
    return this.classes.get(name);
  }
  addClass(name: string, mode: string, extra: JsonObject = {}) {
    this.classes.set(name, { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'rancher.io/local-path', volumeBindingMode: mode, ...extra });
  }
  addClaim(name: string, o: { cls?: string; size?: string; volumeName?: string; bound?: boolean; annotations?: Record<string, string>; deleting?: boolean; owner?: string } = {}) {
    const annotations: Record<string, string> = { ...(o.annotations ?? {}) };
    if (o.bound) annotations['pv.kubernetes.io/bind-completed'] = 'yes';
    const c: KObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name, namespace: NS, uid: `uid-${name}`, annotations, ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}), ...(o.owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'x', uid: o.owner, controller: true }] } : {}) },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: o.size ?? '1Gi' } }, storageClassName: o.cls ?? 'wffc', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
      status: { phase: o.bound ? 'Bound' : 'Pending' },
    };
    this.claims.set(`${NS}/${name}`, c);
    return c;
  }
  addPV(name: string, o: { cls?: string; size?: string; host?: string; claimRef?: JsonObject; phase?: string } = {}) {
    const pv: KObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name },
      spec: {
        capacity: { storage: o.size ?? '1Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: o.cls ?? 'wffc',
        hostPath: { path: `/tmp/${name}` },
        ...(o.host ? { nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [o.host] }] }] } } } : {}),
        ...(o.claimRef ? { claimRef: o.claimRef } : {}),
      },
      status: { phase: o.phase ?? 'Available' },
    };
    this.pvs.set(name, pv);
    return pv;
  }
}

function mkNode(name: string, labels: Record<string, string> = { 'kubernetes.io/hostname': name }): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels }, spec: {}, status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, conditions: [{ type: 'Ready', status: 'True' }] } };
}

function mkPod(volumes: JsonObject[], name = 'p'): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, uid: `uid-${name}` }, spec: { containers: [{ name: 'c', image: 'x' }], volumes } };
}

const pvcVol = (claimName: string, name = claimName) => ({ name, persistentVolumeClaim: { claimName } });

function setup(nodeNames = ['n1', 'n2']) {
  const l = new FakeListers();
  l.addClass('wffc', 'WaitForFirstConsumer');
  l.addClass('immediate', 'Immediate');
  const cache = new SchedulerCache(new QuantityParser());
  for (const n of nodeNames) cache.setNode(mkNode(n));
  const plugin = volumeBinding(l);
  /** PreFilter then Filter on each node: 'skip', the PreFilter rejection, or per-node results. */
  const run = (pod: KObject): unknown => {
    const pi = podInfoOf(pod, cache.usageOf(pod));
    const state = new Map<string, unknown>();
    const pre = plugin.preFilter!(pi, state);
    if (pre === SKIP) return 'skip';
    if (pre && 'code' in pre) return { prefilter: pre.reasons, code: pre.code };
    const out: Record<string, unknown> = {};
    for (const n of nodeNames) {
      const s = plugin.filter!(pi, cache.node(n) as NodeInfo, state);
      out[n] = s ? { reasons: s.reasons, code: s.code } : podVolumesFor(state, n);
    }
    return out;
  };
  return { l, cache, plugin, run };
}

test('VolumeBinding PreFilter: pods without claims skip; missing, deleted, lost and immediate claims reject the pod', () => {
  const { l, run } = setup();
  assert.equal(run(mkPod([])), 'skip');
  assert.equal(run(mkPod([{ name: 'e', emptyDir: {} }])), 'skip');
  assert.deepEqual(run(mkPod([pvcVol('nope')])), { prefilter: ['persistentvolumeclaim "nope" not found'], code: UNRESOLVABLE });
  l.addClaim('gone', { deleting: true });
  assert.deepEqual(run(mkPod([pvcVol('gone')])), { prefilter: ['persistentvolumeclaim "gone" is being deleted'], code: UNRESOLVABLE });
  const lost = l.addClaim('lost', { volumeName: 'pv-x', bound: true });
  lost.status.phase = 'Lost';
  assert.deepEqual(run(mkPod([pvcVol('lost')])), { prefilter: ['persistentvolumeclaim "lost" bound to non-existent persistentvolume "pv-x"'], code: UNRESOLVABLE });
  l.addClaim('imm', { cls: 'immediate' });
  assert.deepEqual(run(mkPod([pvcVol('imm')])), { prefilter: [ERR_UNBOUND_IMMEDIATE], code: UNRESOLVABLE });
  // No class, or a class that does not exist: immediate as well.
  l.addClaim('noclass', { cls: '' });
  assert.deepEqual(run(mkPod([pvcVol('noclass')])), { prefilter: [ERR_UNBOUND_IMMEDIATE], code: UNRESOLVABLE });
  l.addClaim('unknown-class', { cls: 'nosuch' });
  assert.deepEqual(run(mkPod([pvcVol('unknown-class')])), { prefilter: [ERR_UNBOUND_IMMEDIATE], code: UNRESOLVABLE });
});

test('VolumeBinding PreFilter: generic ephemeral volumes use <pod>-<volume> claims owned by the pod', () => {
  const { l, run } = setup();
  const eph = { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } };
  assert.deepEqual(run(mkPod([eph], 'web')), { prefilter: ['waiting for ephemeral volume controller to create the persistentvolumeclaim "web-scratch"'], code: UNRESOLVABLE });
  l.addClaim('web-scratch', { owner: 'someone-else' });
  assert.deepEqual(run(mkPod([eph], 'web')), { prefilter: ['PVC default/web-scratch was not created for pod default/web (pod is not owner)'], code: UNRESOLVABLE });
  l.addClaim('web-scratch', { owner: 'uid-web' });
  const r = run(mkPod([eph], 'web')) as Record<string, { provisions: KObject[] }>;
  assert.equal(r.n1.provisions[0].metadata.name, 'web-scratch');
});

test('VolumeBinding Filter: a bound claim fits only where its PV node affinity allows; a missing PV fits nowhere', () => {
  const { l, run } = setup();
  l.addClaim('data', { volumeName: 'pv-1', bound: true });
  l.addPV('pv-1', { host: 'n2', claimRef: { namespace: NS, name: 'data', uid: 'uid-data' }, phase: 'Bound' });
  assert.deepEqual(run(mkPod([pvcVol('data')])), {
    n1: { reasons: [ERR_REASON_NODE_CONFLICT], code: UNRESOLVABLE },
    n2: { staticBindings: [], provisions: [] },
  });
  l.addClaim('orphan', { volumeName: 'pv-missing', bound: true });
  const r = run(mkPod([pvcVol('orphan')])) as Record<string, unknown>;
  assert.deepEqual(r.n1, { reasons: [ERR_REASON_PV_NOT_EXIST], code: UNRESOLVABLE });
});

test('VolumeBinding Filter: an unbound WaitForFirstConsumer claim takes the smallest fitting Available PV reachable from the node, else provisioning', () => {
  const { l, run } = setup();
  l.addClaim('data', { size: '2Gi' });
  l.addPV('small', { size: '1Gi', host: 'n1' });
  l.addPV('big-n1', { size: '10Gi', host: 'n1' });
  l.addPV('fit-n1', { size: '3Gi', host: 'n1' });
  l.addPV('other-class', { size: '2Gi', cls: 'gold', host: 'n1' });
  l.addPV('taken', { size: '2Gi', host: 'n1', claimRef: { namespace: NS, name: 'someone', uid: 'u' } });
  const r = run(mkPod([pvcVol('data')])) as Record<string, { staticBindings: { pv: KObject }[]; provisions: KObject[] }>;
  assert.deepEqual(r.n1.staticBindings.map((b) => b.pv.metadata.name), ['fit-n1']);
  assert.deepEqual(r.n1.provisions, []);
  // n2 has no PV: the class provisions there.
  assert.deepEqual(r.n2.staticBindings, []);
  assert.deepEqual(r.n2.provisions.map((c) => c.metadata.name), ['data']);
});

test('VolumeBinding Filter: two claims of one pod never get the same PV', () => {
  const { l, run } = setup(['n1']);
  l.classes.get('wffc')!.provisioner = 'kubernetes.io/no-provisioner';
  l.addClaim('a');
  l.addClaim('b');
  l.addPV('only', { host: 'n1' });
  assert.deepEqual(run(mkPod([pvcVol('a'), pvcVol('b')])), { n1: { reasons: [ERR_REASON_BIND_CONFLICT], code: UNRESOLVABLE } });
  l.addPV('second', { host: 'n1' });
  const r = run(mkPod([pvcVol('a'), pvcVol('b')])) as Record<string, { staticBindings: { pv: KObject; pvc: KObject }[] }>;
  assert.deepEqual(r.n1.staticBindings.map((b) => [b.pvc.metadata.name, b.pv.metadata.name]).sort(), [['a', 'only'], ['b', 'second']]);
});

test('VolumeBinding Filter: no-provisioner classes and allowedTopologies decide where provisioning may happen', () => {
  const { l, run } = setup();
  l.addClass('manual', 'WaitForFirstConsumer', { provisioner: 'kubernetes.io/no-provisioner' });
  l.addClaim('m', { cls: 'manual' });
  l.addPV('local-n2', { cls: 'manual', host: 'n2' });
  const r = run(mkPod([pvcVol('m')])) as Record<string, unknown>;
  assert.deepEqual(r.n1, { reasons: [ERR_REASON_BIND_CONFLICT], code: UNRESOLVABLE });
  assert.equal((r.n2 as { staticBindings: { pv: KObject }[] }).staticBindings[0].pv.metadata.name, 'local-n2');

  l.addClass('zonal', 'WaitForFirstConsumer', { allowedTopologies: [{ matchLabelExpressions: [{ key: 'kubernetes.io/hostname', values: ['n2'] }] }] });
  l.addClaim('z', { cls: 'zonal' });
  const z = run(mkPod([pvcVol('z')])) as Record<string, unknown>;
  assert.deepEqual(z.n1, { reasons: [ERR_REASON_BIND_CONFLICT], code: UNRESOLVABLE });
  assert.deepEqual((z.n2 as { provisions: KObject[] }).provisions.map((c) => c.metadata.name), ['z']);
});

test('VolumeBinding Filter: a claim that already has a selected node fits that node only', () => {
  const { l, run } = setup();
  l.addClaim('data', { annotations: { 'volume.kubernetes.io/selected-node': 'n2' } });
  const r = run(mkPod([pvcVol('data')])) as Record<string, unknown>;
  assert.deepEqual(r.n1, { reasons: [ERR_REASON_BIND_CONFLICT], code: UNRESOLVABLE });
  assert.deepEqual((r.n2 as { provisions: KObject[] }).provisions.map((c) => c.metadata.name), ['data']);
});

test('VolumeBinding in the cycle: FailedScheduling messages as upstream words them', () => {
  const l = new FakeListers();
  l.addClass('wffc', 'WaitForFirstConsumer', { provisioner: 'kubernetes.io/no-provisioner' });
  const cache = new SchedulerCache(new QuantityParser());
  for (const n of ['n1', 'n2', 'n3']) cache.setNode(mkNode(n));
  const algo = new SchedulingAlgorithm(cache, defaultProfile(volumeBinding(l)), { random: () => 0 });
  const schedule = (pod: KObject) => algo.schedule(podInfoOf(pod, cache.usageOf(pod)));

  const missing = schedule(mkPod([pvcVol('nope')]));
  assert.equal(missing.kind, 'unschedulable');
  assert.equal(
    missing.kind === 'unschedulable' && missing.message,
    '0/3 nodes are available: persistentvolumeclaim "nope" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  );
  assert.deepEqual(missing.kind === 'unschedulable' && [...missing.plugins], ['VolumeBinding']);

  l.addClaim('data', { volumeName: 'pv-1', bound: true });
  l.addPV('pv-1', { host: 'n3', claimRef: { namespace: NS, name: 'data', uid: 'uid-data' }, phase: 'Bound' });
  const placed = schedule(mkPod([pvcVol('data')]));
  assert.equal(placed.kind === 'scheduled' && placed.node.name, 'n3');

  l.addPV('pv-1', { host: 'n-gone', claimRef: { namespace: NS, name: 'data', uid: 'uid-data' }, phase: 'Bound' });
  const conflict = schedule(mkPod([pvcVol('data')]));
  assert.equal(
    conflict.kind === 'unschedulable' && conflict.message,
    '0/3 nodes are available: 3 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
  );

  l.addClaim('unbound');
  const nothing = schedule(mkPod([pvcVol('unbound')]));
  assert.equal(
    nothing.kind === 'unschedulable' && nothing.message,
    "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
  );
});
