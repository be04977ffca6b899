// Real kubectl against `k8ts up --nodes 3` (sim runtime): nodes, scheduling, pod lifecycle, and a
// separate `k8ts agent` process that dies (issue 3).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, K8TS_BIN, ok, startCluster, type Cluster } from './harness.js';

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));
const podPhase = (c: Cluster, name: string) => json(c, ['get', 'pod', name]).status?.phase;
const podRow = (c: Cluster, name: string) => ok(c.kubectl(['get', 'pod', name, '--no-headers'])).trim();

describe('nodes, scheduling and pod lifecycle', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '3'] });
    await eventually(() => (ok(c.kubectl(['get', 'nodes', '--no-headers'])).match(/ Ready /g) ?? []).length === 3, 'three Ready nodes');
  });
  after(async () => {
    await c?.destroy();
  });

  test('kubectl get nodes shows three Ready nodes with roles and version', () => {
    const out = ok(c.kubectl(['get', 'nodes']));
    assert.match(out, /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/m);
    assert.match(out, /^k8ts-node-1\s+Ready\s+control-plane\s+\S+\s+v1\.32\.\d+\S*$/m);
    assert.match(out, /^k8ts-node-2\s+Ready\s+<none>\s+/m);
    assert.match(out, /^k8ts-node-3\s+Ready\s+<none>\s+/m);
    const wide = ok(c.kubectl(['get', 'nodes', '-o', 'wide']));
    assert.match(wide, /INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/);
    assert.match(wide, /sim:\/\//);
  });

  test('a pod is scheduled and runs with an IP and a node', async () => {
    ok(c.kubectl(['run', 'web', '--image', 'nginx:1.16']));
    await eventually(() => /^web\s+1\/1\s+Running\s+0\s+/.test(podRow(c, 'web')), 'web Running 1/1');
    const pod = json(c, ['get', 'pod', 'web']);
    assert.match(pod.status.podIP, /^10\.244\.\d+\.\d+$/);
    assert.match(pod.spec.nodeName, /^k8ts-node-\d$/);
    const events = ok(c.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=web']));
    assert.match(events, /Scheduled/);
    assert.match(events, /Started/);
  });

  test('nodeSelector: pending with FailedScheduling, then scheduled once a node is labeled', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: ssd-pod}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: busybox, command: ["sleep", "3600"]}]\n' }));
    await eventually(() => /0\/3 nodes are available: 3 node\(s\) didn't match Pod's node affinity\/selector\./.test(ok(c.kubectl(['describe', 'pod', 'ssd-pod']))), 'FailedScheduling event');
    assert.match(podRow(c, 'ssd-pod'), /Pending/);
    ok(c.kubectl(['label', 'node', 'k8ts-node-3', 'disk=ssd']));
    await eventually(() => json(c, ['get', 'pod', 'ssd-pod']).spec.nodeName === 'k8ts-node-3', 'ssd-pod on node 3');
    await eventually(() => podPhase(c, 'ssd-pod') === 'Running', 'ssd-pod Running');
  });

  test('taints keep pods away unless tolerated', async () => {
    ok(c.kubectl(['taint', 'node', 'k8ts-node-3', 'dedicated=db:NoSchedule']));
    ok(c.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: no-tol}\nspec:\n  nodeSelector: {disk: ssd}\n  containers: [{name: c, image: busybox}]\n' }));
    await eventually(() => /untolerated taint \{dedicated: db\}/.test(ok(c.kubectl(['describe', 'pod', 'no-tol']))), 'untolerated taint message');
    ok(
      c.kubectl(['apply', '-f', '-'], {
        input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: tol}\nspec:\n  nodeSelector: {disk: ssd}\n  tolerations: [{key: dedicated, operator: Equal, value: db, effect: NoSchedule}]\n  containers: [{name: c, image: busybox}]\n',
      }),
    );
    await eventually(() => podPhase(c, 'tol') === 'Running', 'tolerating pod Running');
    ok(c.kubectl(['taint', 'node', 'k8ts-node-3', 'dedicated=db:NoSchedule-']));
    await eventually(() => podPhase(c, 'no-tol') === 'Running', 'pod scheduled once the taint is gone');
  });

  test('cordon and drain', async () => {
    assert.match(ok(c.kubectl(['cordon', 'k8ts-node-2'])), /node\/k8ts-node-2 cordoned/);
    assert.match(ok(c.kubectl(['get', 'node', 'k8ts-node-2'])), /Ready,SchedulingDisabled/);
    ok(c.kubectl(['run', 'after-cordon', '--image', 'busybox', '--overrides', '{"spec":{"nodeSelector":{"kubernetes.io/hostname":"k8ts-node-2"}}}']));
    await eventually(() => /node\(s\) were unschedulable/.test(ok(c.kubectl(['describe', 'pod', 'after-cordon']))), 'unschedulable message');
    ok(c.kubectl(['uncordon', 'k8ts-node-2']));
    await eventually(() => podPhase(c, 'after-cordon') === 'Running', 'pod Running after uncordon');
    const drain = c.kubectl(['drain', 'k8ts-node-2', '--force', '--grace-period', '1', '--timeout', '60s']);
    assert.equal(drain.code, 0, drain.stderr);
    assert.match(drain.stdout, /node\/k8ts-node-2 drained/);
    const left = json(c, ['get', 'pods', '--field-selector', 'spec.nodeName=k8ts-node-2']).items;
    assert.equal(left.length, 0);
    ok(c.kubectl(['uncordon', 'k8ts-node-2']));
  });

  test('exit 1 with restartPolicy Always: CrashLoopBackOff and growing RESTARTS', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: Pod\nmetadata: {name: crasher}\nspec:\n  containers: [{name: c, image: busybox, command: ["sh", "-c", "exit 1"]}]\n' }));
    await eventually(() => /^crasher\s+0\/1\s+CrashLoopBackOff\s+[1-9]\d* \(\S+ ago\)/.test(podRow(c, 'crasher')), 'CrashLoopBackOff');
    const first = json(c, ['get', 'pod', 'crasher']).status.containerStatuses[0];
    assert.equal(first.lastState.terminated.exitCode, 1);
    assert.equal(first.lastState.terminated.reason, 'Error');
    // The first restart is immediate, the next after 10 s of back-off.
    await eventually(() => json(c, ['get', 'pod', 'crasher']).status.containerStatuses[0].restartCount >= 2, 'a second restart', 40_000);
  });

  test('restartPolicy Never: Completed and Error', async () => {
    ok(
      c.kubectl(['apply', '-f', '-'], {
        input:
          'apiVersion: v1\nkind: Pod\nmetadata: {name: done-ok}\nspec:\n  restartPolicy: Never\n  containers: [{name: c, image: busybox, command: ["sh", "-c", "sleep 1; exit 0"]}]\n---\n' +
          'apiVersion: v1\nkind: Pod\nmetadata: {name: done-bad}\nspec:\n  restartPolicy: Never\n  containers: [{name: c, image: busybox, command: ["sh", "-c", "sleep 1 && exit 3"]}]\n',
      }),
    );
    await eventually(() => /^done-ok\s+0\/1\s+Completed\s+0\s+/.test(podRow(c, 'done-ok')), 'Completed');
    await eventually(() => /^done-bad\s+0\/1\s+Error\s+0\s+/.test(podRow(c, 'done-bad')), 'Error');
    assert.equal(podPhase(c, 'done-ok'), 'Succeeded');
    assert.equal(podPhase(c, 'done-bad'), 'Failed');
    assert.equal(json(c, ['get', 'pod', 'done-bad']).status.containerStatuses[0].state.terminated.exitCode, 3);
  });

  test('init containers run in order before the main container', async () => {
    ok(
      c.kubectl(['apply', '-f', '-'], {
        input:
          'apiVersion: v1\nkind: Pod\nmetadata: {name: inits}\nspec:\n  initContainers:\n  - {name: one, image: busybox, command: ["sleep", "2"]}\n  - {name: two, image: busybox, command: ["sleep", "2"]}\n  containers: [{name: c, image: busybox, command: ["sleep", "3600"]}]\n',
      }),
    );
    const seen = new Set<string>();
    await eventually(() => {
      const status = podRow(c, 'inits').split(/\s+/)[2];
      seen.add(status);
      return status === 'Running';
    }, 'inits Running', 30_000, 50);
    assert.ok(seen.has('Init:0/2') || seen.has('Init:1/2'), `saw ${[...seen].join(', ')}`);
    const st = json(c, ['get', 'pod', 'inits']).status;
    const [one, two] = st.initContainerStatuses;
    assert.equal(one.state.terminated.reason, 'Completed');
    assert.equal(two.state.terminated.reason, 'Completed');
    assert.ok(Date.parse(two.state.terminated.startedAt) >= Date.parse(one.state.terminated.finishedAt));
  });

  test('deleting a running pod shows Terminating, then it is gone', async () => {
    // nginx stops on SIGTERM at once (a `sleep` would wait out the 30 s grace period, as on Kubernetes).
    ok(c.kubectl(['run', 'to-delete', '--image', 'nginx:1.16']));
    await eventually(() => podPhase(c, 'to-delete') === 'Running', 'to-delete Running');
    const watch = c.kubectlStream(['get', 'pod', 'to-delete', '--watch']);
    try {
      await eventually(() => /^to-delete\s/m.test(watch.output()), 'the watch printing the pod');
      assert.equal(ok(c.kubectl(['delete', 'pod', 'to-delete', '--wait=true'])).trim(), 'pod "to-delete" deleted');
      assert.equal(c.kubectl(['get', 'pod', 'to-delete']).code, 1);
      await eventually(() => /Terminating/.test(watch.output()), 'a Terminating row in the watch');
    } finally {
      await watch.stop();
    }
  });
});

describe('a separate k8ts agent that dies', () => {
  test('SIGKILL of the agent makes its node NotReady and its pods are evicted', async () => {
    const c = await startCluster({ args: ['--nodes', '1', '--node-monitor-grace-period', '15s', '--default-unreachable-toleration-seconds', '2'] });
    const agent = spawn(process.execPath, [K8TS_BIN, 'agent', '--kubeconfig', c.kubeconfig, '--name', 'worker-1', '--data-dir', join(c.dataDir, 'worker-1')], { stdio: 'ignore' });
    try {
      await eventually(() => /^worker-1\s+Ready\s/m.test(ok(c.kubectl(['get', 'nodes', '--no-headers']))), 'worker-1 Ready');
      ok(c.kubectl(['run', 'on-worker', '--image', 'busybox', '--overrides', '{"spec":{"nodeSelector":{"kubernetes.io/hostname":"worker-1"}}}', '--command', '--', 'sleep', '3600']));
      await eventually(() => podPhase(c, 'on-worker') === 'Running', 'pod Running on worker-1');
      agent.kill('SIGKILL');
      await eventually(() => /^worker-1\s+NotReady\s/m.test(ok(c.kubectl(['get', 'nodes', '--no-headers']))), 'worker-1 NotReady', 60_000);
      await eventually(
        () => (json(c, ['get', 'node', 'worker-1']).spec.taints ?? []).some((t: { key: string; effect: string }) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute'),
        'the unreachable NoExecute taint',
        60_000,
      );
      await eventually(() => {
        const pod = json(c, ['get', 'pod', 'on-worker']);
        return pod.metadata.deletionTimestamp && pod.status.conditions.some((x: { type: string }) => x.type === 'DisruptionTarget');
      }, 'pod evicted by the taint manager', 60_000);
      assert.match(podRow(c, 'on-worker'), /Terminating/);
    } finally {
      agent.kill('SIGKILL');
      await c.destroy();
    }
  });
});
