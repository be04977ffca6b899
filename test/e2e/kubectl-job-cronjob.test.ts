// Real kubectl against `k8ts up --nodes 2` (sim runtime): the Job and CronJob workflow of issue 6 —
// apply the sample Job, `get jobs` columns, changing parallelism with apply, watching a Job with a
// TTL until it is deleted, `create job`, `create cronjob`, `create job --from cronjob/...`, patching
// suspend, `get cronjobs` columns, and a CronJob scheduling its first Job on the wall clock.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, ok, ROOT, startCluster, type Cluster } from './harness.js';

const SAMPLE_JOB = readFileSync(join(ROOT, 'examples', 'sample-job.yaml'), 'utf8');
const SAMPLE_CRONJOB = readFileSync(join(ROOT, 'examples', 'sample-cronjob.yaml'), 'utf8');

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));
/** The data row of `kubectl get <kind> <name>`. */
const row = (c: Cluster, kind: string, name: string) => ok(c.kubectl(['get', kind, name, '--no-headers'])).trim();

describe('kubectl job and cronjob workflow', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '2'] });
    await eventually(() => (ok(c.kubectl(['get', 'nodes', '--no-headers'])).match(/ Ready /g) ?? []).length === 2, 'two Ready nodes');
    // Created first: by the end of the suite the wall clock has passed a minute boundary.
    const created = c.kubectl(['create', 'cronjob', 'sample-cronjob-by-cli', '--image', 'amsy810/random-exit:v2.0', '--schedule', '*/1 * * * *', '--restart', 'Never']);
    assert.equal(ok(created).trim(), 'cronjob.batch/sample-cronjob-by-cli created');
  });
  after(async () => {
    await c?.destroy();
  });

  test('apply the sample Job; get jobs shows STATUS and COMPLETIONS; apply a new parallelism', async () => {
    // The sample, shortened: four completions of a 3 s sleep.
    const yaml = SAMPLE_JOB.replace('args: ["60"]', 'args: ["3"]').replace('completions: 1', 'completions: 4');
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: yaml })).trim(), 'job.batch/sample-job created');
    const table = ok(c.kubectl(['get', 'jobs']));
    assert.match(table, /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/m);
    // DURATION is empty until the controller sets startTime.
    assert.match(table, /^sample-job\s+Running\s+0\/4\s+(\d+s\s+)?\d+s$/m);
    // What the issue does: sed -e 's|parallelism: 1|parallelism: 2|' sample-job.yaml | kubectl apply -f -
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: yaml.replace('parallelism: 1', 'parallelism: 2') })).trim(), 'job.batch/sample-job configured');
    assert.equal(ok(c.kubectl(['get', 'job', 'sample-job', '-o', 'jsonpath={.spec.parallelism}'])), '2');
    await eventually(() => (ok(c.kubectl(['get', 'pods', '-l', 'job-name=sample-job', '--no-headers'])).match(/ Running /g) ?? []).length === 2, 'two sample-job pods running at once');
    await eventually(() => /^sample-job\s+Complete\s+4\/4\s+\d+s\s+\d+s$/.test(row(c, 'jobs', 'sample-job')), 'sample-job Complete 4/4', 60_000);
    const pods = ok(c.kubectl(['get', 'pods', '-l', 'job-name=sample-job', '--no-headers']));
    assert.equal((pods.match(/ Completed /g) ?? []).length, 4);
    const job = json(c, ['get', 'job', 'sample-job']);
    assert.deepEqual(job.status.conditions.map((x: { type: string; reason: string }) => `${x.type}/${x.reason}`), ['SuccessCriteriaMet/CompletionsReached', 'Complete/CompletionsReached']);
    const described = ok(c.kubectl(['describe', 'job', 'sample-job']));
    assert.match(described, /Pods Statuses:\s+0 Active \(0 Ready\) \/ 4 Succeeded \/ 0 Failed/);
    assert.match(described, /Normal\s+SuccessfulCreate\s+\S+\s+job-controller\s+Created pod: sample-job-\w{5}/);
    assert.match(described, /Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
  });

  test('get job --watch --output-watch-events follows a Job with ttlSecondsAfterFinished until it is deleted', async () => {
    const yaml = SAMPLE_JOB.replace('name: sample-job', 'name: sample-job-ttl').replace('args: ["60"]', 'args: ["2"]').replace('spec:\n', 'spec:\n  ttlSecondsAfterFinished: 3\n');
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: yaml })).trim(), 'job.batch/sample-job-ttl created');
    const w = c.kubectlStream(['get', 'job', 'sample-job-ttl', '--watch', '--output-watch-events']);
    try {
      await eventually(() => /^DELETED\s+sample-job-ttl\s+/m.test(w.output()), 'the DELETED event', 60_000);
    } finally {
      await w.stop();
    }
    const lines = w.output().trim().split('\n');
    assert.match(lines[0], /^EVENT\s+NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$/);
    assert.match(lines[1], /^ADDED\s+sample-job-ttl\s+Running\s+0\/1\s+/);
    assert.ok(lines.some((l) => /^MODIFIED\s+sample-job-ttl\s+Complete\s+1\/1\s+/.test(l)), w.output());
    assert.match(lines.at(-1)!, /^DELETED\s+sample-job-ttl\s+Complete\s+1\/1\s+/);
    // Its pod went with it.
    await eventually(() => ok(c.kubectl(['get', 'pods', '-l', 'job-name=sample-job-ttl', '--no-headers'])).trim() === '', 'the ttl pod deleted');
  });

  test('create job --image ... -- sleep runs to completion', async () => {
    assert.equal(ok(c.kubectl(['create', 'job', 'sample-job-by-cli', '--image=amsy810/tools:v2.0', '--', 'sleep', '2'])).trim(), 'job.batch/sample-job-by-cli created');
    await eventually(() => /^sample-job-by-cli\s+Complete\s+1\/1\s+/.test(row(c, 'jobs', 'sample-job-by-cli')), 'sample-job-by-cli Complete 1/1');
  });

  test('a failing Job stops at its backoffLimit: Failed, BackoffLimitExceeded', async () => {
    assert.equal(ok(c.kubectl(['create', 'job', 'failing-job', '--image=busybox:1.36', '--', 'sh', '-c', 'exit 3'])).trim(), 'job.batch/failing-job created');
    ok(c.kubectl(['patch', 'job', 'failing-job', '--type', 'merge', '-p', '{"spec":{"backoffLimit":0}}']));
    await eventually(() => /^failing-job\s+Failed\s+0\/1\s+/.test(row(c, 'jobs', 'failing-job')), 'failing-job Failed');
    const described = ok(c.kubectl(['describe', 'job', 'failing-job']));
    assert.match(described, /Warning\s+BackoffLimitExceeded\s+\S+\s+job-controller\s+Job has reached the specified backoff limit/);
  });

  test('apply the sample CronJob, create job --from cronjob, patch suspend, get cronjobs', async () => {
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: SAMPLE_CRONJOB })).trim(), 'cronjob.batch/sample-cronjob created');
    assert.equal(ok(c.kubectl(['create', 'job', 'sample-job-from-cronjob', '--from', 'cronjob/sample-cronjob'])).trim(), 'job.batch/sample-job-from-cronjob created');
    const job = json(c, ['get', 'job', 'sample-job-from-cronjob']);
    assert.equal(job.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(job.metadata.ownerReferences[0].name, 'sample-cronjob');
    // random-exit: it ends either way, within a few seconds.
    await eventually(() => /^sample-job-from-cronjob\s+(Complete\s+1\/1|Failed\s+0\/1)\s+/.test(row(c, 'jobs', 'sample-job-from-cronjob')), 'the manual run finished');
    assert.equal(ok(c.kubectl(['patch', 'cronjob', 'sample-cronjob', '-p', '{"spec": {"suspend":true}}'])).trim(), 'cronjob.batch/sample-cronjob patched');
    const table = ok(c.kubectl(['get', 'cronjobs']));
    assert.match(table, /^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$/m);
    assert.match(table, /^sample-cronjob\s+\*\/1 \* \* \* \*\s+<none>\s+true\s+0\s+<none>\s+\d+s$/m);
  });

  test('the CronJob created with kubectl schedules a Job at the next minute', async () => {
    type JobMeta = { metadata: { name: string; annotations?: Record<string, string> } };
    const job: JobMeta = await eventually(() => {
      const list = json(c, ['get', 'jobs']).items as JobMeta[];
      return list.find((j) => /^sample-cronjob-by-cli-\d+$/.test(j.metadata.name));
    }, 'a scheduled Job', 90_000).then((j) => j!);
    const minute = Number(job.metadata.name.split('-').at(-1));
    assert.equal(job.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp'], new Date(minute * 60_000).toISOString().replace('.000Z', 'Z'));
    // SCHEDULE TIMEZONE SUSPEND ACTIVE LAST-SCHEDULE AGE, with LAST SCHEDULE now an age.
    await eventually(() => /^sample-cronjob-by-cli\s+\*\/1 \* \* \* \*\s+<none>\s+false\s+[01]\s+\d+s\s+\d+(s|m\d*s?)$/.test(row(c, 'cronjobs', 'sample-cronjob-by-cli')), 'LAST SCHEDULE set');
    const described = ok(c.kubectl(['describe', 'cronjob', 'sample-cronjob-by-cli']));
    assert.match(described, new RegExp(`Normal\\s+SuccessfulCreate\\s+\\S+\\s+cronjob-controller\\s+Created job ${job.metadata.name}`));
    assert.equal(ok(c.kubectl(['patch', 'cronjob', 'sample-cronjob-by-cli', '-p', '{"spec":{"suspend":true}}'])).trim(), 'cronjob.batch/sample-cronjob-by-cli patched');
  });
});
