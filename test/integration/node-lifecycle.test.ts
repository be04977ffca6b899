// Node failure end to end on real time with short settings: an in-process API server, a Node and
// its Lease kept alive by a stand-in agent, a pod bound to it. The agent stops: the node goes
// Unknown, gets the unreachable taints, and the pod is evicted after its toleration. The agent
// comes back: the node is Ready and untainted again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { rfc3339 } from '../../src/util/clock.js';
import { NodeLifecycleController } from '../../src/controllers/node-lifecycle/node-lifecycle-controller.js';
import { InProcessCluster, until } from './in-process-cluster.js';

const ready = (n: KObject) => (n.status?.conditions ?? []).find((c: KObject) => c.type === 'Ready');

/** A stand-in for a node agent: registers the node and renews its Lease every 100 ms while running. */
class FakeAgent {
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly nodes: ResourceClient,
    private readonly leases: ResourceClient,
    readonly name: string,
  ) {}

  async register(): Promise<void> {
    const now = rfc3339(new Date());
    await this.nodes.create(undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: this.name, labels: { 'kubernetes.io/hostname': this.name } },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }] },
    });
    await this.leases.create('kube-node-lease', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: 'kube-node-lease' },
      spec: { holderIdentity: this.name, leaseDurationSeconds: 1, renewTime: new Date().toISOString().replace('Z', '000Z') },
    });
    this.resume();
  }

  resume(): void {
    this.timer = setInterval(() => {
      void this.leases.patch('kube-node-lease', this.name, 'merge', { spec: { renewTime: new Date().toISOString().replace('Z', '000Z') } }).catch(() => {});
    }, 100);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** On return a kubelet posts its Ready condition again (it differs from what the API shows). */
  async postReady(): Promise<void> {
    const node = await this.nodes.get(undefined, this.name);
    const now = rfc3339(new Date());
    node.status.conditions = node.status.conditions.map((c: KObject) =>
      c.type === 'Ready' ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now } : c,
    );
    await this.nodes.updateStatus(node);
  }
}

test('a node whose agent stops goes Unknown, is tainted, its pod is evicted; the agent returns and it is Ready', async () => {
  const cluster = await InProcessCluster.start();
  const client = cluster.client;
  const nodes = new ResourceClient(client, R.nodes);
  const leases = new ResourceClient(client, R.leases);
  const pods = new ResourceClient(client, R.pods);
  const events = new ResourceClient(client, R.events);
  const errors: string[] = [];
  const ctrl = new NodeLifecycleController({
    client,
    nodeMonitorGracePeriodMs: 1000,
    nodeMonitorPeriodMs: 200,
    podGc: false,
    onError: (m, e) => errors.push(`${m} ${(e as Error)?.message ?? e}`),
  });
  // Two nodes: with every node down the controller assumes its own network failed and evicts nothing.
  const failing = new FakeAgent(nodes, leases, 'worker-1');
  const healthy = new FakeAgent(nodes, leases, 'worker-2');
  try {
    await failing.register();
    await healthy.register();
    await pods.create('default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: 'worker-1',
        terminationGracePeriodSeconds: 0,
        tolerations: [
          { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
          { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 },
        ],
        containers: [{ name: 'c', image: 'busybox' }],
      },
    });
    await ctrl.start();

    // Alive: stays Ready for well over the grace period.
    const aliveUntil = Date.now() + 1500;
    while (Date.now() < aliveUntil) {
      assert.equal(ready(await nodes.get(undefined, 'worker-1')).status, 'True');
      await new Promise((r) => setTimeout(r, 100));
    }

    failing.stop();
    const stoppedAt = Date.now();
    const node = await until('worker-1 Unknown and tainted', async () => {
      const n = await nodes.get(undefined, 'worker-1');
      return ready(n).status === 'Unknown' && (n.spec?.taints ?? []).length === 2 && n;
    });
    // The last renewal was up to 100 ms before the stop.
    const silentAfter = Date.now() - stoppedAt;
    assert.ok(silentAfter >= 900, `not before the grace period (${silentAfter} ms)`);
    assert.equal(ready(node).reason, 'NodeStatusUnknown');
    assert.equal(ready(node).message, 'Kubelet stopped posting node status.');
    assert.deepEqual(
      node.spec.taints.map((t: KObject) => `${t.key}:${t.effect}`),
      ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute'],
    );
    const taintedAt = Date.now();
    assert.equal(ready(await nodes.get(undefined, 'worker-2')).status, 'True');

    await until('web evicted', async () => {
      try {
        await pods.get('default', 'web');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    assert.ok(Date.now() - taintedAt >= 1500, `evicted after its 2 s toleration (${Date.now() - taintedAt} ms after the taint was seen)`);
    const evictions = (await events.list('default')).items.filter((e) => e.reason === 'TaintManagerEviction' && e.involvedObject.name === 'web');
    assert.deepEqual(evictions.map((e) => e.message), ['Marking for deletion Pod default/web']);

    failing.resume();
    await failing.postReady();
    const back = await until('worker-1 Ready and untainted', async () => {
      const n = await nodes.get(undefined, 'worker-1');
      return ready(n).status === 'True' && !n.spec?.taints && n;
    });
    assert.equal(ready(back).reason, 'KubeletReady');
    assert.deepEqual(errors, []);
  } finally {
    failing.stop();
    healthy.stop();
    ctrl.stop();
    await cluster.stop();
  }
});
