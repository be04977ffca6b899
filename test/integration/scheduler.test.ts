// The scheduler against an in-process API server: Node objects are created directly (no agent),
// pods get bound through pods/binding with a Scheduled event; pods no node fits stay Pending with
// upstream's exact FailedScheduling message and get scheduled once the cluster changes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject, KObject } from '../../src/api/types.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { InProcessCluster, until } from './in-process-cluster.js';

interface NodeSpec {
  labels?: Record<string, string>;
  taints?: JsonObject[];
  unschedulable?: boolean;
  cpu?: string;
  ready?: 'True' | 'False' | 'Unknown';
}

function nodeObject(name: string, o: NodeSpec = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...o.labels } },
    spec: { ...(o.taints ? { taints: o.taints } : {}), ...(o.unschedulable ? { unschedulable: true } : {}) },
    status: {
      capacity: { cpu: o.cpu ?? '4', memory: '8Gi', pods: '110' },
      allocatable: { cpu: o.cpu ?? '4', memory: '8Gi', pods: '110' },
      conditions: [{ type: 'Ready', status: o.ready ?? 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

function podObject(name: string, spec: JsonObject = {}, meta: JsonObject = {}): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...meta }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec } };
}

async function cluster(nodes: Record<string, NodeSpec>) {
  const ipc = await InProcessCluster.start();
  const client = ipc.client;
  const c = {
    nodes: new ResourceClient(client, R.nodes),
    pods: new ResourceClient(client, R.pods),
    events: new ResourceClient(client, R.events),
    replicasets: new ResourceClient(client, R.replicasets),
  };
  for (const [name, o] of Object.entries(nodes)) await c.nodes.create(undefined, nodeObject(name, o));
  const errors: string[] = [];
  const scheduler = new Scheduler({ client, onError: (m, e) => errors.push(`${m}: ${(e as Error)?.message ?? e}`) });
  await scheduler.start();
  const nodeOf = (name: string) => until(`pod ${name} bound`, async () => (await c.pods.get('default', name)).spec?.nodeName as string | undefined);
  const eventsFor = async (name: string, reason: string) => (await c.events.list('default')).items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
  const failedMessage = (name: string) =>
    until(`FailedScheduling for ${name}`, async () => {
      const ev = (await eventsFor(name, 'FailedScheduling')).at(-1);
      const cond = ((await c.pods.get('default', name)).status?.conditions ?? []).find((x: KObject) => x.type === 'PodScheduled');
      // Both the event and the condition carry the message; wait until both are written.
      if (!ev || cond?.status !== 'False') return undefined;
      assert.equal(cond.reason, 'Unschedulable');
      assert.equal(cond.message, ev.message);
      assert.equal(ev.type, 'Warning');
      assert.equal(ev.source?.component, 'default-scheduler');
      return ev.message as string;
    });
  const patchNode = (name: string, patch: JsonObject) => c.nodes.patch(undefined, name, 'strategic', patch);
  return {
    ...c,
    nodeOf,
    eventsFor,
    failedMessage,
    patchNode,
    errors,
    async stop() {
      scheduler.stop();
      await ipc.stop();
    },
  };
}

test('pods are bound to a node with a Scheduled event and PodScheduled=True', async () => {
  const k = await cluster({ n1: {}, n2: {} });
  try {
    await k.pods.create('default', podObject('web'));
    const node = await k.nodeOf('web');
    assert.ok(['n1', 'n2'].includes(node));
    const ev = await until('Scheduled event', async () => (await k.eventsFor('web', 'Scheduled'))[0]);
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.message, `Successfully assigned default/web to ${node}`);
    assert.equal(ev.source?.component, 'default-scheduler');
    assert.equal(ev.involvedObject.kind, 'Pod');
    const pod = await k.pods.get('default', 'web');
    assert.equal(pod.status.conditions.find((x: KObject) => x.type === 'PodScheduled')?.status, 'True');
    assert.deepEqual(k.errors, []);
  } finally {
    await k.stop();
  }
});

test('nodeSelector: Pending with the exact FailedScheduling message, scheduled once a node is labeled', async () => {
  const k = await cluster({ n1: {}, n2: {}, n3: {} });
  try {
    await k.pods.create('default', podObject('ssd', { nodeSelector: { disktype: 'ssd' } }));
    assert.equal(
      await k.failedMessage('ssd'),
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    assert.equal((await k.pods.get('default', 'ssd')).status.phase, 'Pending');
    await k.patchNode('n2', { metadata: { labels: { disktype: 'ssd' } } });
    assert.equal(await k.nodeOf('ssd'), 'n2');
    const pod = await k.pods.get('default', 'ssd');
    assert.equal(pod.status.conditions.find((x: KObject) => x.type === 'PodScheduled')?.status, 'True');
    assert.deepEqual(k.errors, []);
  } finally {
    await k.stop();
  }
});

test('cordoned nodes are skipped; uncordon makes room again', async () => {
  const k = await cluster({ n1: {}, n2: {} });
  try {
    await k.patchNode('n1', { spec: { unschedulable: true } });
    for (let i = 0; i < 4; i++) await k.pods.create('default', podObject(`a${i}`));
    for (let i = 0; i < 4; i++) assert.equal(await k.nodeOf(`a${i}`), 'n2');
    await k.patchNode('n2', { spec: { unschedulable: true } });
    // A probe that fits no node tells when the scheduler has seen both cordons (its message changes).
    await k.pods.create('default', podObject('probe', { nodeSelector: { none: 'x' } }));
    await until('scheduler sees both nodes cordoned', async () => {
      const evs = await k.eventsFor('probe', 'FailedScheduling');
      return evs.some((e) => e.message.startsWith('0/2 nodes are available: 2 node(s) were unschedulable.'));
    });
    await k.pods.create('default', podObject('late'));
    assert.equal(await k.failedMessage('late'), '0/2 nodes are available: 2 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
    await k.patchNode('n1', { spec: { unschedulable: null } });
    assert.equal(await k.nodeOf('late'), 'n1');
  } finally {
    await k.stop();
  }
});

test('taints and tolerations; nodes that are not Ready', async () => {
  const k = await cluster({ gpu: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }, down: { ready: 'False' } });
  try {
    await k.pods.create('default', podObject('plain'));
    assert.equal(
      await k.failedMessage('plain'),
      '0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    await k.pods.create('default', podObject('tolerant', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }));
    assert.equal(await k.nodeOf('tolerant'), 'gpu');
    // The node reports Ready: the pending pod goes there.
    const down = await k.nodes.get(undefined, 'down');
    down.status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }];
    await k.nodes.updateStatus(down);
    assert.equal(await k.nodeOf('plain'), 'down');
  } finally {
    await k.stop();
  }
});

test('resource requests against allocatable; a deleted pod frees room', async () => {
  const k = await cluster({ small: { cpu: '1' } });
  try {
    const req = (cpu: string) => ({ containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests: { cpu, memory: '64Mi' } } }] });
    await k.pods.create('default', podObject('first', req('600m')));
    assert.equal(await k.nodeOf('first'), 'small');
    await k.pods.create('default', podObject('second', req('600m')));
    assert.equal(await k.failedMessage('second'), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    await k.pods.create('default', podObject('huge', req('8')));
    assert.equal(await k.failedMessage('huge'), '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
    await k.pods.delete('default', 'first', { gracePeriodSeconds: 0 });
    assert.equal(await k.nodeOf('second'), 'small');
    assert.equal((await k.pods.get('default', 'huge')).spec.nodeName, undefined);
  } finally {
    await k.stop();
  }
});

test('host ports conflict on the same node', async () => {
  const k = await cluster({ n1: {} });
  try {
    const hp = { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80, hostPort: 8080 }] }] };
    await k.pods.create('default', podObject('p1', hp));
    assert.equal(await k.nodeOf('p1'), 'n1');
    await k.pods.create('default', podObject('p2', hp));
    assert.equal(
      await k.failedMessage('p2'),
      "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
    );
  } finally {
    await k.stop();
  }
});

test('three replicas of a ReplicaSet land on three nodes', async () => {
  const k = await cluster({ n1: {}, n2: {}, n3: { cpu: '64' } });
  try {
    const rs = await k.replicasets.create('default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } },
    });
    const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true };
    for (let i = 0; i < 3; i++) await k.pods.create('default', podObject(`web-${i}`, {}, { labels: { app: 'web' }, ownerReferences: [owner] }));
    const placed = await Promise.all([0, 1, 2].map((i) => k.nodeOf(`web-${i}`)));
    assert.deepEqual([...placed].sort(), ['n1', 'n2', 'n3']);
  } finally {
    await k.stop();
  }
});

test('repeated failures fold into one event and one condition write', async () => {
  const k = await cluster({ n1: {} });
  try {
    await k.pods.create('default', podObject('stuck', { nodeSelector: { never: 'there' } }));
    const msg = await k.failedMessage('stuck');
    const rv1 = (await k.pods.get('default', 'stuck')).metadata.resourceVersion;
    // A label change is an event the pod cares about: it is retried and fails the same way.
    await k.patchNode('n1', { metadata: { labels: { other: 'x' } } });
    const ev = await until('the FailedScheduling event counted twice', async () => {
      const evs = await k.eventsFor('stuck', 'FailedScheduling');
      return evs.length === 1 && evs[0].count >= 2 ? evs[0] : undefined;
    });
    assert.equal(ev.message, msg);
    // The condition did not change, so the pod was not written again.
    assert.equal((await k.pods.get('default', 'stuck')).metadata.resourceVersion, rv1);
  } finally {
    await k.stop();
  }
});
