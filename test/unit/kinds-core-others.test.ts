import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { configMapKind } from '../../src/kinds/core/config-map.js';
import { eventKind } from '../../src/kinds/core/event.js';
import { namespaceKind } from '../../src/kinds/core/namespace.js';
import { nodeKind } from '../../src/kinds/core/node.js';
import { persistentVolumeClaimKind } from '../../src/kinds/core/persistent-volume-claim.js';
import { persistentVolumeKind } from '../../src/kinds/core/persistent-volume.js';
import { replicationControllerKind } from '../../src/kinds/core/replication-controller.js';
import { secretKind } from '../../src/kinds/core/secret.js';
import { serviceKind } from '../../src/kinds/core/service.js';
import { validateBinding } from '../../src/kinds/core/index.js';
import { miscKinds } from '../../src/kinds/misc/index.js';
import { NOW, ago, create, update } from './kinds-core-helpers.js';

const tpl = (labels: Record<string, string>, spec: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], ...spec },
});

test('ReplicationController defaults selector, labels and replicas from the template', () => {
  const { obj, errors } = create(replicationControllerKind, { metadata: { name: 'rc' }, spec: { template: tpl({ app: 'web' }) } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec.selector, { app: 'web' });
  assert.deepEqual(obj.metadata.labels, { app: 'web' });
  assert.equal(obj.spec.replicas, 1);
  assert.equal(obj.spec.template.spec.restartPolicy, 'Always');
  assert.equal(obj.spec.template.spec.enableServiceLinks, undefined);
  assert.deepEqual(obj.status, { replicas: 0 });
});

test('ReplicationController validation', () => {
  const mismatch = create(replicationControllerKind, { metadata: { name: 'rc' }, spec: { selector: { app: 'db' }, template: tpl({ app: 'web' }) } });
  assert.deepEqual(mismatch.errors, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']);
  const never = create(replicationControllerKind, { metadata: { name: 'rc' }, spec: { template: tpl({ app: 'web' }, { restartPolicy: 'Never', activeDeadlineSeconds: 5 }) } });
  assert.deepEqual(never.errors, [
    'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicationController is not Supported',
  ]);
  const neg = create(replicationControllerKind, { metadata: { name: 'rc' }, spec: { replicas: -1, template: tpl({ app: 'web' }) } });
  assert.deepEqual(neg.errors, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  const noTemplate = create(replicationControllerKind, { metadata: { name: 'rc' }, spec: {} });
  assert.deepEqual(noTemplate.errors, ['spec.selector: Required value', 'spec.template: Required value']);
});

test('ReplicationController scale and table', () => {
  const { obj } = create(replicationControllerKind, { metadata: { name: 'rc', creationTimestamp: ago(3_600_000) }, spec: { replicas: 3, template: tpl({ app: 'web', tier: 'fe' }) } });
  const scale = replicationControllerKind.scale!;
  assert.equal(scale.specReplicas(obj), 3);
  assert.equal(scale.selector(obj), 'app=web,tier=fe');
  scale.setSpecReplicas(obj, 5);
  assert.equal(obj.spec.replicas, 5);
  obj.status = { replicas: 5, readyReplicas: 2 };
  assert.deepEqual(replicationControllerKind.table!.row(obj, NOW), ['rc', 5, 5, 2, '60m', 'web', 'nginx:1.25', 'app=web,tier=fe']);
  const bad = replicationControllerKind.status!.validateUpdate!({ ...obj, status: { replicas: 1, readyReplicas: 2 } }, obj, { now: NOW, operation: 'update' }).map(String);
  assert.deepEqual(bad, ['status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas']);
});

test('Service defaults and allocation', () => {
  const { obj, errors } = create(serviceKind, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
  assert.deepEqual(errors, []);
  const s = obj.spec;
  assert.equal(s.type, 'ClusterIP');
  assert.equal(s.sessionAffinity, 'None');
  assert.deepEqual(s.ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  assert.match(s.clusterIP, /^10\.(9[6-9]|10[0-9]|11[01])\.\d+\.\d+$/);
  assert.deepEqual(s.clusterIPs, [s.clusterIP]);
  assert.deepEqual(s.ipFamilies, ['IPv4']);
  assert.equal(s.ipFamilyPolicy, 'SingleStack');
  assert.equal(s.internalTrafficPolicy, 'Cluster');
  assert.deepEqual(obj.status, { loadBalancer: {} });
  assert.deepEqual(serviceKind.table!.row(obj, NOW), ['web', 'ClusterIP', s.clusterIP, '<none>', '80/TCP', '5m', 'app=web']);

  const np = create(serviceKind, { metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } });
  assert.deepEqual(np.errors, []);
  const nodePort = np.obj.spec.ports[0].nodePort;
  assert.ok(nodePort >= 30000 && nodePort <= 32767);
  assert.equal(np.obj.spec.externalTrafficPolicy, 'Cluster');
  assert.equal(serviceKind.table!.row(np.obj, NOW)[4], `80:${nodePort}/TCP`);
  const lb = create(serviceKind, { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 443 }] } });
  assert.equal(serviceKind.table!.row(lb.obj, NOW)[3], '<pending>');
  assert.equal(lb.obj.spec.allocateLoadBalancerNodePorts, true);
});

test('Service validation and immutable cluster IP', () => {
  const two = create(serviceKind, { metadata: { name: 'x' }, spec: { ports: [{ port: 80 }, { port: 80, name: 'b' }] } });
  assert.deepEqual(two.errors, [
    'spec.ports[0].name: Required value',
    'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  ]);
  const noPorts = create(serviceKind, { metadata: { name: 'x' }, spec: { selector: { app: 'a' } } });
  assert.deepEqual(noPorts.errors, ['spec.ports: Required value']);
  const { obj: old } = create(serviceKind, { metadata: { name: 'x' }, spec: { ports: [{ port: 80 }] } });
  const keep = JSON.parse(JSON.stringify(old));
  delete keep.spec.clusterIP;
  delete keep.spec.clusterIPs;
  const kept = update(serviceKind, old, keep);
  assert.deepEqual(kept.errors, []);
  assert.equal(kept.obj.spec.clusterIP, old.spec.clusterIP);
  const change = JSON.parse(JSON.stringify(old));
  change.spec.clusterIP = '10.96.0.99';
  change.spec.clusterIPs = ['10.96.0.99'];
  assert.deepEqual(update(serviceKind, old, change).errors, ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.99"}: may not change once set']);
  assert.equal(serviceKind.nameValidation, 'dns1035');
});

test('Namespace: finalizer, phase, name label, table', () => {
  const { obj, errors } = create(namespaceKind, { metadata: { name: 'team-a' } });
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, { finalizers: ['kubernetes'] });
  assert.deepEqual(obj.status, { phase: 'Active' });
  assert.equal(obj.metadata.labels?.['kubernetes.io/metadata.name'], 'team-a');
  assert.equal(namespaceKind.nameValidation, 'label');
  assert.deepEqual(namespaceKind.table!.row(obj, NOW), ['team-a', 'Active', '5m']);
  const next = JSON.parse(JSON.stringify(obj));
  next.spec.finalizers = [];
  assert.deepEqual(update(namespaceKind, obj, next).obj.spec.finalizers, ['kubernetes']);
  const st = namespaceKind.status!.validateUpdate!({ ...obj, status: { phase: 'Terminating' } }, obj, { now: NOW, operation: 'update' }).map(String);
  assert.deepEqual(st, ['status.Phase: Invalid value: "Terminating": may only be \'Active\' if `deletionTimestamp` is empty']);
});

test('Secret: type default, stringData merge, key and base64 checks, immutable type', () => {
  const { obj, errors } = create(secretKind, { metadata: { name: 's' }, stringData: { password: 'hunter2' } });
  assert.deepEqual(errors, []);
  assert.equal(obj.type, 'Opaque');
  assert.deepEqual(obj.data, { password: Buffer.from('hunter2').toString('base64') });
  assert.equal(obj.stringData, undefined);
  const bad = create(secretKind, { metadata: { name: 's' }, data: { 'bad key': 'aGk=', ok: 'not base64!' } });
  assert.deepEqual(bad.errors, [
    'data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, \'-\', \'_\' or \'.\' (e.g. \'key.name\',  or \'KEY_NAME\',  or \'key-name\', regex used for validation is \'[-._a-zA-Z0-9]+\')',
    'data[ok]: Invalid value: "<secret contents redacted>": must be base64-encoded data',
  ]);
  const tls = create(secretKind, { metadata: { name: 't' }, type: 'kubernetes.io/tls', data: {} });
  assert.deepEqual(tls.errors, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']);
  const next = JSON.parse(JSON.stringify(obj));
  next.type = 'kubernetes.io/basic-auth';
  assert.ok(update(secretKind, obj, next).errors.includes('type: Invalid value: "kubernetes.io/basic-auth": field is immutable'));
  assert.deepEqual(secretKind.table!.row(obj, NOW), ['s', 'Opaque', 1, '5m']);
});

test('ConfigMap keys, duplicates with binaryData, immutability', () => {
  const dup = create(configMapKind, { metadata: { name: 'c' }, data: { a: '1' }, binaryData: { a: 'MQ==' } });
  assert.deepEqual(dup.errors, ['data[a]: Invalid value: "a": duplicate of key present in binaryData']);
  const { obj } = create(configMapKind, { metadata: { name: 'c' }, data: { a: '1' }, immutable: true });
  const next = JSON.parse(JSON.stringify(obj));
  next.data.a = '2';
  assert.deepEqual(update(configMapKind, obj, next).errors, ['data: Forbidden: field is immutable when `immutable` is set']);
  assert.deepEqual(configMapKind.table!.row(obj, NOW), ['c', 1, '5m']);
});

test('PersistentVolumeClaim defaults, validation, immutability, table', () => {
  const { obj, errors } = create(persistentVolumeClaimKind, { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.volumeMode, 'Filesystem');
  assert.deepEqual(obj.status, { phase: 'Pending' });
  assert.deepEqual(persistentVolumeClaimKind.table!.row(obj, NOW), ['data', 'Pending', '', '', '', '', '<unset>', '5m', 'Filesystem']);
  const empty = create(persistentVolumeClaimKind, { metadata: { name: 'x' }, spec: {} });
  assert.deepEqual(empty.errors, ['spec.accessModes: Required value: at least 1 access mode is required', 'spec.resources[storage]: Required value']);
  const next = JSON.parse(JSON.stringify(obj));
  next.spec.accessModes = ['ReadWriteMany'];
  const errs = update(persistentVolumeClaimKind, obj, next).errors;
  assert.equal(errs.length, 1);
  assert.ok(errs[0].startsWith('spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n'));
  const bound = JSON.parse(JSON.stringify(obj));
  bound.spec.volumeName = 'pv-1';
  bound.status = { phase: 'Bound', accessModes: ['ReadWriteOnce', 'ReadWriteOncePod'], capacity: { storage: '1Gi' } };
  assert.deepEqual(persistentVolumeClaimKind.table!.row(bound, NOW).slice(1, 5), ['Bound', 'pv-1', '1Gi', 'RWO,RWOP']);
});

test('PersistentVolume defaults, validation, table', () => {
  const { obj, errors } = create(persistentVolumeKind, {
    metadata: { name: 'pv1' },
    spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' }, claimRef: { namespace: 'default', name: 'data' } },
  });
  assert.deepEqual(errors, []);
  assert.equal(obj.spec.persistentVolumeReclaimPolicy, 'Retain');
  assert.equal(obj.spec.volumeMode, 'Filesystem');
  assert.equal(obj.status.phase, 'Pending');
  assert.deepEqual(persistentVolumeKind.table!.row(obj, NOW), ['pv1', '5Gi', 'RWO', 'Retain', 'Pending', 'default/data', '', '<unset>', '', '5m', 'Filesystem']);
  const none = create(persistentVolumeKind, { metadata: { name: 'pv2' }, spec: { accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } } });
  assert.deepEqual(none.errors, ['spec: Required value: must specify a volume type']);
});

test('Node: taints, table status and roles, field selector', () => {
  const bad = create(nodeKind, { metadata: { name: 'n1' }, spec: { taints: [{ key: 'a', effect: 'Sometimes' }] } });
  assert.deepEqual(bad.errors, ['metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"']);
  const node = {
    metadata: { name: 'n1', creationTimestamp: ago(2 * 86_400_000), labels: { 'node-role.kubernetes.io/control-plane': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
      nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian', kernelVersion: '6.1', containerRuntimeVersion: 'k8ts://0.1' },
    },
  } as KObject;
  assert.deepEqual(nodeKind.table!.row(node, NOW), ['n1', 'Ready,SchedulingDisabled', 'control-plane', '2d', 'v1.32.0', '192.168.1.10', '<none>', 'Debian', '6.1', 'k8ts://0.1']);
  assert.equal(nodeKind.fieldSelectors!['spec.unschedulable'](node), 'true');
  node.status.conditions = [{ type: 'Ready', status: 'Unknown' }];
  assert.equal(nodeKind.table!.row(node, NOW)[1], 'NotReady,SchedulingDisabled');
  node.status.conditions = [];
  assert.equal(nodeKind.table!.row(node, NOW)[1], 'Unknown,SchedulingDisabled');
});

test('core Event: namespace rule, field selectors, table', () => {
  const ev = {
    metadata: { name: 'web.17a', namespace: 'default', creationTimestamp: ago(10 * 60_000) },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', fieldPath: 'spec.containers{app}' },
    reason: 'Pulled',
    message: 'Successfully pulled image "nginx"\n',
    source: { component: 'kubelet', host: 'node-1' },
    firstTimestamp: ago(10 * 60_000),
    lastTimestamp: ago(2 * 60_000),
    count: 3,
    type: 'Normal',
  } as KObject;
  assert.deepEqual(create(eventKind, ev).errors, []);
  const other = { ...ev, involvedObject: { ...ev.involvedObject, namespace: 'kube-system' } };
  assert.deepEqual(create(eventKind, other).errors, ['involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace']);
  assert.deepEqual(eventKind.table!.row(ev, NOW), ['2m', 'Normal', 'Pulled', 'pod/web', 'spec.containers{app}', 'kubelet, node-1', 'Successfully pulled image "nginx"', '10m', 3, 'web.17a']);
  assert.deepEqual(
    eventKind.table!.columns.map((c) => [c.name, c.priority]),
    [['Last Seen', 0], ['Type', 0], ['Reason', 0], ['Object', 0], ['Subobject', 1], ['Source', 1], ['Message', 0], ['First Seen', 1], ['Count', 1], ['Name', 1]],
  );
  const fs = eventKind.fieldSelectors!;
  assert.equal(fs['involvedObject.name'](ev), 'web');
  assert.equal(fs['source'](ev), 'kubelet');
  assert.equal(fs['involvedObject.uid'](ev), '');
});

test('pods/binding validation', () => {
  assert.deepEqual(validateBinding({ target: { kind: 'Pod', name: '' } }).map(String), [
    'target.kind: Unsupported value: "Pod": supported values: "Node", "<empty>"',
    'target.name: Required value',
  ]);
  assert.deepEqual(validateBinding({ target: { name: 'node-1' } }), []);
});

test('misc kinds: lease, events.k8s.io, runtimeclass, storageclass', () => {
  const byKind = Object.fromEntries(miscKinds.map((k) => [`${k.group}/${k.kind}`, k]));
  const lease = byKind['coordination.k8s.io/Lease'];
  assert.deepEqual(create(lease, { metadata: { name: 'n1', namespace: 'kube-node-lease' }, spec: { leaseDurationSeconds: 0 } }).errors, ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']);
  const l = create(lease, { metadata: { name: 'n1' }, spec: { holderIdentity: 'n1', leaseDurationSeconds: 40 } }).obj;
  assert.deepEqual(lease.table!.row(l, NOW), ['n1', 'n1', '5m']);

  const ev = byKind['events.k8s.io/Event'];
  assert.deepEqual(create(ev, { metadata: { name: 'e' }, regarding: { kind: 'Pod', name: 'p', namespace: 'default' }, type: 'Normal' }).errors, [
    'eventTime: Required value',
  ]);
  const good = create(ev, {
    metadata: { name: 'e' },
    regarding: { kind: 'Pod', name: 'p', namespace: 'default' },
    eventTime: ago(60_000),
    reportingController: 'k8ts.io/kubelet',
    reportingInstance: 'node-1',
    action: 'Pulling',
    reason: 'Pulling',
    note: 'Pulling image',
    type: 'Normal',
  });
  assert.deepEqual(good.errors, []);
  assert.deepEqual(ev.table!.row(good.obj, NOW).slice(0, 7), ['60s', 'Normal', 'Pulling', 'pod/p', '', 'k8ts.io/kubelet, node-1', 'Pulling image']);

  const rc = byKind['node.k8s.io/RuntimeClass'];
  assert.deepEqual(create(rc, { metadata: { name: 'gvisor' } }).errors, ['handler: Required value']);
  const sc = byKind['storage.k8s.io/StorageClass'];
  const s = create(sc, { metadata: { name: 'local', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }, provisioner: 'k8ts.io/local-path' });
  assert.deepEqual(s.errors, []);
  assert.deepEqual(sc.table!.row(s.obj, NOW), ['local (default)', 'k8ts.io/local-path', 'Delete', 'Immediate', false, '5m']);
  const changed = JSON.parse(JSON.stringify(s.obj));
  changed.reclaimPolicy = 'Retain';
  assert.deepEqual(update(sc, s.obj, changed).errors, ['reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.']);
});
