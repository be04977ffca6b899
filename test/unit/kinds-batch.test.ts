// batch/v1 Job and CronJob as a user sees them: stored defaults and generated selector/labels (as
// `kubectl get job -o yaml` shows them on v1.32), validation messages as kubectl prints them,
// update and status rules, tables, warnings.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { batchKinds } from '../../src/kinds/batch/index.js';
import { jobKind } from '../../src/kinds/batch/job.js';
import { cronJobKind } from '../../src/kinds/batch/cronjob.js';
import { NOW, UID, ago, cells, create, created, update, updateStatus } from './kinds-workload-helpers.js';

const piContainer = { name: 'pi', image: 'perl:5.34.0', command: ['perl', '-Mbignum=bpi', '-wle', 'print bpi(2000)'] };

function job(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'pi', ...meta },
    spec: { template: { spec: { containers: [piContainer], restartPolicy: 'Never' } }, ...spec },
  };
}

function tplWith(spec: Record<string, unknown>, labels?: Record<string, string>): Record<string, unknown> {
  return { ...(labels ? { metadata: { labels } } : {}), spec: { containers: [piContainer], restartPolicy: 'Never', ...spec } };
}

function cronjob(spec: Record<string, unknown> = {}, name = 'hello'): Record<string, unknown> {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      schedule: '* * * * *',
      jobTemplate: { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox:1.28' }], restartPolicy: 'OnFailure' } } } },
      ...spec,
    },
  };
}

const generatedLabels = {
  'batch.kubernetes.io/controller-uid': UID,
  'batch.kubernetes.io/job-name': 'pi',
  'controller-uid': UID,
  'job-name': 'pi',
};

test('discovery facts of the batch/v1 kinds', () => {
  const byKind = Object.fromEntries(batchKinds.map((k) => [k.kind, k]));
  assert.deepEqual(Object.keys(byKind).sort(), ['CronJob', 'Job']);
  assert.deepEqual(byKind.CronJob.shortNames, ['cj']);
  assert.equal(byKind.Job.shortNames, undefined);
  for (const k of Object.values(byKind)) {
    assert.deepEqual(k.categories, ['all']);
    assert.equal(k.generation, true);
    assert.ok(k.status);
    assert.equal(k.group, 'batch');
  }
  assert.equal(byKind.Job.plural, 'jobs');
  assert.equal(byKind.CronJob.plural, 'cronjobs');
});

test('Job defaults and generated selector match a v1.32 server', () => {
  const o = created(jobKind, job({ backoffLimit: 4 }));
  assert.deepEqual(o.metadata.labels, generatedLabels);
  assert.deepEqual(o.spec, {
    backoffLimit: 4,
    completionMode: 'NonIndexed',
    completions: 1,
    manualSelector: false,
    parallelism: 1,
    podReplacementPolicy: 'TerminatingOrFailed',
    selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
    suspend: false,
    template: {
      metadata: { labels: generatedLabels },
      spec: {
        containers: [
          {
            ...piContainer,
            imagePullPolicy: 'IfNotPresent',
            resources: {},
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'File',
          },
        ],
        dnsPolicy: 'ClusterFirst',
        restartPolicy: 'Never',
        schedulerName: 'default-scheduler',
        securityContext: {},
        terminationGracePeriodSeconds: 30,
      },
    },
  });
  assert.deepEqual(o.status, {});

  // Template labels: the Job gets them (plus the generated ones) when it has none of its own.
  const labeled = created(jobKind, job({ template: tplWith({}, { app: 'pi' }) }));
  assert.deepEqual(labeled.metadata.labels, { app: 'pi', ...generatedLabels });
  const own = created(jobKind, job({ template: tplWith({}, { app: 'pi' }) }, { labels: { team: 'x' } }));
  assert.deepEqual(own.metadata.labels, { team: 'x' });
  assert.deepEqual(own.spec.template.metadata.labels, { app: 'pi', ...generatedLabels });
});

test('Job defaults: work queues, per-index backoff, pod failure policy', () => {
  const queue = created(jobKind, job({ parallelism: 3 }));
  assert.equal(queue.spec.completions, undefined);
  assert.equal(queue.spec.parallelism, 3);
  const fixed = created(jobKind, job({ completions: 5 }));
  assert.equal(fixed.spec.parallelism, 1);
  assert.equal(fixed.spec.completions, 5);
  const perIndex = created(jobKind, job({ completionMode: 'Indexed', completions: 3, backoffLimitPerIndex: 1 }));
  assert.equal(perIndex.spec.backoffLimit, 2147483647);
  const pfp = created(
    jobKind,
    job({ podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }] } }),
  );
  assert.equal(pfp.spec.podReplacementPolicy, 'Failed');
  assert.deepEqual(pfp.spec.podFailurePolicy.rules[0].onPodConditions, [{ type: 'DisruptionTarget', status: 'True' }]);
});

test('Job validation messages', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      'restartPolicy unset (defaults to Always)',
      { template: { spec: { containers: [piContainer] } } },
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ],
    ['restartPolicy Always', { template: tplWith({ restartPolicy: 'Always' }) }, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    [
      'restartPolicy unknown',
      { template: tplWith({ restartPolicy: 'Sometimes' }) },
      [
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "OnFailure", "Never"',
      ],
    ],
    [
      'OnFailure with a pod failure policy',
      { template: tplWith({ restartPolicy: 'OnFailure' }), podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } },
      ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified'],
    ],
    ['negative parallelism', { parallelism: -1 }, ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0']],
    ['negative backoffLimit', { backoffLimit: -1 }, ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0']],
    ['negative ttl', { ttlSecondsAfterFinished: -1 }, ['spec.ttlSecondsAfterFinished: Invalid value: -1: must be greater than or equal to 0']],
    ['Indexed needs completions', { completionMode: 'Indexed', parallelism: 2 }, ['spec.completions: Required value: when completion mode is Indexed']],
    ['unknown completion mode', { completionMode: 'Sharded' }, ['spec.completionMode: Unsupported value: "Sharded": supported values: "NonIndexed", "Indexed"']],
    ['backoffLimitPerIndex needs Indexed', { backoffLimitPerIndex: 1 }, ['spec.backoffLimitPerIndex: Invalid value: 1: requires indexed completion mode']],
    [
      'maxFailedIndexes needs backoffLimitPerIndex',
      { completionMode: 'Indexed', completions: 4, maxFailedIndexes: 1 },
      ['spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified'],
    ],
    [
      'maxFailedIndexes above completions',
      { completionMode: 'Indexed', completions: 2, backoffLimitPerIndex: 1, maxFailedIndexes: 3 },
      ['spec.maxFailedIndexes: Invalid value: 3: must be less than or equal to completions'],
    ],
    [
      'Indexed parallelism limit',
      { completionMode: 'Indexed', completions: 5, parallelism: 100001 },
      ['spec.parallelism: Invalid value: 100001: must be less than or equal to 100000 when completion mode is Indexed'],
    ],
    ['bad podReplacementPolicy', { podReplacementPolicy: 'Never' }, ['spec.podReplacementPolicy: Unsupported value: "Never": supported values: "Failed", "TerminatingOrFailed"']],
    [
      'podReplacementPolicy with a failure policy',
      { podReplacementPolicy: 'TerminatingOrFailed', podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } },
      ['spec.podReplacementPolicy: Unsupported value: "TerminatingOrFailed": supported values: "Failed"'],
    ],
    ['managedBy without a domain', { managedBy: 'my-controller' }, ['spec.managedBy: Invalid value: "my-controller": must be a domain-prefixed path (such as "acme.io/foo")']],
    ['managedBy fine', { managedBy: 'kueue.x-k8s.io/multikueue' }, []],
    [
      'successPolicy needs Indexed',
      { successPolicy: { rules: [{ succeededCount: 1 }] } },
      ['spec.successPolicy: Invalid value: batch.SuccessPolicy{Rules:[]batch.SuccessPolicyRule{batch.SuccessPolicyRule{SucceededIndexes:(*string)(nil), SucceededCount:(*int32)(0xc000010008)}}}: requires indexed completion mode'],
    ],
    [
      'successPolicy indexes',
      { completionMode: 'Indexed', completions: 5, successPolicy: { rules: [{ succeededIndexes: '0,3-1', succeededCount: 6 }, {}] } },
      [
        'spec.successPolicy.rules[0].succeededIndexes: Invalid value: "0,3-1": error parsing succeededIndexes: non-increasing order, previous: 3, current: 1',
        'spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 5 (the number of specified completions)',
        'spec.successPolicy.rules[0].succeededCount: Invalid value: 6: must be less than or equal to 0 (the number of indexes in the specified succeededIndexes field)',
        'spec.successPolicy.rules[1]: Required value: at least one of succeededCount or succeededIndexes must be specified',
      ],
    ],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(create(jobKind, job(spec)).errors, want, name);
});

test('Job pod failure policy validation', () => {
  const pfp = (rules: unknown[], extra: Record<string, unknown> = {}) => create(jobKind, job({ podFailurePolicy: { rules }, ...extra })).errors;
  assert.deepEqual(pfp([{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] }, onPodConditions: [{ type: 'DisruptionTarget' }] }]), [
    'spec.podFailurePolicy.rules[0]: Invalid value: specifying both OnExitCodes and OnPodConditions is not supported',
  ]);
  assert.deepEqual(pfp([{ action: 'FailJob' }]), ['spec.podFailurePolicy.rules[0]: Invalid value: specifying one of OnExitCodes and OnPodConditions is required']);
  assert.deepEqual(pfp([{ onExitCodes: { operator: 'In', values: [1] } }]), [
    'spec.podFailurePolicy.rules[0].action: Required value: valid values: ["Count" "FailIndex" "FailJob" "Ignore"]',
  ]);
  assert.deepEqual(pfp([{ action: 'Retry', onExitCodes: { operator: 'In', values: [1] } }]), [
    'spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"',
  ]);
  assert.deepEqual(pfp([{ action: 'FailIndex', onExitCodes: { operator: 'In', values: [1] } }]), [
    'spec.podFailurePolicy.rules[0].action: Invalid value: "FailIndex": requires the backoffLimitPerIndex to be set',
  ]);
  assert.deepEqual(pfp([{ action: 'FailJob', onExitCodes: { containerName: 'main', operator: 'In', values: [0, 3, 1, 3] } }]), [
    'spec.podFailurePolicy.rules[0].onExitCodes.containerName: Invalid value: "main": must be one of the container or initContainer names in the pod template',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
    'spec.podFailurePolicy.rules[0].onExitCodes.values[3]: Duplicate value: 3',
    'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{0, 3, 1, 3}: must be ordered',
  ]);
  assert.deepEqual(pfp([{ action: 'Count', onExitCodes: { values: [] } }]), [
    'spec.podFailurePolicy.rules[0].onExitCodes.operator: Required value: valid values: ["In" "NotIn"]',
    'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: []int32{}: at least one value is required',
  ]);
  assert.deepEqual(pfp([{ action: 'Ignore', onPodConditions: [{ type: 'Bad Type!', status: 'Maybe' }] }]), [
    `spec.podFailurePolicy.rules[0].onPodConditions[0].type: Invalid value: "Bad Type!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    'spec.podFailurePolicy.rules[0].onPodConditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"',
  ]);
  const many = Array.from({ length: 21 }, () => ({ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }));
  assert.deepEqual(pfp(many), ['spec.podFailurePolicy.rules: Too many: 21: must have at most 20 items']);
});

test('Job selectors: generated unless manualSelector', () => {
  // A user selector without manualSelector: the generated key is added and validation refuses it.
  const own = create(jobKind, job({ selector: { matchLabels: { app: 'pi' } }, template: tplWith({}, { app: 'pi' }) }));
  assert.deepEqual(own.errors, [
    `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"pi", "batch.kubernetes.io/controller-uid":"${UID}"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: \`selector\` not auto-generated`,
  ]);
  // manualSelector: the user's selector is kept as is and must match the template.
  const manual = create(jobKind, job({ manualSelector: true, selector: { matchLabels: { app: 'pi' } }, template: tplWith({}, { app: 'pi' }) }));
  assert.deepEqual(manual.errors, []);
  assert.deepEqual(manual.obj.spec.selector, { matchLabels: { app: 'pi' } });
  assert.deepEqual(manual.obj.spec.template.metadata.labels, { app: 'pi' });
  assert.deepEqual(create(jobKind, job({ manualSelector: true, template: tplWith({}, { app: 'pi' }) })).errors, [
    'spec.selector: Required value',
    'spec.template.metadata.labels: Invalid value: map[string]string{"app":"pi"}: `selector` does not match template `labels`',
  ]);
  // A conflicting job-name label set by the user is kept, and reported against the generated expectation.
  assert.deepEqual(create(jobKind, job({ template: tplWith({}, { 'job-name': 'other' }) })).errors, [
    `spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"${UID}", "batch.kubernetes.io/job-name":"pi", "controller-uid":"${UID}", "job-name":"other"}: must be 'pi'`,
  ]);
  // Indexed pods are named <job>-<index>, which must be a DNS label.
  const long = 'x'.repeat(62);
  assert.deepEqual(create(jobKind, job({ completionMode: 'Indexed', completions: 10 }, { name: long })).errors, [
    `metadata.name: Invalid value: "${long}": will not able to create pod with invalid DNS label: ${long}-9`,
  ]);
});

test('Job updates: immutable fields, elastic Indexed Jobs, suspended scheduling changes', () => {
  const old = created(jobKind, job({ completions: 3 }));
  assert.deepEqual(update(jobKind, old, (o) => (o.spec.completions = 4)).errors, ['spec.completions: Invalid value: 4: field is immutable']);
  assert.deepEqual(update(jobKind, old, (o) => (o.spec.parallelism = 3)).errors, []);
  assert.deepEqual(update(jobKind, old, (o) => (o.spec.backoffLimit = 1)).errors, []);
  assert.deepEqual(update(jobKind, old, (o) => (o.spec.completionMode = 'Indexed')).errors, ['spec.completionMode: Invalid value: "Indexed": field is immutable']);
  const reimaged = update(jobKind, old, (o) => (o.spec.template.spec.containers[0].image = 'perl:5.36'));
  assert.equal(reimaged.errors.length, 1);
  assert.match(reimaged.errors[0], /^spec\.template: Invalid value: .*: field is immutable$/);
  assert.deepEqual(update(jobKind, old, (o) => (o.spec.selector.matchLabels['batch.kubernetes.io/controller-uid'] = 'x')).errors.at(-1),
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"batch.kubernetes.io/controller-uid":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');

  const indexed = created(jobKind, job({ completionMode: 'Indexed', completions: 3, parallelism: 3 }));
  assert.deepEqual(update(jobKind, indexed, (o) => {
    o.spec.completions = 5;
    o.spec.parallelism = 5;
  }).errors, []);
  assert.deepEqual(update(jobKind, indexed, (o) => (o.spec.completions = 5)).errors, ['spec.completions: Invalid value: 5: can only be modified in tandem with spec.parallelism']);

  const suspended = created(jobKind, job({ suspend: true }));
  const moved = update(jobKind, suspended, (o) => {
    o.spec.template.spec.nodeSelector = { zone: 'a' };
    o.spec.template.metadata.labels.queue = 'q1';
    o.spec.template.spec.tolerations = [{ key: 'k', operator: 'Exists' }];
  });
  assert.deepEqual(moved.errors, []);
  // Once started (status.startTime set), the template is frozen again.
  const started = { ...suspended, status: { startTime: ago(60_000) } };
  assert.match(update(jobKind, started, (o) => (o.spec.template.spec.nodeSelector = { zone: 'a' })).errors[0], /^spec\.template: .*field is immutable$/);
  assert.deepEqual(update(jobKind, started, (o) => (o.spec.suspend = false)).errors, []);
});

test('Job status writes', () => {
  const o = created(jobKind, job());
  const running = { ...o, status: { startTime: ago(120_000), active: 1, failed: 1, succeeded: 0 } };
  assert.deepEqual(updateStatus(jobKind, running, { startTime: ago(120_000), active: 1, failed: 0 }).errors, ['status.failed: Invalid value: 0: cannot decrease the failed counter']);
  assert.deepEqual(updateStatus(jobKind, running, { startTime: ago(120_000), active: -1, failed: 1 }).errors, ['status.active: Invalid value: -1: must be greater than or equal to 0']);
  const complete = {
    startTime: ago(120_000),
    completionTime: ago(60_000),
    succeeded: 1,
    failed: 1,
    conditions: [
      { type: 'SuccessCriteriaMet', status: 'True' },
      { type: 'Complete', status: 'True' },
    ],
  };
  assert.deepEqual(updateStatus(jobKind, running, complete).errors, []);
  const done = { ...o, status: complete };
  assert.deepEqual(updateStatus(jobKind, done, { ...complete, conditions: [{ type: 'SuccessCriteriaMet', status: 'True' }] }).errors, [
    'status.completionTime: Invalid value: 2024-06-01 11:59:00 +0000 UTC: cannot set completionTime when there is no Complete=True condition',
    'status.conditions: Invalid value: cannot disable the terminal Complete=True condition',
  ]);
  assert.deepEqual(updateStatus(jobKind, running, { ...complete, completionTime: undefined }).errors, ['status.completionTime: Required value: completionTime is required for Complete jobs']);
  assert.deepEqual(updateStatus(jobKind, running, { ...complete, active: 1 }).errors, ['status.active: Invalid value: 1: active>0 is invalid for finished job']);
  assert.deepEqual(updateStatus(jobKind, running, { startTime: ago(120_000), active: 1, failed: 1, completedIndexes: '0' }).errors, [
    'status.completedIndexes: Invalid value: "0": cannot set non-empty completedIndexes when non-indexed completion mode',
  ]);
  assert.deepEqual(updateStatus(jobKind, running, { startTime: ago(120_000), failed: 1, uncountedTerminatedPods: { succeeded: ['a', ''], failed: ['a'] } }).errors, [
    'status.uncountedTerminatedPods.succeeded[1]: Invalid value: "": must not be empty',
    'status.uncountedTerminatedPods.failed[0]: Duplicate value: "a"',
  ]);
});

test('Job table cells', () => {
  const o = created(jobKind, job());
  const withStatus = (status: Record<string, unknown>, extra: Partial<KObject> = {}): KObject => ({ ...o, ...extra, status });
  const cond = (type: string) => ({ conditions: [{ type, status: 'True' }] });
  assert.deepEqual(cells(jobKind, withStatus({})), {
    Name: 'pi',
    Status: 'Running',
    Completions: '0/1',
    Duration: '',
    Age: '5m',
    Containers: 'pi',
    Images: 'perl:5.34.0',
    Selector: `batch.kubernetes.io/controller-uid=${UID}`,
  });
  assert.equal(cells(jobKind, withStatus({ ...cond('Complete'), succeeded: 1, startTime: ago(300_000), completionTime: ago(200_000) })).Duration, '100s');
  assert.equal(cells(jobKind, withStatus({ startTime: ago(3 * 3_600_000 + 60_000) })).Duration, '3h1m');
  assert.equal(cells(jobKind, withStatus({ ...cond('Complete'), succeeded: 1 })).Completions, '1/1');
  const statuses: [Record<string, unknown>, string][] = [
    [cond('Complete'), 'Complete'],
    [cond('Failed'), 'Failed'],
    [cond('Suspended'), 'Suspended'],
    [cond('FailureTarget'), 'FailureTarget'],
    [{ conditions: [{ type: 'Complete', status: 'False' }] }, 'Running'],
  ];
  for (const [st, want] of statuses) assert.equal(cells(jobKind, withStatus(st)).Status, want, want);
  assert.equal(cells(jobKind, withStatus({}, { metadata: { ...o.metadata, deletionTimestamp: ago(1000) } })).Status, 'Terminating');
  assert.equal(cells(jobKind, withStatus(cond('Failed'), { metadata: { ...o.metadata, deletionTimestamp: ago(1000) } })).Status, 'Failed');
  const queue = created(jobKind, job({ parallelism: 3 }));
  assert.equal(cells(jobKind, { ...queue, status: { succeeded: 1 } }).Completions, '1/1 of 3');
  const single = created(jobKind, job({ parallelism: 1, completions: undefined }));
  assert.equal(single.spec.completions, undefined);
  assert.equal(cells(jobKind, single).Completions, '0/1');
  assert.equal(jobKind.fieldSelectors!['status.successful']({ ...o, status: { succeeded: 2 } }), '2');
  assert.equal(jobKind.fieldSelectors!['status.successful'](o), '0');
});

test('Job warnings', () => {
  assert.deepEqual(create(jobKind, job({}, { name: 'pi.v2' })).warnings, [
    'metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]',
  ]);
  assert.deepEqual(create(jobKind, job({ completionMode: 'Indexed', completions: 100001, parallelism: 10001 })).warnings, [
    'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
  ]);
});

test('CronJob defaults match a v1.32 server', () => {
  const o = created(cronJobKind, cronjob());
  assert.deepEqual(o.spec, {
    concurrencyPolicy: 'Allow',
    failedJobsHistoryLimit: 1,
    schedule: '* * * * *',
    successfulJobsHistoryLimit: 3,
    suspend: false,
    // The job template gets only field-level defaults: no completions, backoffLimit, selector...
    jobTemplate: {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'hello', image: 'busybox:1.28', imagePullPolicy: 'IfNotPresent', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
            dnsPolicy: 'ClusterFirst',
            restartPolicy: 'OnFailure',
            schedulerName: 'default-scheduler',
            securityContext: {},
            terminationGracePeriodSeconds: 30,
          },
        },
      },
    },
  });
  assert.deepEqual(o.status, {});
});

test('CronJob validation messages on create', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['schedule required', { schedule: '' }, ['spec.schedule: Required value']],
    ['out of range', { schedule: '61 * * * *' }, ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']],
    ['six fields', { schedule: '0 * * * * *' }, ['spec.schedule: Invalid value: "0 * * * * *": expected exactly 5 fields, found 6: [0 * * * * *]']],
    ['step above range is fine', { schedule: '*/61 * * * *' }, []],
    ['@every', { schedule: '@every 1h30m' }, []],
    ['CRON_TZ', { schedule: 'CRON_TZ=UTC 0 * * * *' }, ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    [
      'TZ with a bad zone',
      { schedule: 'TZ=Nowhere/City 0 * * * *' },
      [
        'spec.schedule: Invalid value: "TZ=Nowhere/City 0 * * * *": provided bad location Nowhere/City: unknown time zone Nowhere/City',
        'spec.schedule: Invalid value: "TZ=Nowhere/City 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    ],
    ['timeZone fine', { timeZone: 'America/New_York' }, []],
    ['timeZone empty', { timeZone: '' }, ['spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string']],
    ['timeZone unknown', { timeZone: 'Mars/Olympus_Mons' }, ['spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone Mars/Olympus_Mons']],
    ['timeZone bad characters', { timeZone: 'America/New York' }, ['spec.timeZone: Invalid value: "America/New York": unknown time zone America/New York']],
    ['timeZone Local', { timeZone: 'Local' }, ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['bad concurrencyPolicy', { concurrencyPolicy: 'Sometimes' }, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['negative history', { successfulJobsHistoryLimit: -1, failedJobsHistoryLimit: -2 }, [
      'spec.successfulJobsHistoryLimit: Invalid value: -1: must be greater than or equal to 0',
      'spec.failedJobsHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    ]],
    ['negative startingDeadlineSeconds', { startingDeadlineSeconds: -1 }, ['spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0']],
    [
      'job template restartPolicy',
      { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } } },
      ['spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'],
    ],
    [
      'job template selector',
      { jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, manualSelector: true, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'Never' } } } } },
      [
        'spec.jobTemplate.spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"a":"b"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` will be auto-generated',
        'spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: "nil", "false"',
      ],
    ],
  ];
  for (const [name, spec, want] of cases) assert.deepEqual(create(cronJobKind, cronjob(spec)).errors, want, name);
  const long = 'a'.repeat(53);
  assert.deepEqual(create(cronJobKind, cronjob({}, long)).errors, [`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
  assert.deepEqual(create(cronJobKind, cronjob({}, 'a'.repeat(52))).errors, []);
});

test('CronJob updates: legacy TZ schedules, timeZone checked when changed, no name limit', () => {
  // A stored CronJob from before the TZ rule (and with a long name) can still be updated.
  const legacy: KObject = { ...created(cronJobKind, cronjob()), metadata: { ...created(cronJobKind, cronjob()).metadata, name: 'b'.repeat(60) } };
  legacy.spec = { ...legacy.spec, schedule: 'CRON_TZ=UTC 0 * * * *' };
  const suspended = update(cronJobKind, legacy, (o) => (o.spec.suspend = true));
  assert.deepEqual(suspended.errors, []);
  assert.deepEqual(suspended.warnings, [
    'cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details',
  ]);
  assert.deepEqual(update(cronJobKind, legacy, (o) => (o.spec.timeZone = 'Europe/Berlin')).errors, [
    'spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule',
  ]);
  const plain = created(cronJobKind, cronjob());
  assert.deepEqual(update(cronJobKind, plain, (o) => (o.spec.schedule = 'TZ=UTC 0 * * * *')).errors, [
    'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ]);
  assert.deepEqual(update(cronJobKind, plain, (o) => (o.spec.schedule = '*/5 * * * 1-5')).errors, []);
  assert.deepEqual(update(cronJobKind, plain, (o) => (o.spec.timeZone = 'Nowhere')).errors, ['spec.timeZone: Invalid value: "Nowhere": unknown time zone Nowhere']);
  // Status writes keep the spec and are not validated further.
  const st = updateStatus(cronJobKind, plain, { lastScheduleTime: ago(60_000), active: [{ kind: 'Job', name: 'hello-1', namespace: 'default' }] });
  assert.deepEqual(st.errors, []);
});

test('CronJob table cells', () => {
  const o = created(cronJobKind, cronjob({ schedule: '*/5 * * * *', timeZone: 'Etc/UTC' }));
  assert.deepEqual(cells(cronJobKind, { ...o, status: { lastScheduleTime: ago(90_000), active: [{ name: 'a' }, { name: 'b' }] } }), {
    Name: 'hello',
    Schedule: '*/5 * * * *',
    Timezone: 'Etc/UTC',
    Suspend: false,
    Active: 2,
    'Last Schedule': '90s',
    Age: '5m',
    Containers: 'hello',
    Images: 'busybox:1.28',
    Selector: '<none>',
  });
  const bare = created(cronJobKind, cronjob());
  assert.equal(cells(cronJobKind, bare).Timezone, '<none>');
  assert.equal(cells(cronJobKind, bare)['Last Schedule'], '<none>');
  assert.equal(cells(cronJobKind, bare).Active, 0);
  assert.deepEqual(
    cronJobKind.table!.columns.map((c) => [c.name, c.type, c.priority]),
    [
      ['Name', 'string', 0], ['Schedule', 'string', 0], ['Timezone', 'string', 0], ['Suspend', 'boolean', 0], ['Active', 'integer', 0],
      ['Last Schedule', 'string', 0], ['Age', 'string', 0], ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ],
  );
  assert.equal(NOW.getUTCFullYear(), 2024);
});

test('through the generic object store: create/update/status flows and write-phase rules', async () => {
  const { MemoryStore } = await import('../../src/storage/memory/memory-store.js');
  const { WatchCache } = await import('../../src/storage/watch-cache.js');
  const { ObjectStore } = await import('../../src/apiserver/object-store.js');
  const { getSchema } = await import('../../src/openapi/schemas.js');
  const { VirtualClock } = await import('../../src/util/clock.js');
  const store = new MemoryStore();
  const cache = new WatchCache(store);
  await cache.start();
  try {
    const objects = new ObjectStore({ store, cache, clock: new VirtualClock(NOW), schemas: getSchema });
    const w = () => ({ dryRun: false, manager: 'kubectl', warnings: [] as string[] });

    // A Job from generateName: the generated name and uid end up in labels and selector.
    const j = await objects.create(jobKind, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { generateName: 'pi-' }, spec: job().spec }, w());
    assert.match(j.metadata.name!, /^pi-[a-z0-9]{5}$/);
    assert.equal(j.metadata.labels!['batch.kubernetes.io/job-name'], j.metadata.name);
    assert.deepEqual(j.spec.selector, { matchLabels: { 'batch.kubernetes.io/controller-uid': j.metadata.uid } });
    assert.equal(j.metadata.generation, 1);

    // The main resource keeps status; /status keeps spec.
    const scaled = await objects.update(jobKind, 'default', j.metadata.name!, { ...j, spec: { ...j.spec, parallelism: 0 }, status: { failed: 3 } }, w());
    assert.deepEqual(scaled.status, {});
    assert.equal(scaled.spec.parallelism, 0);
    assert.equal(scaled.metadata.generation, 2);
    const st = await objects.update(jobKind, 'default', j.metadata.name!, { ...scaled, spec: { ...scaled.spec, parallelism: 5 }, status: { startTime: ago(1000), active: 0 } }, w(), { mode: 'status' });
    assert.equal(st.spec.parallelism, 0);
    assert.deepEqual(st.status, { startTime: ago(1000), active: 0 });
    await assert.rejects(
      objects.update(jobKind, 'default', j.metadata.name!, { ...st, status: { startTime: ago(1000), failed: -1 } }, w(), { mode: 'status' }),
      (e: Error) =>
        e.message ===
        `Job.batch "${j.metadata.name}" is invalid: [status.failed: Invalid value: -1: must be greater than or equal to 0, status.failed: Invalid value: -1: cannot decrease the failed counter]`,
    );

    // CronJob: create refuses TZ in the schedule; the name warning appears on create only.
    await assert.rejects(objects.create(cronJobKind, 'default', cronjob({ schedule: 'TZ=UTC * * * * *' }) as KObject, w()), (e: Error) =>
      e.message.endsWith('spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'),
    );
    const wc = w();
    const cj = await objects.create(cronJobKind, 'default', cronjob({}, 'tick.v1') as KObject, wc);
    assert.deepEqual(wc.warnings, ['metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [must not contain dots]']);
    const wu = w();
    const suspended = await objects.update(cronJobKind, 'default', 'tick.v1', { ...cj, spec: { ...cj.spec, suspend: true } }, wu);
    assert.equal(suspended.spec.suspend, true);
    assert.deepEqual(wu.warnings, []);
    await assert.rejects(objects.update(cronJobKind, 'default', 'tick.v1', { ...suspended, spec: { ...suspended.spec, timeZone: 'Nowhere' } }, w()), (e: Error) =>
      e.message.endsWith('spec.timeZone: Invalid value: "Nowhere": unknown time zone Nowhere'),
    );
  } finally {
    await cache.stop();
  }
});
