import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreKinds } from '../../src/kinds/core/index.js';
import { podKind } from '../../src/kinds/core/pod.js';
import { defaultPodSpec, validatePodSpec, validatePodTemplateSpec } from '../../src/kinds/core/pod-spec.js';
import { FieldPath } from '../../src/api/errors.js';
import { create, pod, update } from './kinds-core-helpers.js';

const c = (o: Record<string, unknown> = {}) => ({ name: 'app', image: 'nginx:1.25', ...o });

test('pod defaults match what a 1.32 cluster stores', () => {
  const { obj, errors } = create(podKind, pod({ containers: [c({ ports: [{ containerPort: 80 }], livenessProbe: { httpGet: { port: 80 } } })] }));
  assert.deepEqual(errors, []);
  assert.deepEqual(obj.spec, {
    containers: [
      {
        name: 'app',
        image: 'nginx:1.25',
        imagePullPolicy: 'IfNotPresent',
        ports: [{ containerPort: 80, protocol: 'TCP' }],
        livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        resources: {},
        terminationMessagePath: '/dev/termination-log',
        terminationMessagePolicy: 'File',
      },
    ],
    dnsPolicy: 'ClusterFirst',
    restartPolicy: 'Always',
    securityContext: {},
    terminationGracePeriodSeconds: 30,
    schedulerName: 'default-scheduler',
    enableServiceLinks: true,
    serviceAccountName: 'default',
    serviceAccount: 'default',
    priority: 0,
    preemptionPolicy: 'PreemptLowerPriority',
    tolerations: [
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ],
  });
  assert.deepEqual(obj.status, { phase: 'Pending', qosClass: 'BestEffort' });
});

test('imagePullPolicy default follows the image tag', () => {
  const cases: [string, string][] = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['registry.local:5000/team/app', 'Always'],
    ['nginx:1.17', 'IfNotPresent'],
    [`nginx@sha256:${'a'.repeat(64)}`, 'IfNotPresent'],
    ['Nginx', 'IfNotPresent'],
  ];
  for (const [image, want] of cases) {
    const spec: Record<string, any> = { containers: [{ name: 'a', image }] };
    defaultPodSpec(spec);
    assert.equal(spec.containers[0].imagePullPolicy, want, image);
  }
});

test('template defaults do not get pod-only fields', () => {
  const spec: Record<string, any> = { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '0.5', memory: '1024Mi' } } }] };
  defaultPodSpec(spec);
  assert.equal(spec.enableServiceLinks, undefined);
  assert.equal(spec.containers[0].resources.requests, undefined);
  assert.deepEqual(spec.containers[0].resources.limits, { cpu: '500m', memory: '1Gi' });
});

test('QoS class from requests and limits (requests default to limits on pods)', () => {
  const g = create(podKind, pod({ containers: [c({ resources: { limits: { cpu: '1', memory: '1Gi' } } })] }));
  assert.equal(g.obj.status.qosClass, 'Guaranteed');
  assert.deepEqual(g.obj.spec.containers[0].resources.requests, { cpu: '1', memory: '1Gi' });
  const b = create(podKind, pod({ containers: [c({ resources: { requests: { cpu: '100m' } } })] }));
  assert.equal(b.obj.status.qosClass, 'Burstable');
});

const invalid: [string, Record<string, unknown>, string[]][] = [
  ['no containers', {}, ['spec.containers: Required value']],
  ['missing image', { containers: [{ name: 'app' }] }, ['spec.containers[0].image: Required value']],
  [
    'bad container name',
    { containers: [c({ name: 'App_1' })] },
    [
      'spec.containers[0].name: Invalid value: "App_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    ],
  ],
  ['duplicate container name', { containers: [c(), c()] }, ['spec.containers[1].name: Duplicate value: "app"']],
  ['init name clashes with container', { containers: [c()], initContainers: [c()] }, ['spec.initContainers[0].name: Duplicate value: "app"']],
  [
    'port out of range and bad name',
    { containers: [c({ ports: [{ containerPort: 70000, name: 'HTTP' }] })] },
    [
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      'spec.containers[0].ports[0].name: Invalid value: "HTTP": must contain at least one letter (a-z)',
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
    ],
  ],
  ['unsupported protocol', { containers: [c({ ports: [{ containerPort: 80, protocol: 'ICMP' }] })] }, ['spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"']],
  [
    'host port conflict across containers',
    { containers: [c({ ports: [{ containerPort: 80, hostPort: 8080 }] }), c({ name: 'b', ports: [{ containerPort: 81, hostPort: 8080 }] })] },
    ['spec.containers[1].ports[0].hostPort: Duplicate value: "TCP//8080"'],
  ],
  ['mount of unknown volume', { containers: [c({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }, ['spec.containers[0].volumeMounts[0].name: Not found: "data"']],
  ['duplicate volume', { containers: [c()], volumes: [{ name: 'v', emptyDir: {} }, { name: 'v', emptyDir: {} }] }, ['spec.volumes[1].name: Duplicate value: "v"']],
  ['two volume sources', { containers: [c()], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }, ['spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type']],
  ['bad restartPolicy', { containers: [c()], restartPolicy: 'Sometimes' }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
  [
    'request above limit',
    { containers: [c({ resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } })] },
    ['spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'],
  ],
  ['sidecar restartPolicy on regular container', { containers: [c({ restartPolicy: 'Always' })] }, ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers']],
  ['init restartPolicy other than Always', { containers: [c()], initContainers: [c({ name: 'init', restartPolicy: 'Never' })] }, ['spec.initContainers[0].restartPolicy: Unsupported value: "Never": supported values: "Always"']],
  [
    'probe on plain init container',
    { containers: [c()], initContainers: [c({ name: 'init', readinessProbe: { exec: { command: ['true'] } } })] },
    ['spec.initContainers[0].readinessProbe: Forbidden: may not be set for init containers without restartPolicy=Always'],
  ],
  ['liveness successThreshold', { containers: [c({ livenessProbe: { tcpSocket: { port: 80 }, successThreshold: 2 } })] }, ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
  ['activeDeadlineSeconds zero', { containers: [c()], activeDeadlineSeconds: 0 }, ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
  ['bad dnsPolicy', { containers: [c()], dnsPolicy: 'Custom' }, ['spec.dnsPolicy: Unsupported value: "Custom": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
  [
    'toleration with empty key and Equal',
    { containers: [c()], tolerations: [{ operator: 'Equal', value: 'x' }] },
    ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'],
  ],
  ['env without name', { containers: [c({ env: [{ value: 'x' }] })] }, ['spec.containers[0].env[0].name: Required value']],
  [
    'hostname not a DNS label',
    { containers: [c()], hostname: 'My_Host' },
    [
      'spec.hostname: Invalid value: "My_Host": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or \'-\', and must start and end with an alphanumeric character (e.g. \'my-name\',  or \'123-abc\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?\')',
    ],
  ],
  [
    'nodeSelector value',
    { containers: [c()], nodeSelector: { disk: 'has space' } },
    [
      'spec.nodeSelector: Invalid value: "has space": a valid label must be an empty string or consist of alphanumeric characters, \'-\', \'_\' or \'.\', and must start and end with an alphanumeric character (e.g. \'MyValue\',  or \'my_value\',  or \'12345\', regex used for validation is \'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\')',
    ],
  ],
  ['ephemeral containers on create', { containers: [c()], ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] }, ['spec.ephemeralContainers: Forbidden: cannot be set on create']],
];

for (const [name, spec, want] of invalid) {
  test(`pod validation: ${name}`, () => {
    const { errors } = create(podKind, pod(spec));
    assert.deepEqual(errors, want);
  });
}

test('duplicate port definitions are warnings, not errors', () => {
  const { errors, warnings } = create(podKind, pod({ containers: [c({ ports: [{ containerPort: 80 }] }), c({ name: 'b', ports: [{ containerPort: 80 }] })] }));
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, ['spec.containers[1].ports[0]: duplicate port definition with spec.containers[0].ports[0]']);
});

test('pod name that is not a DNS label warns about the hostname', () => {
  const { warnings } = create(podKind, pod({ containers: [c()] }, { name: 'my.pod' }));
  assert.deepEqual(warnings, [
    "metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]",
  ]);
});

test('pod update may change images but not other spec fields', () => {
  const { obj: old } = create(podKind, pod({ containers: [c()] }));
  old.metadata.resourceVersion = '5';
  const okNext = JSON.parse(JSON.stringify(old));
  okNext.spec.containers[0].image = 'nginx:1.26';
  assert.deepEqual(update(podKind, old, okNext).errors, []);

  const bad = JSON.parse(JSON.stringify(old));
  bad.spec.containers[0].ports = [{ containerPort: 81 }];
  const errs = update(podKind, old, bad).errors;
  assert.equal(errs.length, 1);
  assert.ok(
    errs[0].startsWith(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n',
    ),
    errs[0],
  );
  const removed = JSON.parse(JSON.stringify(old));
  removed.spec.tolerations = [];
  assert.deepEqual(update(podKind, old, removed).errors, ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds']);
  const moreContainers = JSON.parse(JSON.stringify(old));
  moreContainers.spec.containers.push(c({ name: 'b' }));
  assert.ok(update(podKind, old, moreContainers).errors.includes('spec.containers: Forbidden: pod updates may not add or remove containers'));
});

test('activeDeadlineSeconds may only decrease', () => {
  const { obj: old } = create(podKind, pod({ containers: [c()], activeDeadlineSeconds: 100 }));
  const next = JSON.parse(JSON.stringify(old));
  next.spec.activeDeadlineSeconds = 200;
  assert.deepEqual(update(podKind, old, next).errors, ['spec.activeDeadlineSeconds: Invalid value: 200: must be less than or equal to previous value']);
  next.spec.activeDeadlineSeconds = 50;
  assert.deepEqual(update(podKind, old, next).errors, []);
});

test('pod status subresource keeps qosClass immutable', () => {
  const { obj: old } = create(podKind, pod({ containers: [c()] }));
  const next = JSON.parse(JSON.stringify(old));
  next.status = { phase: 'Running', qosClass: 'Guaranteed' };
  podKind.status!.prepareForUpdate!(next, old);
  const errs = podKind.status!.validateUpdate!(next, old, { now: new Date(), operation: 'update' }).map(String);
  assert.deepEqual(errs, ['status.qosClass: Invalid value: "Guaranteed": field is immutable']);
  const empty = JSON.parse(JSON.stringify(old));
  empty.status = { phase: 'Running' };
  podKind.status!.prepareForUpdate!(empty, old);
  assert.equal(empty.status.qosClass, 'BestEffort');
});

test('pod field selectors', () => {
  const { obj } = create(podKind, pod({ containers: [c()] }));
  const fs = podKind.fieldSelectors!;
  assert.equal(fs['spec.nodeName'](obj), '');
  assert.equal(fs['status.phase'](obj), 'Pending');
  assert.equal(fs['spec.restartPolicy'](obj), 'Always');
  assert.equal(fs['spec.schedulerName'](obj), 'default-scheduler');
  assert.equal(fs['spec.serviceAccountName'](obj), 'default');
  obj.status.podIPs = [{ ip: '10.1.2.3' }];
  assert.equal(fs['status.podIP'](obj), '10.1.2.3');
});

test('validatePodSpec with restartPolicies (workload templates)', () => {
  const spec: Record<string, any> = { containers: [c()], restartPolicy: 'OnFailure' };
  defaultPodSpec(spec);
  assert.deepEqual(validatePodSpec(spec, FieldPath.root('spec').child('template', 'spec'), { restartPolicies: ['Always'] }).map(String), [
    'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
  ]);
  const tpl = { metadata: { labels: { 'bad key!': 'x' } }, spec };
  const errs = validatePodTemplateSpec(tpl, FieldPath.root('spec').child('template')).map(String);
  assert.equal(errs.length, 1);
  assert.match(errs[0], /^spec\.template\.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters/);
});

test('every core kind has a table whose rows match its columns', () => {
  for (const def of coreKinds) {
    if (!def.table) continue;
    const { obj } = create(def, { metadata: { name: 'x' } });
    assert.equal(def.table.row(obj, new Date()).length, def.table.columns.length, def.kind);
    assert.equal(def.table.columns.filter((col) => col.format === 'name').length, 1, def.kind);
  }
});
