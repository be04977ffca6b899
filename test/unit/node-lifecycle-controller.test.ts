// The node lifecycle controller against an in-process API server, both on one VirtualClock:
// minutes of grace and toleration pass instantly. Sync points are the controller's whenIdle()
// (nothing queued or running) and polling the API with a deadline; timestamps the controller
// writes prove *when* it acted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KObject } from '../../src/api/types.js';
import { startControlPlane, type ControlPlane } from '../../src/apiserver/control-plane.js';
import { MemoryStore } from '../../src/storage/memory/memory-store.js';
import { RestClient } from '../../src/client/rest-client.js';
import { R, ResourceClient } from '../../src/client/resources.js';
import { VirtualClock, rfc3339 } from '../../src/util/clock.js';
import { NodeLifecycleController, type NodeLifecycleOptions } from '../../src/controllers/node-lifecycle/node-lifecycle-controller.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const at = (s: number) => rfc3339(new Date(T0 + s * 1000));
const microTime = (d: Date) => d.toISOString().replace('Z', '000Z');

const TOLERATE_300: KObject['spec']['tolerations'] = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

interface Harness {
  clock: VirtualClock;
  cp: ControlPlane;
  client: RestClient;
  nodes: ResourceClient;
  leases: ResourceClient;
  pods: ResourceClient;
  events: ResourceClient;
  ctrl: NodeLifecycleController;
  close(): Promise<void>;
}

async function harness(opts: Partial<NodeLifecycleOptions> = {}): Promise<Harness> {
  const clock = new VirtualClock(T0);
  const cp = await startControlPlane({ store: new MemoryStore(), host: '127.0.0.1', port: 0, tokens: [], clock });
  const client = new RestClient({ server: `http://127.0.0.1:${cp.server.port}` });
  const errors: string[] = [];
  const ctrl = new NodeLifecycleController({ client, clock, onError: (m, e) => errors.push(`${m} ${(e as Error)?.message ?? e}`), ...opts });
  const h: Harness = {
    clock,
    cp,
    client,
    nodes: new ResourceClient(client, R.nodes),
    leases: new ResourceClient(client, R.leases),
    pods: new ResourceClient(client, R.pods),
    events: new ResourceClient(client, R.events),
    ctrl,
    async close() {
      ctrl.stop();
      client.close();
      await cp.stop();
      assert.deepEqual(errors, [], 'the controller reported no errors');
    },
  };
  return h;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function addNode(h: Harness, name: string, labels: Record<string, string> = {}): Promise<void> {
  const now = rfc3339(h.clock.now());
  await h.nodes.create(undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: {
      conditions: [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastHeartbeatTime: now, lastTransitionTime: now },
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now },
      ],
    },
  });
  await h.leases.create('kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: microTime(h.clock.now()) },
  });
}

/** Renews the node's Lease and waits until the controller has seen it. */
async function renew(h: Harness, name: string): Promise<void> {
  await h.leases.patch('kube-node-lease', name, 'merge', { spec: { renewTime: microTime(h.clock.now()) } });
  const now = h.clock.now().getTime();
  await until(`controller to see ${name}'s renewal`, async () => h.ctrl.lastHeardFrom(name)?.getTime() === now);
}

/** What a returning agent does: renew the Lease and post Ready=True with a new heartbeat. */
async function agentReturns(h: Harness, name: string): Promise<void> {
  const node = await h.nodes.get(undefined, name);
  const now = rfc3339(h.clock.now());
  node.status.conditions = node.status.conditions.map((c: KObject) =>
    c.type === 'Ready'
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }
      : { ...c, status: 'False', lastHeartbeatTime: now, lastTransitionTime: now },
  );
  await h.nodes.updateStatus(node);
  await renew(h, name);
}

/** Advances the clock in steps, renewing the leases of `alive` nodes at each step. */
async function advance(h: Harness, ms: number, alive: string[] = [], stepMs = 5000): Promise<void> {
  let left = ms;
  while (left > 0) {
    const step = Math.min(stepMs, left);
    h.clock.advance(step);
    left -= step;
    for (const n of alive) await renew(h, n);
    await h.ctrl.whenIdle();
  }
}

async function addPod(h: Harness, name: string, nodeName: string, tolerations: unknown[]): Promise<void> {
  await h.pods.create('default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, tolerations, containers: [{ name: 'c', image: 'busybox' }] },
  });
  // As a kubelet would: the pod runs and is ready.
  const ts = rfc3339(h.clock.now());
  await h.pods.patch('default', name, 'strategic', { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: ts }] } }, { subresource: 'status' });
}

function condition(obj: KObject, type: string): KObject | undefined {
  return (obj.status?.conditions ?? []).find((c: KObject) => c.type === type);
}

function taintsOf(node: KObject): string[] {
  return (node.spec?.taints ?? []).map((t: KObject) => `${t.key}:${t.effect}@${t.timeAdded ?? ''}`);
}

async function eventsFor(h: Harness, name: string, reason: string): Promise<KObject[]> {
  const list = await h.events.list('default');
  return list.items.filter((e) => e.involvedObject?.name === name && e.reason === reason);
}

test('a silent node goes Unknown exactly after the grace period, is tainted, and its pods are marked not ready', async () => {
  const h = await harness({ podGc: false });
  try {
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'web', 'n1', TOLERATE_300);
    await h.ctrl.start();
    await h.ctrl.whenIdle();

    // n1 stops renewing at T0. At T0+40s it is exactly at the grace period: still Ready.
    await advance(h, 40_000, ['n2']);
    let n1 = await h.nodes.get(undefined, 'n1');
    assert.equal(condition(n1, 'Ready')!.status, 'True');
    assert.deepEqual(n1.spec?.taints ?? [], []);

    // One millisecond later it is past it.
    h.clock.advance(1);
    n1 = await until('n1 Unknown', async () => {
      const n = await h.nodes.get(undefined, 'n1');
      return condition(n, 'Ready')?.status === 'Unknown' && n.spec?.taints?.length === 2 && n;
    });
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = condition(n1, type)!;
      assert.equal(c.status, 'Unknown', type);
      assert.equal(c.reason, 'NodeStatusUnknown', type);
      assert.equal(c.message, 'Kubelet stopped posting node status.', type);
      assert.equal(c.lastHeartbeatTime, at(0), `${type} keeps the last heartbeat`);
      assert.equal(c.lastTransitionTime, at(40), type);
    }
    assert.deepEqual(taintsOf(n1), [`node.kubernetes.io/unreachable:NoSchedule@${at(40)}`, `node.kubernetes.io/unreachable:NoExecute@${at(40)}`]);
    // The healthy peer is untouched.
    const n2 = await h.nodes.get(undefined, 'n2');
    assert.equal(condition(n2, 'Ready')!.status, 'True');
    assert.deepEqual(n2.spec?.taints ?? [], []);

    const pod = await until('web marked not ready', async () => {
      const p = await h.pods.get('default', 'web');
      return condition(p, 'Ready')?.status === 'False' && p;
    });
    assert.equal(condition(pod, 'Ready')!.lastTransitionTime, at(40));
    await h.ctrl.whenIdle();
    const [nodeEvent] = await eventsFor(h, 'n1', 'NodeNotReady');
    assert.equal(nodeEvent.message, 'Node n1 status is now: NodeNotReady');
    assert.equal(nodeEvent.type, 'Normal');
    assert.equal(nodeEvent.source.component, 'node-controller');
    assert.equal(nodeEvent.involvedObject.kind, 'Node');
    const [podEvent] = await eventsFor(h, 'web', 'NodeNotReady');
    assert.equal(podEvent.message, 'Node is not ready');
    assert.equal(podEvent.type, 'Warning');
    assert.equal((await eventsFor(h, 'n1', 'RegisteredNode'))[0].message, 'Node n1 event: Registered Node n1 in Controller');
  } finally {
    await h.close();
  }
});

test('pods are evicted when their tolerationSeconds run out, counted from the taint, and not before', async () => {
  const h = await harness({ podGc: false });
  try {
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'web', 'n1', TOLERATE_300);
    await addPod(h, 'quick', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]);
    await addPod(h, 'daemon', 'n1', [{ operator: 'Exists' }]);
    await h.ctrl.start();
    await advance(h, 40_001, ['n2']);
    await until('n1 tainted', async () => (await h.nodes.get(undefined, 'n1')).spec?.taints?.length === 2);

    // tolerationSeconds 0: at once.
    const quick = await until('quick evicted', async () => {
      const p = await h.pods.get('default', 'quick');
      return p.metadata.deletionTimestamp ? p : undefined;
    });
    assert.deepEqual(
      { ...condition(quick, 'DisruptionTarget') },
      { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: at(40) },
    );
    // 300 s after the taint was added (T0+40.001s).
    assert.equal(h.ctrl.evictions!.scheduledAt('default', 'web'), T0 + 340_001);
    assert.equal(h.ctrl.evictions!.scheduledAt('default', 'daemon'), undefined);

    // From 40.001 s to 340 s: one millisecond short.
    await advance(h, 299_999, ['n2'], 10_000);
    assert.equal((await h.pods.get('default', 'web')).metadata.deletionTimestamp, undefined);

    h.clock.advance(1);
    const web = await until('web evicted', async () => {
      const p = await h.pods.get('default', 'web');
      return p.metadata.deletionTimestamp ? p : undefined;
    });
    // Deleted with its own grace period (no agent will confirm: it stays Terminating).
    assert.equal(web.metadata.deletionGracePeriodSeconds, 30);
    assert.equal(condition(web, 'DisruptionTarget')!.lastTransitionTime, at(340));
    await h.ctrl.whenIdle();
    const [ev] = await eventsFor(h, 'web', 'TaintManagerEviction');
    assert.equal(ev.message, 'Marking for deletion Pod default/web');
    assert.equal(ev.type, 'Normal');
    assert.equal(ev.source.component, 'taint-eviction-controller');
    assert.equal(ev.firstTimestamp, at(340));

    // The pod that tolerates the taint forever stays.
    assert.equal((await h.pods.get('default', 'daemon')).metadata.deletionTimestamp, undefined);
  } finally {
    await h.close();
  }
});

test('a returning agent makes the node Ready: taints removed, pending evictions cancelled', async () => {
  const h = await harness({ podGc: false });
  try {
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'web', 'n1', TOLERATE_300);
    await h.ctrl.start();
    await advance(h, 45_000, ['n2']);
    await until('n1 tainted', async () => (await h.nodes.get(undefined, 'n1')).spec?.taints?.length === 2);
    // The grace ran out at 40.001 s, during the 40-45 s step: the controller acted at 45 s.
    assert.equal(h.ctrl.evictions!.scheduledAt('default', 'web'), T0 + 345_000);

    // A renewed Lease alone does not make the node Ready: the agent must post Ready=True.
    await advance(h, 55_000, ['n2']);
    await renew(h, 'n1');
    await h.ctrl.whenIdle();
    let n1 = await h.nodes.get(undefined, 'n1');
    assert.equal(condition(n1, 'Ready')!.status, 'Unknown');
    assert.equal(n1.spec.taints.length, 2);

    await agentReturns(h, 'n1');
    n1 = await until('n1 untainted', async () => {
      const n = await h.nodes.get(undefined, 'n1');
      return !n.spec?.taints && n;
    });
    assert.equal(condition(n1, 'Ready')!.status, 'True');
    await until('eviction cancelled', async () => h.ctrl.evictions!.scheduledAt('default', 'web') === undefined);
    await h.ctrl.whenIdle();
    const [ev] = await eventsFor(h, 'web', 'TaintManagerEviction');
    assert.equal(ev.message, 'Cancelling deletion of Pod default/web');

    // Long past the old deadline, the pod is still there, and n1 stays Ready while it renews.
    await advance(h, 400_000, ['n1', 'n2'], 10_000);
    assert.equal((await h.pods.get('default', 'web')).metadata.deletionTimestamp, undefined);
    n1 = await h.nodes.get(undefined, 'n1');
    assert.equal(condition(n1, 'Ready')!.status, 'True');
    assert.equal(n1.spec?.taints, undefined);
  } finally {
    await h.close();
  }
});

test('an agent reporting Ready=False gets the not-ready taints, and the node is not marked Unknown', async () => {
  const h = await harness({ podGc: false });
  try {
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await h.ctrl.start();
    await h.ctrl.whenIdle();
    const node = await h.nodes.get(undefined, 'n1');
    const ts = rfc3339(h.clock.now());
    node.status.conditions = node.status.conditions.map((c: KObject) =>
      c.type === 'Ready' ? { ...c, status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down', lastHeartbeatTime: ts, lastTransitionTime: ts } : c,
    );
    await h.nodes.updateStatus(node);
    const n1 = await until('n1 not-ready taints', async () => {
      const n = await h.nodes.get(undefined, 'n1');
      return n.spec?.taints?.length === 2 && n;
    });
    assert.deepEqual(taintsOf(n1), [`node.kubernetes.io/not-ready:NoSchedule@${at(0)}`, `node.kubernetes.io/not-ready:NoExecute@${at(0)}`]);
    assert.equal(condition(n1, 'Ready')!.reason, 'KubeletNotReady');
  } finally {
    await h.close();
  }
});

test('when every node is silent (full disruption) nothing is evicted until a node is healthy again', async () => {
  const h = await harness({ podGc: false });
  try {
    await addNode(h, 'n1');
    await addPod(h, 'web', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 0 }]);
    await h.ctrl.start();
    await advance(h, 45_000);
    const n1 = await until('n1 Unknown', async () => {
      const n = await h.nodes.get(undefined, 'n1');
      return condition(n, 'Ready')?.status === 'Unknown' && n.spec?.taints?.length === 1 && n;
    });
    assert.deepEqual(taintsOf(n1), [`node.kubernetes.io/unreachable:NoSchedule@${at(45)}`]);
    await advance(h, 60_000);
    assert.equal((await h.pods.get('default', 'web')).metadata.deletionTimestamp, undefined);
    assert.equal((await h.nodes.get(undefined, 'n1')).spec.taints.length, 1);

    // A healthy node joins: the cluster leaves disruption mode; the zone's rate limiter starts
    // drained, so the first NoExecute taint comes one limiter period (10 s) later.
    await addNode(h, 'n2');
    await advance(h, 5_000, ['n2']);
    assert.equal((await h.nodes.get(undefined, 'n1')).spec.taints.length, 1);
    await advance(h, 10_000, ['n2']);
    await until('web evicted', async () => (await h.pods.get('default', 'web')).metadata.deletionTimestamp);
  } finally {
    await h.close();
  }
});

test('pod GC force-deletes pods bound to a node that does not exist, after the quarantine', async () => {
  const h = await harness({ podGc: { periodMs: 20_000, quarantineMs: 40_000 } });
  try {
    await addNode(h, 'n1');
    await addPod(h, 'orphan', 'ghost', TOLERATE_300);
    await addPod(h, 'kept', 'n1', TOLERATE_300);
    await h.ctrl.start();
    // First pass (20 s) starts the quarantine, the pass at 60 s is the first past it.
    await advance(h, 40_000, ['n1'], 10_000);
    assert.ok(await h.pods.get('default', 'orphan'));
    await advance(h, 20_000, ['n1'], 10_000);
    await until('orphan deleted', async () => {
      try {
        await h.pods.get('default', 'orphan');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404;
      }
    });
    assert.equal((await h.pods.get('default', 'kept')).metadata.deletionTimestamp, undefined);
  } finally {
    await h.close();
  }
});

test('changing a toleration\'s tolerationSeconds reschedules the eviction; dropping the bound cancels it', async () => {
  const h = await harness({ podGc: false });
  try {
    await addNode(h, 'n1');
    await addNode(h, 'n2');
    await addPod(h, 'web', 'n1', TOLERATE_300);
    await h.ctrl.start();
    await advance(h, 45_000, ['n2']);
    await until('web eviction scheduled', async () => h.ctrl.evictions!.scheduledAt('default', 'web') === T0 + 345_000);

    // Only tolerationSeconds of an existing toleration may change on a pod.
    const setSeconds = async (secs: number | undefined) => {
      const web = await h.pods.get('default', 'web');
      const tolerations = web.spec.tolerations.map((t: KObject) => {
        if (t.key !== 'node.kubernetes.io/unreachable') return t;
        const { tolerationSeconds: _, ...rest } = t;
        return secs === undefined ? rest : { ...rest, tolerationSeconds: secs };
      });
      await h.pods.update({ ...web, spec: { ...web.spec, tolerations } });
    };
    await setSeconds(600);
    await until('eviction moved', async () => h.ctrl.evictions!.scheduledAt('default', 'web') === T0 + 645_000);
    await setSeconds(undefined);
    await until('eviction cancelled', async () => h.ctrl.evictions!.scheduledAt('default', 'web') === undefined);
    await h.ctrl.whenIdle();
    // As upstream, moving an eviction is a cancel and a new schedule.
    assert.deepEqual((await eventsFor(h, 'web', 'TaintManagerEviction')).map((e) => [e.message, e.count]), [['Cancelling deletion of Pod default/web', 2]]);
    await advance(h, 700_000, ['n2'], 20_000);
    assert.equal((await h.pods.get('default', 'web')).metadata.deletionTimestamp, undefined);
  } finally {
    await h.close();
  }
});
