// Real kubectl against `k8ts up --nodes 2` (sim runtime): PodDisruptionBudgets. `kubectl create pdb`,
// `get pdb` (1.32 and 1.27), `explain pdb`, and `kubectl drain`, which evicts what the budget
// allows, retries the rest on the 429 until replacements are Ready on the other node, and stops
// on the 500 a pod with two budgets gets.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { existsSync } from 'node:fs';
import { eventually, kubectlVersion, ok, startCluster, type Cluster } from './harness.js';

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));
const isReady = (p: { status?: { conditions?: { type: string; status: string }[] } }) => (p.status?.conditions ?? []).some((x) => x.type === 'Ready' && x.status === 'True');

interface PodLite {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
}
const webPods = (c: Cluster): PodLite[] => (json(c, ['get', 'pods', '-l', 'app=web']).items as PodLite[]).filter((p) => !p.metadata.deletionTimestamp);

describe('PodDisruptionBudgets with kubectl', () => {
  let c: Cluster;
  before(async () => {
    c = await startCluster({ args: ['--nodes', '2'] });
    await eventually(() => (ok(c.kubectl(['get', 'nodes', '--no-headers'])).match(/ Ready /g) ?? []).length === 2, 'two Ready nodes');
  });
  after(async () => {
    await c?.destroy();
  });

  test('create pdb, get pdb (1.32 and 1.27), explain pdb', async () => {
    ok(c.kubectl(['create', 'deployment', 'web', '--image=nginx', '--replicas=3']));
    await eventually(() => webPods(c).filter(isReady).length === 3, 'three Ready web pods', 60_000);
    assert.equal(ok(c.kubectl(['create', 'pdb', 'web', '--selector=app=web', '--min-available=2'])).trim(), 'poddisruptionbudget.policy/web created');
    const out = await eventually(() => {
      const o = ok(c.kubectl(['get', 'pdb']));
      return /^web\s+2\s+N\/A\s+1\s+\S+$/m.test(o) ? o : '';
    }, 'ALLOWED DISRUPTIONS 1');
    assert.match(out, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m);
    const pdb = json(c, ['get', 'poddisruptionbudgets.policy', 'web']);
    assert.equal(pdb.apiVersion, 'policy/v1');
    assert.equal(pdb.status.currentHealthy, 3);
    assert.equal(pdb.status.desiredHealthy, 2);
    assert.equal(pdb.status.expectedPods, 3);
    assert.equal(pdb.status.observedGeneration, 1);
    assert.deepEqual(
      pdb.status.conditions.map((x: { type: string; status: string; reason: string }) => [x.type, x.status, x.reason]),
      [['DisruptionAllowed', 'True', 'SufficientPods']],
    );
    const old = kubectlVersion(27);
    if (existsSync(old)) {
      const o27 = ok(c.kubectl(['get', 'pdb'], { binary: old }));
      assert.match(o27, /^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE$/m);
      assert.match(o27, /^web\s+2\s+N\/A\s+1\s+\S+$/m);
    }
    const explain = ok(c.kubectl(['explain', 'pdb.spec']));
    assert.match(explain, /KIND:\s+PodDisruptionBudget/);
    assert.match(explain, /GROUP:\s+policy\n/);
    assert.match(explain, /VERSION:\s+v1\n/);
    assert.match(explain, /unhealthyPodEvictionPolicy\s+<string>/);
    const bad = c.kubectl(['create', 'pdb', 'both', '--selector=app=web', '--min-available=1', '--max-unavailable=1']);
    assert.notEqual(bad.code, 0);
  });

  test('drain evicts what the budget allows and retries the rest until replacements are Ready elsewhere', async () => {
    // The node with the most web pods (at least two of three): its second eviction must wait.
    const byNode = new Map<string, number>();
    for (const p of webPods(c)) byNode.set(p.spec.nodeName!, (byNode.get(p.spec.nodeName!) ?? 0) + 1);
    const [node, count] = [...byNode].sort((a, b) => b[1] - a[1])[0];
    assert.ok(count >= 2, `expected two web pods on one node, got ${JSON.stringify([...byNode])}`);
    const other = node === 'k8ts-node-1' ? 'k8ts-node-2' : 'k8ts-node-1';
    const drain = await c.kubectlAsync(['drain', node, '--ignore-daemonsets', '--grace-period', '1', '--timeout', '180s'], { timeoutMs: 200_000 });
    assert.equal(drain.code, 0, drain.stderr);
    assert.match(drain.stdout, new RegExp(`node/${node} drained`));
    assert.match(drain.stderr, /error when evicting pods\/"web-[a-z0-9-]+" -n "default" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\./);
    const pods = webPods(c);
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.spec.nodeName === other && isReady(p)), JSON.stringify(pods.map((p) => [p.metadata.name, p.spec.nodeName])));
    await eventually(() => /^web\s+2\s+N\/A\s+1\s+/m.test(ok(c.kubectl(['get', 'pdb', 'web']))), 'budget back to 1 allowed disruption');
    ok(c.kubectl(['uncordon', node]));
  });

  test('a pod with two budgets cannot be evicted: 500', async () => {
    assert.equal(ok(c.kubectl(['create', 'pdb', 'web-2', '--selector=app=web', '--max-unavailable=1'])).trim(), 'poddisruptionbudget.policy/web-2 created');
    await eventually(() => /^web-2\s+N\/A\s+1\s+1\s+/m.test(ok(c.kubectl(['get', 'pdb']))), 'web-2 allows one disruption');
    const node = webPods(c)[0].spec.nodeName!;
    const drain = await c.kubectlAsync(['drain', node, '--ignore-daemonsets', '--grace-period', '1', '--timeout', '60s'], { timeoutMs: 90_000 });
    assert.notEqual(drain.code, 0);
    assert.match(drain.stderr, /error when evicting pods\/"web-[a-z0-9-]+" -n "default": This pod has more than one PodDisruptionBudget, which the eviction subresource does not support\./);
    assert.equal(webPods(c).length, 3);
    ok(c.kubectl(['uncordon', node]));
  });
});
