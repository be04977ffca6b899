// Real kubectl against `k8ts up --storage etcd` on a real etcd (Debian's etcd-server): a
// Deployment gets its pods; a restarted k8ts on the same etcd serves the same objects with
// resourceVersions continuing upward and its watch cache following new writes; and a kill -9 of
// k8ts right after acknowledged writes loses none of them. Skips when `etcd` is not installed.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { K8TS_BIN, eventually, ok, rawRequest, startCluster, tempDir, type Cluster } from './harness.js';
import { etcdSkipReason, startEtcd, type EtcdServer } from '../fixtures/etcd-server.js';
import { rmSync } from 'node:fs';

const skip = etcdSkipReason();

/** Every key etcd holds under `prefix`, via its JSON gateway (independent of k8ts). */
async function etcdKeys(url: string, prefix: string): Promise<string[]> {
  const b64 = (s: Buffer) => s.toString('base64');
  const end = Buffer.from(prefix);
  end[end.length - 1]++;
  const res = await fetch(`${url}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: b64(Buffer.from(prefix)), range_end: b64(end), keys_only: true }),
  });
  const body = (await res.json()) as { kvs?: { key: string }[] };
  return (body.kvs ?? []).map((kv) => Buffer.from(kv.key, 'base64').toString('utf8'));
}

const runningPods = (c: Cluster, app: string) =>
  (ok(c.kubectl(['get', 'pods', '-l', `app=${app}`, '--no-headers'])).match(/\s1\/1\s+Running\s/g) ?? []).length;

describe('k8ts up --storage etcd', { skip }, () => {
  let etcd: EtcdServer;
  const dataDirs: string[] = [];
  const clusters: Cluster[] = [];
  const up = async (dataDir: string, extra: string[] = []) => {
    const c = await startCluster({ dataDir, args: ['--storage', 'etcd', '--etcd-servers', etcd.url, '--nodes', '1', ...extra], timeoutMs: 60_000 });
    clusters.push(c);
    return c;
  };

  before(async () => {
    etcd = await startEtcd();
  });
  after(async () => {
    for (const c of clusters) await c.stop('SIGKILL');
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
    await etcd?.destroy();
  });

  test('deployment and pods; a restarted k8ts serves them and keeps watching', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    const c1 = await up(dir);
    ok(c1.kubectl(['create', 'deployment', 'web', '--image=nginx:1.16', '--replicas=2']));
    await eventually(() => runningPods(c1, 'web') === 2, 'two running web pods', 60_000);
    // Upstream's key layout under the default prefix.
    const keys = await etcdKeys(etcd.url, '/registry/');
    assert.ok(keys.includes('/registry/apps/deployments/default/web'), keys.join('\n'));
    assert.equal(keys.filter((k) => k.startsWith('/registry/core/pods/default/web-')).length, 2);
    const before1 = JSON.parse(ok(c1.kubectl(['get', 'deployment', 'web', '-o', 'json'])));
    const podsBefore = JSON.parse(ok(c1.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])));
    assert.equal(await c1.stop(), 0);

    const c2 = await up(dir);
    // The same objects, at the same resourceVersions, straight from etcd.
    const after1 = JSON.parse(ok(c2.kubectl(['get', 'deployment', 'web', '-o', 'json'])));
    assert.equal(after1.metadata.uid, before1.metadata.uid);
    const podsAfter = JSON.parse(ok(c2.kubectl(['get', 'pods', '-l', 'app=web', '-o', 'json'])));
    assert.deepEqual(
      podsAfter.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort(),
      podsBefore.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort(),
    );
    // The new watch cache follows etcd: a kubectl watch sees the pods a scale-up makes, and new
    // writes get resourceVersions above everything written before the restart.
    const watch = c2.kubectlStream(['get', 'pods', '-l', 'app=web', '--watch', '--no-headers', '-o', 'name']);
    try {
      await eventually(() => (watch.output().match(/^pod\//gm) ?? []).length >= 2, 'the watch lists the existing pods', 30_000);
      ok(c2.kubectl(['scale', 'deployment', 'web', '--replicas=3']));
      await eventually(() => new Set(watch.output().match(/^pod\/\S+/gm) ?? []).size === 3, 'the watch shows a third pod', 60_000);
      await eventually(() => runningPods(c2, 'web') === 3, 'three running web pods', 60_000);
    } finally {
      await watch.stop();
    }
    const scaled = JSON.parse(ok(c2.kubectl(['get', 'deployment', 'web', '-o', 'json'])));
    assert.ok(BigInt(scaled.metadata.resourceVersion) > BigInt(before1.metadata.resourceVersion));
    const maxBefore = podsBefore.items.reduce((m: bigint, p: { metadata: { resourceVersion: string } }) => {
      const rv = BigInt(p.metadata.resourceVersion);
      return rv > m ? rv : m;
    }, BigInt(podsBefore.metadata.resourceVersion));
    assert.ok(BigInt(scaled.metadata.resourceVersion) > maxBefore);
    assert.equal(await c2.stop(), 0);
  });

  test('kill -9 of k8ts right after acknowledged writes loses none of them', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    // Its own prefix: independent of the other test's objects in the same etcd.
    const prefix = ['--etcd-prefix', '/k8ts-kill'];
    const c1 = await up(dir, prefix);
    ok(c1.kubectl(['create', 'namespace', 'dur']));
    const acked = new Map<string, string>(); // name -> resourceVersion
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `cm-${w}-${i}`;
        const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { w: String(w), i: String(i) } });
        const res = await rawRequest(c1, 'POST', '/api/v1/namespaces/dur/configmaps', { body }).catch(() => undefined);
        if (!res) return; // the server went away mid-request: not acknowledged
        if (res.status === 201) acked.set(name, res.json().metadata.resourceVersion);
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    await eventually(() => acked.size >= 150, '150 acknowledged creates', 60_000, 5);
    // SIGKILL while the writers keep going: some requests are in flight.
    await c1.stop('SIGKILL');
    stop = true;
    await Promise.all(writers);
    assert.ok(acked.size >= 150);

    const c2 = await up(dir, prefix);
    const list = JSON.parse(ok(c2.kubectl(['get', 'configmaps', '-n', 'dur', '-o', 'json'])));
    const stored = new Map<string, string>(list.items.map((i: { metadata: { name: string; resourceVersion: string } }) => [i.metadata.name, i.metadata.resourceVersion]));
    for (const [name, rv] of acked) assert.equal(stored.get(name), rv, `acknowledged ${name}@${rv} after kill -9`);
    // Nothing of the other test's prefix leaks in; and writes continue above what was acked.
    assert.ok((await etcdKeys(etcd.url, '/k8ts-kill/')).includes('/k8ts-kill/core/namespaces/dur'));
    const next = JSON.parse(ok(c2.kubectl(['create', 'configmap', 'after', '-n', 'dur', '-o', 'json'])));
    const maxAcked = [...acked.values()].reduce((m, rv) => (BigInt(rv) > m ? BigInt(rv) : m), 0n);
    assert.ok(BigInt(next.metadata.resourceVersion) > maxAcked);
    assert.equal(await c2.stop(), 0);
  });
});

test('k8ts up --storage etcd exits with a clear error when etcd is unreachable', async () => {
  const port = await new Promise<number>((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
  const dir = tempDir();
  try {
    const url = `http://127.0.0.1:${port}`;
    const r = spawnSync(process.execPath, [K8TS_BIN, 'up', '--data-dir', dir, '--port', '0', '--storage', 'etcd', '--etcd-servers', url], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^error: cannot reach etcd at ${url}: .*ECONNREFUSED`, 'm'));
    const usage = spawnSync(process.execPath, [K8TS_BIN, 'up', '--data-dir', dir, '--storage', 'etcd'], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(usage.status, 1);
    assert.match(usage.stderr, /--storage etcd needs --etcd-servers/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
