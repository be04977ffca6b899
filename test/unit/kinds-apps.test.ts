// apps/v1 kinds as a user sees them: stored defaults (compared with what `kubectl get -o yaml`
// shows on a v1.32 cluster, minus serialization-only fields such as `creationTimestamp: null`),
// validation messages exactly as kubectl prints them, update rules, status writes, tables.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { appsKinds } from '../../src/kinds/apps/index.js';
import { deploymentKind } from '../../src/kinds/apps/deployment.js';
import { replicaSetKind } from '../../src/kinds/apps/replicaset.js';
import { daemonSetKind } from '../../src/kinds/apps/daemonset.js';
import { statefulSetKind } from '../../src/kinds/apps/statefulset.js';
import { controllerRevisionKind } from '../../src/kinds/apps/controllerrevision.js';
import { NOW, ago, cells, create, created, update, updateStatus } from './kinds-workload-helpers.js';

const nginxContainer = { name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] };

/** The pod template a v1.32 server stores for `nginxContainer`. */
const defaultedTemplateSpec = {
  containers: [
    {
      name: 'nginx',
      image: 'nginx:1.14.2',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    },
  ],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

function deployment(spec: Record<string, unknown> = {}, name = 'nginx-deployment'): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: 'nginx' } },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer] } },
      ...spec,
    },
  };
}

function rs(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'frontend' }, spec: { ...(deployment().spec as object), ...spec } };
}

function ds(spec: Record<string, unknown> = {}): Record<string, unknown> {
  const { replicas: _r, ...rest } = deployment().spec as Record<string, unknown>;
  return { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'fluentd' }, spec: { ...rest, ...spec } };
}

function sts(spec: Record<string, unknown> = {}, name = 'web'): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: {
      serviceName: 'nginx',
      replicas: 3,
      selector: { matchLabels: { app: 'nginx' } },
      template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
}

test('discovery facts of the apps/v1 kinds', () => {
  const byKind = Object.fromEntries(appsKinds.map((k) => [k.kind, k]));
  assert.deepEqual(Object.keys(byKind).sort(), ['ControllerRevision', 'DaemonSet', 'Deployment', 'ReplicaSet', 'StatefulSet']);
  assert.deepEqual(byKind.Deployment.shortNames, ['deploy']);
  assert.deepEqual(byKind.ReplicaSet.shortNames, ['rs']);
  assert.deepEqual(byKind.DaemonSet.shortNames, ['ds']);
  assert.deepEqual(byKind.StatefulSet.shortNames, ['sts']);
  assert.equal(byKind.ControllerRevision.shortNames, undefined);
  for (const k of ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet']) {
    assert.deepEqual(byKind[k].categories, ['all'], k);
    assert.equal(byKind[k].generation, true, k);
    assert.ok(byKind[k].status, k);
    assert.equal(byKind[k].group, 'apps');
    assert.equal(byKind[k].version, 'v1');
  }
  assert.ok(byKind.Deployment.scale && byKind.ReplicaSet.scale && byKind.StatefulSet.scale);
  assert.equal(byKind.DaemonSet.scale, undefined);
  assert.equal(byKind.StatefulSet.nameValidation, 'label');
  assert.equal(byKind.ControllerRevision.status, undefined);
});

test('Deployment defaults match a v1.32 server', () => {
  const o = created(deploymentKind, deployment({ replicas: undefined }));
  assert.deepEqual(o.spec, {
    progressDeadlineSeconds: 600,
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'nginx' } },
    strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
    template: { metadata: { labels: { app: 'nginx' } }, spec: defaultedTemplateSpec },
  });
  assert.deepEqual(o.status, {});
  // Recreate gets no rollingUpdate block; explicit values are kept.
  const r = created(deploymentKind, deployment({ strategy: { type: 'Recreate' }, revisionHistoryLimit: 0 }));
  assert.deepEqual(r.spec.strategy, { type: 'Recreate' });
  assert.equal(r.spec.revisionHistoryLimit, 0);
  const partial = created(deploymentKind, deployment({ strategy: { rollingUpdate: { maxSurge: 1 } } }));
  assert.deepEqual(partial.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
});

test('Deployment validation messages', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      'missing selector',
      { selector: undefined },
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'],
    ],
    [
      'empty selector',
      { selector: {} },
      ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    ],
    [
      'selector not matching',
      { selector: { matchLabels: { app: 'web' } } },
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'],
    ],
    [
      'selector expression not matching',
      { selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web'] }] } },
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'],
    ],
    ['negative replicas', { replicas: -1 }, ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    [
      'maxSurge and maxUnavailable both 0',
      { strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ],
    [
      '"0%" counts as zero',
      { strategy: { rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 } } },
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'],
    ],
    [
      'bad percent',
      { strategy: { rollingUpdate: { maxSurge: 'lots' } } },
      [
        `spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"lots"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
      ],
    ],
    [
      'negative maxSurge',
      { strategy: { rollingUpdate: { maxSurge: -1 } } },
      ['spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'Recreate with rollingUpdate',
      { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } },
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"],
    ],
    [
      'unknown strategy type',
      { strategy: { type: 'BlueGreen' } },
      ['spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'],
    ],
    [
      'progress deadline not above minReadySeconds',
      { minReadySeconds: 600 },
      ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds'],
    ],
    ['negative revisionHistoryLimit', { revisionHistoryLimit: -1 }, ['spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0']],
    [
      'restartPolicy Never',
      { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer], restartPolicy: 'Never' } } },
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ],
    [
      'activeDeadlineSeconds',
      { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer], activeDeadlineSeconds: 30 } } },
      ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'],
    ],
    [
      'pod spec errors are reported with template paths',
      { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx' }] } } },
      ['spec.template.spec.containers[0].image: Required value'],
    ],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(create(deploymentKind, deployment(spec)).errors, want, name);
  // A maxUnavailable over 100% is refused (the bad value's rendering is intstr's).
  const over = create(deploymentKind, deployment({ strategy: { rollingUpdate: { maxUnavailable: '150%' } } })).errors;
  assert.equal(over.length, 1);
  assert.match(over[0], /^spec\.strategy\.rollingUpdate\.maxUnavailable: Invalid value: .*150%.*: must not be greater than 100%$/);
  // A surge above 100% is allowed.
  assert.deepEqual(create(deploymentKind, deployment({ strategy: { rollingUpdate: { maxSurge: '200%' } } })).errors, []);
});

test('Deployment updates: selector immutable, status kept, status writes validated', () => {
  const old = created(deploymentKind, deployment());
  const changed = update(deploymentKind, old, (o) => {
    o.spec.selector = { matchLabels: { app: 'nginx', tier: 'web' } };
    o.spec.template.metadata.labels.tier = 'web';
  });
  assert.deepEqual(changed.errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"nginx", "tier":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
  ]);
  // Scaling and template changes are fine, and a user cannot write status through the main resource.
  const withStatus = { ...old, status: { replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, observedGeneration: 1 } };
  const scaled = update(deploymentKind, withStatus, (o) => {
    o.spec.replicas = 5;
    o.status = { replicas: 99 };
  });
  assert.deepEqual(scaled.errors, []);
  assert.equal(scaled.obj.spec.replicas, 5);
  assert.equal(scaled.obj.status.replicas, 3);
  assert.equal(scaled.obj.metadata.generation, 2);

  assert.deepEqual(updateStatus(deploymentKind, withStatus, { replicas: 2, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1 }).errors, [
    'status.readyReplicas: Invalid value: 3: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 3: cannot be greater than status.replicas',
  ]);
  assert.deepEqual(updateStatus(deploymentKind, withStatus, { replicas: 3, readyReplicas: 1, availableReplicas: 2 }).errors, [
    'status.availableReplicas: Invalid value: 2: cannot be greater than readyReplicas',
  ]);
  const collided = { ...old, status: { collisionCount: 2 } };
  assert.deepEqual(updateStatus(deploymentKind, collided, { collisionCount: 1 }).errors, ['status.collisionCount: Invalid value: 1: cannot be decremented']);
  assert.deepEqual(updateStatus(deploymentKind, collided, {}).errors, ['status.collisionCount: Invalid value: 0: cannot be decremented']);
  assert.deepEqual(updateStatus(deploymentKind, collided, { collisionCount: 3, replicas: 1, readyReplicas: 1 }).errors, []);
});

test('Deployment and ReplicaSet tables', () => {
  const d = created(deploymentKind, deployment({ selector: { matchLabels: { app: 'nginx' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db', 'cache'] }] } }));
  d.status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
  assert.deepEqual(cells(deploymentKind, d), {
    Name: 'nginx-deployment',
    Ready: '2/3',
    'Up-to-date': 3,
    Available: 2,
    Age: '5m',
    Containers: 'nginx',
    Images: 'nginx:1.14.2',
    Selector: 'app=nginx,tier notin (cache,db)',
  });
  assert.deepEqual(
    deploymentKind.table!.columns.map((c) => [c.name, c.priority]),
    [['Name', 0], ['Ready', 0], ['Up-to-date', 0], ['Available', 0], ['Age', 0], ['Containers', 1], ['Images', 1], ['Selector', 1]],
  );
  const r = created(replicaSetKind, rs({ template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer, { name: 'side', image: 'busybox' }] } } }));
  r.status = { replicas: 3, readyReplicas: 1 };
  assert.deepEqual(cells(replicaSetKind, r), {
    Name: 'frontend',
    Desired: 3,
    Current: 3,
    Ready: 1,
    Age: '5m',
    Containers: 'nginx,side',
    Images: 'nginx:1.14.2,busybox',
    Selector: 'app=nginx',
  });
  // A freshly created ReplicaSet: status.replicas is always present in v1.
  const fresh = created(replicaSetKind, rs());
  assert.deepEqual(fresh.status, { replicas: 0 });
  assert.deepEqual(cells(replicaSetKind, fresh).Current, 0);
  assert.equal(cells(replicaSetKind, { ...fresh, metadata: { ...fresh.metadata, creationTimestamp: ago(3 * 86_400_000 + 2 * 3_600_000) } }).Age, '3d2h');
});

test('ReplicaSet: defaults, validation, scale, field selector', () => {
  const o = created(replicaSetKind, rs({ replicas: undefined }));
  assert.equal(o.spec.replicas, 1);
  assert.deepEqual(o.spec.template.spec, defaultedTemplateSpec);
  assert.deepEqual(create(replicaSetKind, rs({ selector: { matchLabels: {} } })).errors, [
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment',
  ]);
  assert.deepEqual(create(replicaSetKind, rs({ minReadySeconds: -5 })).errors, ['spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0']);
  assert.deepEqual(create(replicaSetKind, rs({ selector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] } })).errors, [
    'spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator',
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"Equals", Values:[]string{"x"}}}}: invalid label selector',
  ]);
  const moved = update(replicaSetKind, o, (n) => (n.spec.selector.matchLabels.app = 'other'));
  assert.equal(moved.errors.at(-1), 'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  assert.deepEqual(updateStatus(replicaSetKind, o, { replicas: 1, fullyLabeledReplicas: 2 }).errors, ['status.fullyLabeledReplicas: Invalid value: 2: cannot be greater than status.replicas']);
  // As upstream: a negative replicas also makes every (zero) counter "greater".
  assert.deepEqual(updateStatus(replicaSetKind, o, { replicas: -1 }).errors, [
    'status.replicas: Invalid value: -1: must be greater than or equal to 0',
    'status.fullyLabeledReplicas: Invalid value: 0: cannot be greater than status.replicas',
    'status.readyReplicas: Invalid value: 0: cannot be greater than status.replicas',
    'status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas',
  ]);

  const scale = replicaSetKind.scale!;
  const withStatus: KObject = { ...o, status: { replicas: 4 } };
  assert.equal(scale.specReplicas(withStatus), 1);
  assert.equal(scale.statusReplicas(withStatus), 4);
  assert.equal(scale.selector(withStatus), 'app=nginx');
  scale.setSpecReplicas(withStatus, 7);
  assert.equal(withStatus.spec.replicas, 7);
  assert.equal(replicaSetKind.fieldSelectors!['status.replicas'](withStatus), '4');
  assert.equal(replicaSetKind.fieldSelectors!['status.replicas'](o), '0');
});

test('name and template warnings on create, template warnings only when an update changes the spec', () => {
  const dotted = create(deploymentKind, deployment({}, 'web.v1'));
  assert.deepEqual(dotted.errors, []);
  assert.deepEqual(dotted.warnings, [
    'metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]',
  ]);
  const tpl = { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer], nodeSelector: { 'beta.kubernetes.io/arch': 'amd64' } } };
  const withDeprecated = create(replicaSetKind, rs({ template: tpl }));
  assert.deepEqual(withDeprecated.warnings, ['spec.template.spec.nodeSelector[beta.kubernetes.io/arch]: deprecated since v1.14; use "kubernetes.io/arch" instead']);
  // Relabeling the object (no spec change) does not repeat template warnings, nor the name warning.
  const relabeled = update(replicaSetKind, withDeprecated.obj, (o) => (o.metadata.labels = { a: 'b' }));
  assert.deepEqual(relabeled.warnings, []);
  const rescaled = update(replicaSetKind, withDeprecated.obj, (o) => (o.spec.replicas = 2));
  assert.equal(rescaled.warnings.length, 1);
  assert.deepEqual(update(deploymentKind, dotted.obj, (o) => (o.spec.replicas = 1)).warnings, []);
  // StatefulSets and DaemonSets have no name warning (StatefulSet names must be DNS labels anyway).
  assert.deepEqual(create(daemonSetKind, { ...ds(), metadata: { name: 'fluentd.v2' } }).warnings, []);
});

test('DaemonSet defaults and template generation', () => {
  const o = created(daemonSetKind, ds());
  assert.deepEqual(o.spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
  assert.equal(o.spec.revisionHistoryLimit, 10);
  assert.deepEqual(o.spec.template.spec, defaultedTemplateSpec);
  assert.deepEqual(o.metadata.annotations, { 'deprecated.daemonset.template.generation': '1' });
  assert.deepEqual(o.status, { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0 });
  assert.deepEqual(created(daemonSetKind, ds({ updateStrategy: { type: 'OnDelete' } })).spec.updateStrategy, { type: 'OnDelete' });

  // The generation annotation follows template changes only, whatever the user writes into it.
  const relabeled = update(daemonSetKind, o, (n) => (n.metadata.annotations = { 'deprecated.daemonset.template.generation': '9', note: 'x' }));
  assert.equal(relabeled.obj.metadata.annotations!['deprecated.daemonset.template.generation'], '1');
  const retuned = update(daemonSetKind, o, (n) => (n.spec.minReadySeconds = 5));
  assert.equal(retuned.obj.metadata.annotations!['deprecated.daemonset.template.generation'], '1');
  assert.equal(retuned.obj.metadata.generation, 2);
  const reimaged = update(daemonSetKind, retuned.obj, (n) => (n.spec.template.spec.containers[0].image = 'nginx:1.25'));
  assert.deepEqual(reimaged.errors, []);
  assert.equal(reimaged.obj.metadata.annotations!['deprecated.daemonset.template.generation'], '2');
  assert.equal(reimaged.obj.metadata.generation, 3);
});

test('DaemonSet validation messages', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    // No "Required value" for a DaemonSet: only the label mismatch is reported.
    ['missing selector', { selector: undefined }, ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`']],
    ['empty selector', { selector: {} }, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for daemonset']],
    [
      'both zero',
      { updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } },
      ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ],
    [
      'both non-zero',
      { updateStrategy: { rollingUpdate: { maxUnavailable: 1, maxSurge: '10%' } } },
      ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"10%"}: may not be set when maxUnavailable is non-zero'],
    ],
    ['surge only is fine', { updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }, []],
    [
      'unknown type',
      { updateStrategy: { type: 'Manual' } },
      ['spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Manual", RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", "OnDelete"'],
    ],
    ['OnDelete ignores rollingUpdate', { updateStrategy: { type: 'OnDelete', rollingUpdate: { maxSurge: 5 } } }, []],
    [
      'activeDeadlineSeconds',
      { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer], activeDeadlineSeconds: 5 } } },
      ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported'],
    ],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(create(daemonSetKind, ds(spec)).errors, want, name);
  const o = created(daemonSetKind, ds());
  assert.match(update(daemonSetKind, o, (n) => (n.spec.selector = { matchLabels: { app: 'nginx', x: 'y' } })).errors.at(-1)!, /^spec\.selector: Invalid value: v1\.LabelSelector\{.*\}: field is immutable$/);
  assert.deepEqual(updateStatus(daemonSetKind, o, { numberReady: -1 }).errors, ['status.numberReady: Invalid value: -1: must be greater than or equal to 0']);
});

test('DaemonSet table', () => {
  const o = created(daemonSetKind, ds({ template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer], nodeSelector: { 'kubernetes.io/os': 'linux', disk: 'ssd' } } } }));
  o.status = { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2, numberMisscheduled: 0 };
  assert.deepEqual(cells(daemonSetKind, o), {
    Name: 'fluentd',
    Desired: 3,
    Current: 3,
    Ready: 2,
    'Up-to-date': 1,
    Available: 2,
    'Node Selector': 'disk=ssd,kubernetes.io/os=linux',
    Age: '5m',
    Containers: 'nginx',
    Images: 'nginx:1.14.2',
    Selector: 'app=nginx',
  });
  assert.equal(cells(daemonSetKind, created(daemonSetKind, ds()))['Node Selector'], '<none>');
});

test('StatefulSet defaults match a v1.32 server', () => {
  const o = created(statefulSetKind, sts());
  assert.deepEqual(o.spec, {
    persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    podManagementPolicy: 'OrderedReady',
    replicas: 3,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'nginx' } },
    serviceName: 'nginx',
    template: { metadata: { labels: { app: 'nginx' } }, spec: defaultedTemplateSpec },
    updateStrategy: { rollingUpdate: { partition: 0 }, type: 'RollingUpdate' },
    volumeClaimTemplates: [
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'www' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
        status: { phase: 'Pending' },
      },
    ],
  });
  assert.deepEqual(o.status, { availableReplicas: 0, replicas: 0 });
  // An explicit RollingUpdate without a block stays bare; OnDelete gets nothing.
  assert.deepEqual(created(statefulSetKind, sts({ updateStrategy: { type: 'RollingUpdate' } })).spec.updateStrategy, { type: 'RollingUpdate' });
  assert.deepEqual(created(statefulSetKind, sts({ updateStrategy: { type: 'OnDelete' } })).spec.updateStrategy, { type: 'OnDelete' });
  // maxUnavailable is behind a gate that is off in v1.32: dropped.
  assert.deepEqual(created(statefulSetKind, sts({ updateStrategy: { rollingUpdate: { partition: 2, maxUnavailable: 2 } } })).spec.updateStrategy, {
    type: 'RollingUpdate',
    rollingUpdate: { partition: 2 },
  });
  // serviceName is optional.
  assert.deepEqual(create(statefulSetKind, sts({ serviceName: undefined })).errors, []);
});

test('StatefulSet validation messages', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['empty selector', { selector: {} }, ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset']],
    [
      'missing selector',
      { selector: undefined },
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: `selector` does not match template `labels`'],
    ],
    ['bad podManagementPolicy', { podManagementPolicy: 'Eager' }, [`spec.podManagementPolicy: Invalid value: "Eager": must be 'OrderedReady' or 'Parallel'`]],
    [
      'rollingUpdate with OnDelete',
      { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } },
      [`spec.updateStrategy.rollingUpdate: Invalid value: apps.RollingUpdateStatefulSetStrategy{Partition:1, MaxUnavailable:(*intstr.IntOrString)(nil)}: only allowed for updateStrategy 'RollingUpdate'`],
    ],
    [
      'unknown update strategy',
      { updateStrategy: { type: 'Blue' } },
      [`spec.updateStrategy: Invalid value: apps.StatefulSetUpdateStrategy{Type:"Blue", RollingUpdate:(*apps.RollingUpdateStatefulSetStrategy)(nil)}: must be 'RollingUpdate' or 'OnDelete'`],
    ],
    ['negative partition', { updateStrategy: { rollingUpdate: { partition: -1 } } }, ['spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0']],
    [
      'bad retention policy',
      { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } },
      ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"'],
    ],
    ['negative ordinals.start', { ordinals: { start: -1 } }, ['spec.ordinals.start: Invalid value: -1: must be greater than or equal to 0']],
    [
      'restartPolicy',
      { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [nginxContainer], restartPolicy: 'OnFailure', activeDeadlineSeconds: 3 } } },
      [
        'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported',
      ],
    ],
    // Up to v1.33 the pod spec of a StatefulSet template is not validated (pods fail later).
    ['container without image accepted', { template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx' }] } } }, []],
    [
      'template labels are validated (reported at spec.template.labels)',
      { selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx', 'bad key!': 'x' } }, spec: { containers: [nginxContainer] } } },
      [
        `spec.template.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
      ],
    ],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(create(statefulSetKind, sts(spec)).errors, want, name);
});

test('StatefulSet updates: only some spec fields may change', () => {
  const old = created(statefulSetKind, sts());
  const forbidden =
    "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";
  const bad: [string, (o: KObject) => void][] = [
    ['serviceName', (o) => (o.spec.serviceName = 'other')],
    ['podManagementPolicy', (o) => (o.spec.podManagementPolicy = 'Parallel')],
    ['volumeClaimTemplates', (o) => (o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '2Gi')],
    ['revisionHistoryLimit', (o) => (o.spec.revisionHistoryLimit = 3)],
    [
      'selector',
      (o) => {
        o.spec.selector.matchLabels.tier = 'x';
        o.spec.template.metadata.labels.tier = 'x';
      },
    ],
  ];
  for (const [name, mutate] of bad) assert.deepEqual(update(statefulSetKind, old, mutate).errors, [forbidden], name);
  const good: [string, (o: KObject) => void][] = [
    ['replicas', (o) => (o.spec.replicas = 5)],
    ['template', (o) => (o.spec.template.spec.containers[0].image = 'nginx:1.25')],
    ['updateStrategy', (o) => (o.spec.updateStrategy = { type: 'OnDelete' })],
    ['minReadySeconds', (o) => (o.spec.minReadySeconds = 10)],
    ['ordinals', (o) => (o.spec.ordinals = { start: 5 })],
    ['retention policy', (o) => (o.spec.persistentVolumeClaimRetentionPolicy = { whenDeleted: 'Delete', whenScaled: 'Retain' })],
    ['labels', (o) => (o.metadata.labels = { a: 'b' })],
  ];
  for (const [name, mutate] of good) assert.deepEqual(update(statefulSetKind, old, mutate).errors, [], name);
  // maxUnavailable cannot be introduced by an update either (gate off), but survives if stored.
  const introduced = update(statefulSetKind, old, (o) => (o.spec.updateStrategy.rollingUpdate.maxUnavailable = 2));
  assert.equal(introduced.obj.spec.updateStrategy.rollingUpdate.maxUnavailable, undefined);
  const legacy = { ...old, spec: { ...old.spec, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 2 } } } };
  const kept = update(statefulSetKind, legacy, (o) => (o.spec.replicas = 4));
  assert.equal(kept.obj.spec.updateStrategy.rollingUpdate.maxUnavailable, 2);
  assert.deepEqual(update(statefulSetKind, legacy, (o) => (o.spec.updateStrategy.rollingUpdate.maxUnavailable = 0)).errors, [
    'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: cannot be 0',
  ]);

  const st = { ...old, status: { replicas: 3, readyReplicas: 3, availableReplicas: 3 } };
  assert.deepEqual(updateStatus(statefulSetKind, st, { replicas: 3, readyReplicas: 2, availableReplicas: 3 }).errors, [
    'status.availableReplicas: Invalid value: 3: cannot be greater than status.readyReplicas',
  ]);
  assert.deepEqual(updateStatus(statefulSetKind, st, { replicas: 1, currentReplicas: 2, updatedReplicas: 2 }).errors, [
    'status.currentReplicas: Invalid value: 2: cannot be greater than status.replicas',
    'status.updatedReplicas: Invalid value: 2: cannot be greater than status.replicas',
  ]);
});

test('StatefulSet table and scale', () => {
  const o = created(statefulSetKind, sts());
  o.status = { replicas: 3, readyReplicas: 1, availableReplicas: 1 };
  assert.deepEqual(cells(statefulSetKind, o), { Name: 'web', Ready: '1/3', Age: '5m', Containers: 'nginx', Images: 'nginx:1.14.2' });
  assert.equal(statefulSetKind.scale!.selector(o), 'app=nginx');
  assert.equal(statefulSetKind.scale!.statusReplicas(o), 3);
});

test('ControllerRevision: data required and immutable, revision mutable, table', () => {
  const base = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: 'fluentd-5b9d8c7d4f',
      labels: { 'controller.kubernetes.io/hash': '5b9d8c7d4f' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u1', controller: true, blockOwnerDeletion: true }],
    },
    data: { spec: { template: { $patch: 'replace', spec: { containers: [{ name: 'c', image: 'fluentd' }] } } } },
    revision: 1,
  };
  assert.deepEqual(create(controllerRevisionKind, { ...base, data: undefined }).errors, ['data: Required value: data is mandatory']);
  assert.deepEqual(create(controllerRevisionKind, { ...base, revision: -1 }).errors, ['revision: Invalid value: -1: must be greater than or equal to 0']);
  const o = created(controllerRevisionKind, base);
  assert.deepEqual(update(controllerRevisionKind, o, (n) => (n.revision = 3)).errors, []);
  const changed = update(controllerRevisionKind, o, (n) => (n.data.spec.template.spec.containers[0].image = 'fluentd:2'));
  assert.equal(changed.errors.length, 1);
  assert.match(changed.errors[0], /^data: Invalid value: .*: field is immutable$/);
  assert.deepEqual(cells(controllerRevisionKind, o), { Name: 'fluentd-5b9d8c7d4f', Controller: 'daemonset.apps/fluentd', Revision: 1, Age: '5m' });
  assert.equal(cells(controllerRevisionKind, { ...o, metadata: { ...o.metadata, ownerReferences: [] } }).Controller, '<none>');
  assert.equal(create(controllerRevisionKind, { ...base, revision: undefined }).obj.revision, 0);
  assert.equal(NOW.toISOString(), '2024-06-01T12:00:00.000Z');
});
