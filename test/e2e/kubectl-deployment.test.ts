// Real kubectl against `k8ts up --nodes 3` (sim runtime): the Deployment workflow of issue 4 —
// apply --record, get, set image, rollout status/history/undo/pause/resume/restart, scale,
// create deployment, wait, describe, delete — with the exact lines kubectl prints.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, ok, startCluster, type Cluster } from './harness.js';

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));

const DEPLOY = (name: string, image = 'nginx:1.16', extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 3${extra}
  selector:
    matchLabels:
      app: ${name}-app
  template:
    metadata:
      labels:
        app: ${name}-app
    spec:
      containers:
        - name: nginx-container
          image: ${image}
`;

/** The Deployment's ReplicaSets by revision (as `rollout history` lists them). */
function replicaSets(c: Cluster, app: string): { name: string; revision: number; replicas: number; image: string }[] {
  const list = json(c, ['get', 'replicasets', '-l', `app=${app}`]);
  return list.items
    .map((rs: { metadata: { name: string; annotations: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { image: string }[] } } } }) => ({
      name: rs.metadata.name,
      revision: Number(rs.metadata.annotations['deployment.kubernetes.io/revision']),
      replicas: rs.spec.replicas,
      image: rs.spec.template.spec.containers[0].image,
    }))
    .sort((a: { revision: number }, b: { revision: number }) => a.revision - b.revision);
}

describe('kubectl deployment workflow', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '3'] });
    await eventually(() => (ok(c.kubectl(['get', 'nodes', '--no-headers'])).match(/ Ready /g) ?? []).length === 3, 'three Ready nodes');
  });
  after(async () => {
    await c?.destroy();
  });

  test('apply --record, get, set image, rollout status/history/undo, scale, delete', async () => {
    const applied = c.kubectl(['apply', '-f', '-', '--record'], { input: DEPLOY('sample-deployment') });
    assert.equal(ok(applied).trim(), 'deployment.apps/sample-deployment created');

    // kubectl get deployments: READY 3/3, UP-TO-DATE 3, AVAILABLE 3.
    await eventually(() => /^sample-deployment\s+3\/3\s+3\s+3\s+\d+s$/m.test(ok(c.kubectl(['get', 'deployments']))), 'sample-deployment 3/3 3 3');
    const table = ok(c.kubectl(['get', 'deployments']));
    assert.match(table, /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/m);
    const wide = ok(c.kubectl(['get', 'deployments', '-o', 'wide']));
    assert.match(wide, /^sample-deployment\s+3\/3\s+3\s+3\s+\S+\s+nginx-container\s+nginx:1\.16\s+app=sample-deployment-app$/m);
    const [rs1] = replicaSets(c, 'sample-deployment-app');
    assert.match(rs1.name, /^sample-deployment-[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    const rsTable = ok(c.kubectl(['get', 'rs', '-l', 'app=sample-deployment-app']));
    assert.match(rsTable, new RegExp(`^${rs1.name}\\s+3\\s+3\\s+3\\s+\\S+$`, 'm'));
    const podNames = ok(c.kubectl(['get', 'pods', '-l', 'app=sample-deployment-app', '-o', 'name'])).trim().split('\n');
    assert.equal(podNames.length, 3);
    for (const p of podNames) assert.match(p, new RegExp(`^pod/${rs1.name}-[a-z0-9]{5}$`));

    // set image --record, then rollout status follows it to the end.
    const set = c.kubectl(['set', 'image', 'deployment', 'sample-deployment', 'nginx-container=nginx:1.17', '--record']);
    assert.equal(ok(set).trim(), 'deployment.apps/sample-deployment image updated');
    const status = await c.kubectlAsync(['rollout', 'status', 'deployment', 'sample-deployment', '--timeout', '60s']);
    assert.equal(status.code, 0, status.stderr);
    const lines = status.stdout.trim().split('\n');
    assert.equal(lines.at(-1), 'deployment "sample-deployment" successfully rolled out');
    for (const l of lines.slice(0, -1)) {
      assert.match(l, /^Waiting for deployment (spec update to be observed|"sample-deployment" rollout to finish: (\d+ out of 3 new replicas have been updated|\d+ old replicas are pending termination|\d+ of 3 updated replicas are available))\.\.\.$/);
    }
    assert.match(ok(c.kubectl(['get', 'deployments', 'sample-deployment'])), /^sample-deployment\s+3\/3\s+3\s+3\s+/m);
    const rss = replicaSets(c, 'sample-deployment-app');
    assert.deepEqual(
      rss.map((r) => [r.revision, r.replicas, r.image]),
      [
        [1, 0, 'nginx:1.16'],
        [2, 3, 'nginx:1.17'],
      ],
    );

    // rollout history: change-cause from each ReplicaSet.
    const history = ok(c.kubectl(['rollout', 'history', 'deployment', 'sample-deployment']));
    assert.match(history, /^deployment\.apps\/sample-deployment *\nREVISION\s+CHANGE-CAUSE\n/);
    assert.match(history, /^1\s+kubectl apply .*--filename=- .*--record=true$/m);
    assert.match(history, /^2\s+kubectl set image deployment sample-deployment nginx-container=nginx:1\.17 .*--record=true$/m);
    const rev1 = ok(c.kubectl(['rollout', 'history', 'deployment', 'sample-deployment', '--revision', '1']));
    assert.match(rev1, /^deployment\.apps\/sample-deployment with revision #1\nPod Template:\n/);
    assert.match(rev1, /pod-template-hash=/);
    assert.match(rev1, /Image:\s+nginx:1\.16/);
    assert.match(rev1, /kubernetes\.io\/change-cause:\s+kubectl apply /);
    const missing = c.kubectl(['rollout', 'history', 'deployment', 'sample-deployment', '--revision', '9']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /unable to find the specified revision/);

    // describe: the ReplicaSets and the controller's events.
    const describe = ok(c.kubectl(['describe', 'deployment', 'sample-deployment']));
    assert.match(describe, /^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    assert.match(describe, /^Annotations:\s+deployment\.kubernetes\.io\/revision: 2$/m);
    assert.match(describe, /^StrategyType:\s+RollingUpdate$/m);
    assert.match(describe, /^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
    assert.match(describe, /^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
    assert.match(describe, /^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
    assert.match(describe, new RegExp(`^NewReplicaSet:\\s+${rss[1].name} \\(3/3 replicas created\\)$`, 'm'));
    assert.match(describe, new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled up replica set ${rs1.name} from 0 to 3`));
    assert.match(describe, new RegExp(`Normal\\s+ScalingReplicaSet\\s+\\S+\\s+deployment-controller\\s+Scaled down replica set ${rs1.name} from 1 to 0`));

    // undo: back to revision 1's template, which becomes revision 3 (same ReplicaSet).
    assert.equal(ok(c.kubectl(['rollout', 'undo', 'deployment', 'sample-deployment'])).trim(), 'deployment.apps/sample-deployment rolled back');
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment', 'sample-deployment', '--timeout', '60s']));
    assert.deepEqual(
      replicaSets(c, 'sample-deployment-app').map((r) => [r.name, r.revision, r.replicas]),
      [
        [rss[1].name, 2, 0],
        [rs1.name, 3, 3],
      ],
    );
    const h2 = ok(c.kubectl(['rollout', 'history', 'deployment', 'sample-deployment']));
    assert.doesNotMatch(h2, /^1\s/m, 'revision 1 became 3');
    assert.match(h2, /^3\s+kubectl apply /m);
    const skipped = ok(c.kubectl(['rollout', 'undo', 'deployment', 'sample-deployment', '--to-revision', '3']));
    assert.equal(skipped.trim(), 'deployment.apps/sample-deployment skipped rollback (current template already matches revision 3)');
    assert.equal(ok(c.kubectl(['rollout', 'undo', 'deployment', 'sample-deployment', '--to-revision', '2'])).trim(), 'deployment.apps/sample-deployment rolled back');
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment', 'sample-deployment', '--timeout', '60s']));
    assert.deepEqual(json(c, ['get', 'deployment', 'sample-deployment']).spec.template.spec.containers[0].image, 'nginx:1.17');
    const gone = c.kubectl(['rollout', 'undo', 'deployment', 'sample-deployment', '--to-revision', '1']);
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /unable to find specified revision 1 in history/);

    // scale
    assert.equal(ok(c.kubectl(['scale', 'deployment', 'sample-deployment', '--replicas=5'])).trim(), 'deployment.apps/sample-deployment scaled');
    await eventually(() => /^sample-deployment\s+5\/5\s+5\s+5\s+/m.test(ok(c.kubectl(['get', 'deployments', 'sample-deployment']))), 'sample-deployment 5/5');

    // delete: the ReplicaSets and pods go with it.
    assert.equal(ok(c.kubectl(['delete', 'deployment', 'sample-deployment'])).trim(), 'deployment.apps "sample-deployment" deleted');
    await eventually(
      () => ok(c.kubectl(['get', 'rs,pods', '-l', 'app=sample-deployment-app', '-o', 'name'])).trim() === '',
      'ReplicaSets and pods of sample-deployment gone',
      60_000,
    );
  });

  test('pause, resume and restart', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: DEPLOY('pr') }));
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/pr', '--timeout', '60s']));
    ok(c.kubectl(['set', 'image', 'deployment/pr', 'nginx-container=nginx:1.17']));
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/pr', '--timeout', '60s']));
    assert.equal(ok(c.kubectl(['rollout', 'pause', 'deployment/pr'])).trim(), 'deployment.apps/pr paused');
    const again = c.kubectl(['rollout', 'pause', 'deployment/pr']);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /deployments\.apps "pr" is already paused/);
    ok(c.kubectl(['set', 'image', 'deployment/pr', 'nginx-container=nginx:1.18']));
    await eventually(() => /^\s+Progressing\s+Unknown\s+DeploymentPaused$/m.test(ok(c.kubectl(['describe', 'deployment', 'pr']))), 'Progressing Unknown DeploymentPaused');
    assert.equal(replicaSets(c, 'pr-app').length, 2, 'no rollout while paused');
    const undoPaused = c.kubectl(['rollout', 'undo', 'deployment/pr']);
    assert.notEqual(undoPaused.code, 0);
    assert.match(undoPaused.stderr, /you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume'/);
    // Scaling still applies while paused.
    ok(c.kubectl(['scale', 'deployment/pr', '--replicas=4']));
    // UP-TO-DATE 0: none of the running pods has the paused template.
    await eventually(() => /^pr\s+4\/4\s+0\s+4\s+/m.test(ok(c.kubectl(['get', 'deployment', 'pr']))), 'pr 4/4 0 4 while paused');
    assert.equal(replicaSets(c, 'pr-app').length, 2);
    assert.equal(ok(c.kubectl(['rollout', 'resume', 'deployment/pr'])).trim(), 'deployment.apps/pr resumed');
    const notPaused = c.kubectl(['rollout', 'resume', 'deployment/pr']);
    assert.notEqual(notPaused.code, 0);
    assert.match(notPaused.stderr, /deployments\.apps "pr" is not paused/);
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/pr', '--timeout', '60s']));
    assert.deepEqual(
      replicaSets(c, 'pr-app').map((r) => [r.revision, r.replicas, r.image]),
      [
        [1, 0, 'nginx:1.16'],
        [2, 0, 'nginx:1.17'],
        [3, 4, 'nginx:1.18'],
      ],
    );
    assert.equal(ok(c.kubectl(['rollout', 'restart', 'deployment/pr'])).trim(), 'deployment.apps/pr restarted');
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/pr', '--timeout', '60s']));
    const after = replicaSets(c, 'pr-app');
    assert.equal(after.length, 4);
    assert.deepEqual([after[3].revision, after[3].replicas, after[3].image], [4, 4, 'nginx:1.18']);
    ok(c.kubectl(['delete', 'deployment', 'pr']));
  });

  test('create deployment, wait --for=condition=Available, Recreate', async () => {
    const created = ok(c.kubectl(['create', 'deployment', 'sample-deployment-by-cli', '--image', 'nginx:1.16']));
    assert.equal(created.trim(), 'deployment.apps/sample-deployment-by-cli created');
    const waited = await c.kubectlAsync(['wait', '--for=condition=Available', 'deployment/sample-deployment-by-cli', '--timeout=60s']);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout.trim(), 'deployment.apps/sample-deployment-by-cli condition met');
    assert.match(ok(c.kubectl(['get', 'deployment', 'sample-deployment-by-cli'])), /^sample-deployment-by-cli\s+1\/1\s+1\s+1\s+/m);

    ok(c.kubectl(['apply', '-f', '-'], { input: DEPLOY('recreate', 'nginx:1.16', '\n  strategy:\n    type: Recreate') }));
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/recreate', '--timeout', '60s']));
    ok(c.kubectl(['set', 'image', 'deployment/recreate', 'nginx-container=nginx:1.17']));
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/recreate', '--timeout', '60s']));
    const describe = ok(c.kubectl(['describe', 'deployment', 'recreate']));
    assert.match(describe, /^StrategyType:\s+Recreate$/m);
    const [old, cur] = replicaSets(c, 'recreate-app');
    assert.match(describe, new RegExp(`Scaled down replica set ${old.name} from 3 to 0`));
    assert.match(describe, new RegExp(`Scaled up replica set ${cur.name} from 0 to 3`));
    ok(c.kubectl(['delete', 'deployment', 'sample-deployment-by-cli', 'recreate']));
  });

  test('rollout status reports a rollout past its progress deadline', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: DEPLOY('stuck', 'nginx:1.16', '\n  progressDeadlineSeconds: 3') }));
    ok(await c.kubectlAsync(['rollout', 'status', 'deployment/stuck', '--timeout', '60s']));
    // New pods that run but never become Ready (sim readiness off).
    ok(c.kubectl(['patch', 'deployment', 'stuck', '-p', '{"spec":{"template":{"metadata":{"annotations":{"sim.k8ts.dev/ready":"false"}}}}}']));
    const r = await c.kubectlAsync(['rollout', 'status', 'deployment/stuck', '--timeout', '60s']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: deployment "stuck" exceeded its progress deadline$/m);
    assert.match(ok(c.kubectl(['describe', 'deployment', 'stuck'])), /^\s+Progressing\s+False\s+ProgressDeadlineExceeded$/m);
    ok(c.kubectl(['delete', 'deployment', 'stuck']));
  });
});
