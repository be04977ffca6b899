// Real kubectl against `k8ts up --nodes 3` (sim runtime): DaemonSets and StatefulSets as issue 5
// describes them — apply, get (columns), rollout status/history/undo for both kinds, OnDelete,
// scale, a deleted pod coming back with its claim, claims kept after the set is deleted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, K8TS_BIN, ok, startCluster, type Cluster } from './harness.js';

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));
/** eventually() for checks that return the value they waited for (or undefined/false meanwhile). */
const until = async <T>(fn: () => T | undefined | false, what: string, timeoutMs?: number): Promise<T> => (await eventually(fn, what, timeoutMs)) as T;

const DS = (name: string, strategy = '') => `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: ${name}
spec:
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: agent
          image: fluentd:1.16
${strategy}`;

const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: sample-statefulset
spec:
  serviceName: sample-statefulset
  replicas: 3
  selector:
    matchLabels:
      app: sample-sts
  template:
    metadata:
      labels:
        app: sample-sts
    spec:
      containers:
        - name: nginx
          image: nginx:1.16
          volumeMounts:
            - name: www
              mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
    - metadata:
        name: www
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
`;

interface PodInfo {
  name: string;
  node: string;
  image: string;
  ready: boolean;
  uid: string;
}

function pods(c: Cluster, selector: string): PodInfo[] {
  const list = json(c, ['get', 'pods', '-l', selector]);
  return list.items
    .filter((p: { metadata: { deletionTimestamp?: string } }) => !p.metadata.deletionTimestamp)
    .map((p: { metadata: { name: string; uid: string }; spec: { nodeName: string; containers: { image: string }[] }; status: { conditions?: { type: string; status: string }[] } }) => ({
      name: p.metadata.name,
      uid: p.metadata.uid,
      node: p.spec.nodeName,
      image: p.spec.containers[0].image,
      ready: (p.status.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True'),
    }))
    .sort((a: PodInfo, b: PodInfo) => (a.name < b.name ? -1 : 1));
}

describe('kubectl daemonset and statefulset workflows', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '3'] });
    await eventually(() => (ok(c.kubectl(['get', 'nodes', '--no-headers'])).match(/ Ready /g) ?? []).length === 3, 'three Ready nodes');
  });
  after(async () => {
    await c?.destroy();
  });

  test('DaemonSet: apply, get columns, rollout status, set image, history, undo', async () => {
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: DS('sample-ds') })).trim(), 'daemonset.apps/sample-ds created');
    const rolled = ok(c.kubectl(['rollout', 'status', 'daemonset/sample-ds', '--timeout=60s']));
    assert.match(rolled, /daemon set "sample-ds" successfully rolled out\n$/);
    const table = await until(() => {
      const out = ok(c.kubectl(['get', 'daemonsets']));
      return /^sample-ds\s+3\s+3\s+3\s+3\s+3\s+<none>\s+\d+s$/m.test(out) && out;
    }, 'sample-ds 3 3 3 3 3');
    assert.match(table, /^NAME\s+DESIRED\s+CURRENT\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+NODE SELECTOR\s+AGE$/m);
    const first = pods(c, 'app=sample-ds');
    assert.equal(new Set(first.map((p) => p.node)).size, 3, 'one pod per node');

    assert.equal(ok(c.kubectl(['set', 'image', 'daemonset/sample-ds', 'agent=fluentd:1.17'])).trim(), 'daemonset.apps/sample-ds image updated');
    assert.match(ok(c.kubectl(['rollout', 'status', 'daemonset/sample-ds', '--timeout=60s'])), /daemon set "sample-ds" successfully rolled out\n$/);
    const second = pods(c, 'app=sample-ds');
    assert.ok(second.every((p) => p.image === 'fluentd:1.17' && p.ready));

    const history = ok(c.kubectl(['rollout', 'history', 'daemonset/sample-ds']));
    assert.match(history, /^daemonset\.apps\/sample-ds \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    const rev1 = ok(c.kubectl(['rollout', 'history', 'daemonset/sample-ds', '--revision=1']));
    assert.match(rev1, /^daemonset\.apps\/sample-ds with revision #1\nPod Template:\n/);
    assert.match(rev1, /Image:\s+fluentd:1\.16/);

    assert.equal(ok(c.kubectl(['rollout', 'undo', 'daemonset/sample-ds'])).trim(), 'daemonset.apps/sample-ds rolled back');
    assert.match(ok(c.kubectl(['rollout', 'status', 'daemonset/sample-ds', '--timeout=60s'])), /successfully rolled out/);
    const undone = await until(() => {
      const ps = pods(c, 'app=sample-ds');
      return ps.length === 3 && ps.every((p) => p.image === 'fluentd:1.16' && p.ready) && ps;
    }, 'pods back on fluentd:1.16');
    assert.match(ok(c.kubectl(['rollout', 'history', 'daemonset/sample-ds'])), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);

    // A fourth node joins as a separate `k8ts agent` process: it gets a daemon pod too.
    const agent = spawn(process.execPath, [K8TS_BIN, 'agent', '--kubeconfig', c.kubeconfig, '--name', 'worker-4', '--data-dir', join(c.dataDir, 'worker-4')], { stdio: 'ignore' });
    try {
      await eventually(() => /^sample-ds\s+4\s+4\s+4\s+4\s+4\s+<none>\s/m.test(ok(c.kubectl(['get', 'daemonsets']))), 'sample-ds 4 4 4 4 4', 60_000);
      const four = pods(c, 'app=sample-ds');
      assert.equal(four.filter((p) => p.node === 'worker-4').length, 1, 'a pod on worker-4');
      assert.ok(undone.every((p) => four.some((q) => q.uid === p.uid)), 'the other pods stay');
    } finally {
      agent.kill('SIGTERM');
    }
    // The agent is gone: delete its node, as an administrator would; the set shrinks back to 3.
    // (Its pod stays bound to the deleted node until the pod GC removes it; meanwhile a rolling
    // update would count that node as unavailable, as upstream does.)
    await eventually(() => c.kubectl(['delete', 'node', 'worker-4']).code === 0, 'node worker-4 deleted');
    await eventually(() => /^sample-ds\s+3\s+3\s+3\s+3\s+3\s/m.test(ok(c.kubectl(['get', 'daemonsets']))), 'sample-ds back to 3', 60_000);
    assert.equal(ok(c.kubectl(['delete', 'daemonset', 'sample-ds'])).trim(), 'daemonset.apps "sample-ds" deleted');
  });

  test('DaemonSet OnDelete: a pod takes the new template only once deleted', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: DS('sample-ds-ondelete', '  updateStrategy:\n    type: OnDelete\n') }));
    const status = c.kubectl(['rollout', 'status', 'daemonset/sample-ds-ondelete', '--timeout=60s']);
    assert.equal(status.code, 1);
    assert.equal(status.stderr.trim(), 'error: rollout status is only available for RollingUpdate strategy type');
    await eventually(() => /^sample-ds-ondelete\s+3\s+3\s+3\s+3\s+3\s/m.test(ok(c.kubectl(['get', 'ds', 'sample-ds-ondelete']))), 'sample-ds-ondelete 3 3 3 3 3');
    ok(c.kubectl(['set', 'image', 'daemonset/sample-ds-ondelete', 'agent=fluentd:1.17']));
    await eventually(() => /^sample-ds-ondelete\s+3\s+3\s+3\s+0\s+3\s/m.test(ok(c.kubectl(['get', 'ds', 'sample-ds-ondelete']))), 'UP-TO-DATE 0');
    const before = pods(c, 'app=sample-ds-ondelete');
    assert.ok(before.every((p) => p.image === 'fluentd:1.16'));
    assert.match(ok(c.kubectl(['delete', 'pod', before[0].name])), new RegExp(`pod "${before[0].name}" deleted`));
    const after = await until(() => {
      const ps = pods(c, 'app=sample-ds-ondelete');
      return ps.length === 3 && ps.every((p) => p.ready) && ps;
    }, 'three ready pods again');
    const replaced = after.filter((p) => !before.some((b) => b.uid === p.uid));
    assert.equal(replaced.length, 1);
    assert.equal(replaced[0].image, 'fluentd:1.17');
    assert.equal(replaced[0].node, before[0].node, 'on the same node');
    assert.equal(after.filter((p) => p.image === 'fluentd:1.16').length, 2);
    ok(c.kubectl(['delete', 'ds', 'sample-ds-ondelete']));
  });

  test('StatefulSet: ordered pods with claims, get columns, scale, stable identity, rollout status/history/undo, claims kept', async () => {
    assert.equal(ok(c.kubectl(['apply', '-f', '-'], { input: STS })).trim(), 'statefulset.apps/sample-statefulset created');
    const rolled = ok(c.kubectl(['rollout', 'status', 'statefulset/sample-statefulset', '--timeout=90s']));
    assert.match(rolled, /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/);
    await eventually(() => /^sample-statefulset\s+3\/3\s+\d+s$/m.test(ok(c.kubectl(['get', 'statefulsets']))), 'sample-statefulset 3/3');
    assert.match(ok(c.kubectl(['get', 'statefulsets'])), /^NAME\s+READY\s+AGE$/m);
    assert.deepEqual(pods(c, 'app=sample-sts').map((p) => p.name), ['sample-statefulset-0', 'sample-statefulset-1', 'sample-statefulset-2']);
    const claims = ok(c.kubectl(['get', 'persistentvolumeclaims', '-o', 'name']));
    for (let i = 0; i < 3; i++) assert.match(claims, new RegExp(`^persistentvolumeclaim/www-sample-statefulset-${i}$`, 'm'));
    // The default StorageClass provisions a volume for each claim.
    await eventually(() => (ok(c.kubectl(['get', 'pvc', '--no-headers'])).match(/^www-sample-statefulset-\d\s+Bound\s/gm) ?? []).length === 3, 'three claims Bound', 60_000);
    const events = ok(c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=sample-statefulset', '-o', 'custom-columns=MSG:.message', '--no-headers']));
    assert.match(events, /^create Claim www-sample-statefulset-0 Pod sample-statefulset-0 in StatefulSet sample-statefulset success$/m);
    assert.match(events, /^create Pod sample-statefulset-2 in StatefulSet sample-statefulset successful$/m);

    assert.equal(ok(c.kubectl(['scale', 'statefulset', 'sample-statefulset', '--replicas=5'])).trim(), 'statefulset.apps/sample-statefulset scaled');
    await eventually(() => /^sample-statefulset\s+5\/5\s/m.test(ok(c.kubectl(['get', 'sts']))), '5/5');
    ok(c.kubectl(['scale', 'statefulset', 'sample-statefulset', '--replicas=3']));
    await eventually(() => pods(c, 'app=sample-sts').map((p) => p.name).join() === 'sample-statefulset-0,sample-statefulset-1,sample-statefulset-2', 'back to 3, highest removed');

    const old0 = pods(c, 'app=sample-sts')[0];
    // --wait=false: kubectl <= 1.34 can wait forever when a pod is recreated under the same name
    // between its DELETE and its watch (kubernetes/kubernetes#135562); sim pods stop in
    // milliseconds, so the window is easy to hit. We poll for the new pod instead.
    assert.equal(ok(c.kubectl(['delete', 'pod', 'sample-statefulset-0', '--wait=false'])).trim(), 'pod "sample-statefulset-0" deleted');
    const back = await until(() => {
      const p = pods(c, 'app=sample-sts').find((x) => x.name === 'sample-statefulset-0');
      return p && p.uid !== old0.uid && p.ready && p;
    }, 'sample-statefulset-0 back');
    const claimName = ok(c.kubectl(['get', 'pod', back.name, '-o', 'jsonpath={.spec.volumes[?(@.name=="www")].persistentVolumeClaim.claimName}']));
    assert.equal(claimName, 'www-sample-statefulset-0');

    ok(c.kubectl(['set', 'image', 'statefulset/sample-statefulset', 'nginx=nginx:1.17']));
    assert.match(ok(c.kubectl(['rollout', 'status', 'statefulset/sample-statefulset', '--timeout=90s'])), /partitioned roll out complete: 3 new pods have been updated\.\.\.\n$/);
    await eventually(() => pods(c, 'app=sample-sts').every((p) => p.image === 'nginx:1.17' && p.ready), 'all on nginx:1.17');
    const history = ok(c.kubectl(['rollout', 'history', 'statefulset/sample-statefulset']));
    assert.match(history, /^statefulset\.apps\/sample-statefulset \nREVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>\n/);
    assert.match(ok(c.kubectl(['rollout', 'history', 'statefulset/sample-statefulset', '--revision=1'])), /Image:\s+nginx:1\.16/);
    assert.equal(ok(c.kubectl(['rollout', 'undo', 'statefulset/sample-statefulset'])).trim(), 'statefulset.apps/sample-statefulset rolled back');
    await eventually(() => {
      const ps = pods(c, 'app=sample-sts');
      return ps.length === 3 && ps.every((p) => p.image === 'nginx:1.16' && p.ready);
    }, 'rolled back to nginx:1.16', 90_000);
    await eventually(() => {
      const s = json(c, ['get', 'sts', 'sample-statefulset']).status;
      return s.currentRevision === s.updateRevision && s.currentReplicas === 3;
    }, 'rollback complete');
    assert.match(ok(c.kubectl(['rollout', 'history', 'statefulset/sample-statefulset'])), /REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>\n/);

    assert.equal(ok(c.kubectl(['delete', 'statefulset', 'sample-statefulset'])).trim(), 'statefulset.apps "sample-statefulset" deleted');
    await eventually(() => pods(c, 'app=sample-sts').length === 0, 'pods gone');
    const kept = ok(c.kubectl(['get', 'pvc', '-o', 'name']));
    for (let i = 0; i < 5; i++) assert.match(kept, new RegExp(`^persistentvolumeclaim/www-sample-statefulset-${i}$`, 'm'), 'claims outlive the set');
    const claimUids = () => [0, 1, 2].map((i) => ok(c.kubectl(['get', 'pvc', `www-sample-statefulset-${i}`, '-o', 'jsonpath={.metadata.uid}'])));
    const uids = claimUids();

    // The set comes back: its pods get the same claims.
    ok(c.kubectl(['apply', '-f', '-'], { input: STS }));
    assert.match(ok(c.kubectl(['rollout', 'status', 'statefulset/sample-statefulset', '--timeout=90s'])), /partitioned roll out complete: 3 new pods have been updated/);
    assert.deepEqual(claimUids(), uids, 'the same claims are reused');
    ok(c.kubectl(['delete', 'statefulset', 'sample-statefulset']));
    await eventually(() => pods(c, 'app=sample-sts').length === 0, 'pods gone again');
    const deleted = ok(c.kubectl(['delete', 'persistentvolumeclaims', ...[0, 1, 2, 3, 4].map((i) => `www-sample-statefulset-${i}`)]));
    assert.equal((deleted.match(/deleted/g) ?? []).length, 5);
  });
});
