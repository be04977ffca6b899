// Real kubectl against `k8ts up --nodes 3` (sim runtime): the built-in local-path class binds
// WaitForFirstConsumer. A claim stays Pending (WaitForFirstConsumer event) until a pod uses it;
// the scheduler then has a volume provisioned on the pod's node before binding the pod, and a
// second pod using the claim lands on the same node. A pod naming a missing claim shows the
// scheduler's FailedScheduling message in `kubectl describe pod`.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { eventually, ok, startCluster, type Cluster } from './harness.js';

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));

const PVC = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
`;

const POD = (name: string, claim: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  terminationGracePeriodSeconds: 0
  containers:
    - name: app
      image: nginx:1.27
  volumes:
    - name: data
      persistentVolumeClaim:
        claimName: ${claim}
`;

describe('kubectl: WaitForFirstConsumer volume binding', { timeout: 240_000 }, () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '3'] });
  });
  after(async () => {
    await c?.destroy();
  });

  test('local-path is the default class and binds WaitForFirstConsumer', async () => {
    const out = (await eventually(() => {
      const r = c.kubectl(['get', 'storageclass', 'local-path', '--no-headers']);
      return r.code === 0 ? r.stdout : undefined;
    }, 'local-path class')) as string;
    assert.match(out, /^local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s/);
  });

  test('a claim is Pending until a pod uses it, then Bound to a volume on that pod\'s node; a second pod follows', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: PVC }));
    await eventually(() => /Normal\s+WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/.test(ok(c.kubectl(['describe', 'pvc', 'data']))), 'WaitForFirstConsumer event');
    assert.match(ok(c.kubectl(['get', 'pvc', 'data', '--no-headers'])), /^data\s+Pending\s+local-path\s/);

    ok(c.kubectl(['apply', '-f', '-'], { input: POD('first', 'data') }));
    const first = await eventually(() => {
      const p = json(c, ['get', 'pod', 'first']);
      return p.status?.phase === 'Running' ? p : undefined;
    }, 'first Running', 90_000);
    const node: string = first.spec.nodeName;
    assert.match(node, /./);
    const pvc = json(c, ['get', 'pvc', 'data']);
    assert.equal(pvc.status.phase, 'Bound');
    assert.equal(pvc.metadata.annotations['volume.kubernetes.io/selected-node'], node);
    assert.match(ok(c.kubectl(['get', 'pvc', 'data', '--no-headers'])), new RegExp(`^data\\s+Bound\\s+${pvc.spec.volumeName}\\s+1Gi\\s+RWO\\s+local-path\\s`));
    const pv = json(c, ['get', 'pv', pvc.spec.volumeName]);
    assert.deepEqual(pv.spec.nodeAffinity.required.nodeSelectorTerms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }]);
    assert.match(ok(c.kubectl(['describe', 'pv', pvc.spec.volumeName])), new RegExp(`Node Affinity:\\s+Required Terms:\\s+Term 0:\\s+kubernetes.io/hostname in \\[${node}\\]`));

    ok(c.kubectl(['apply', '-f', '-'], { input: POD('second', 'data') }));
    const second = await eventually(() => {
      const p = json(c, ['get', 'pod', 'second']);
      return p.status?.phase === 'Running' ? p : undefined;
    }, 'second Running', 90_000);
    assert.equal(second.spec.nodeName, node);
  });

  test('a pod with a missing claim: FailedScheduling in kubectl describe pod, until the claim exists', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: POD('orphan', 'missing') }));
    const msg = '0/3 nodes are available: persistentvolumeclaim "missing" not found. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
    const described = (await eventually(() => {
      const out = ok(c.kubectl(['describe', 'pod', 'orphan']));
      return /Warning\s+FailedScheduling\s+.*default-scheduler\s+0\/3 nodes are available: persistentvolumeclaim "missing" not found\./.test(out) ? out : undefined;
    }, 'FailedScheduling in describe', 60_000)) as string;
    assert.match(described, /Status:\s+Pending/);
    const p = json(c, ['get', 'pod', 'orphan']);
    const cond = p.status.conditions.find((x: { type: string }) => x.type === 'PodScheduled');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'Unschedulable');
    assert.equal(cond.message, msg);

    ok(c.kubectl(['apply', '-f', '-'], { input: PVC.replace('name: data', 'name: missing') }));
    await eventually(() => json(c, ['get', 'pod', 'orphan']).status?.phase === 'Running', 'orphan Running once its claim exists', 90_000);
    assert.equal(json(c, ['get', 'pvc', 'missing']).status.phase, 'Bound');
  });
});
