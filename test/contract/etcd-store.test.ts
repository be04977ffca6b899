// EtcdStore against a real etcd (Debian's etcd-server): the shared Store contract, each test in
// its own key prefix of one etcd, plus what is etcd-specific: key layout, prefix isolation,
// restarts, and a clear error when etcd is unreachable. Skips when `etcd` is not installed.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runStoreContract, collect, waitUntil } from './store-contract.js';
import { EtcdStore } from '../../src/storage/etcd/etcd-store.js';
import { etcdSkipReason, startEtcd, type EtcdServer } from '../fixtures/etcd-server.js';

const skip = etcdSkipReason();
let server: Promise<EtcdServer> | undefined;
const etcd = () => (server ??= startEtcd());
after(async () => {
  if (server) await (await server).destroy();
});
let n = 0;

async function open(prefix: string): Promise<EtcdStore> {
  return EtcdStore.connect({ servers: [(await etcd()).url], prefix, compaction: { intervalMs: 0 } });
}

if (skip) {
  test('Store contract: etcd', { skip }, () => undefined);
} else {
  runStoreContract('etcd', () => open(`/contract-${n++}`), { sharedRevisions: true, issueOrderAcrossKeys: false });
}

/** etcd's own view of a key, through its JSON gateway (independent of the etcd3 client). */
async function rawGet(url: string, key: string): Promise<string | undefined> {
  const res = await fetch(`${url}/v3/kv/range`, {
    method: 'POST',
    body: JSON.stringify({ key: Buffer.from(key).toString('base64') }),
  });
  const body = (await res.json()) as { kvs?: { value?: string }[] };
  const v = body.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}

describe('EtcdStore', { skip }, () => {
  test('keys live under the prefix, upstream style; prefixes are isolated', async () => {
    const e = await etcd();
    const a = await open('/iso-a');
    const b = await open('/iso-b/'); // a trailing slash is ignored
    try {
      const wa = collect(a, '/', await a.currentRevision());
      const wb = collect(b, '/', await b.currentRevision());
      const ca = await a.create('/core/pods/ns/x', '{"a":1}');
      const cb = await b.create('/core/pods/ns/x', '{"b":1}');
      assert.ok(cb.modRevision > ca.modRevision, 'revisions are cluster-wide');
      assert.equal(await rawGet(e.url, '/iso-a/core/pods/ns/x'), '{"a":1}');
      assert.equal(await rawGet(e.url, '/iso-b/core/pods/ns/x'), '{"b":1}');
      assert.deepEqual((await a.list('/')).items.map((i) => i.value), ['{"a":1}']);
      assert.deepEqual((await b.list('/')).items.map((i) => i.value), ['{"b":1}']);
      await waitUntil(() => wa.events.length === 1 && wb.events.length === 1, 'one event each', 20_000);
      // Give a stray cross-prefix event the chance to show up after a later write.
      await a.update('/core/pods/ns/x', '{"a":2}', ca.modRevision);
      await waitUntil(() => wa.events.length === 2, 'the update', 20_000);
      assert.deepEqual(wb.events.map((ev) => ev.value), ['{"b":1}']);
      wa.watcher.close();
      wb.watcher.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('state, history and revisions survive an etcd restart and a new store', async () => {
    const e = await startEtcd();
    try {
      const s1 = await EtcdStore.connect({ servers: [e.url], compaction: { intervalMs: 0 } });
      const c = await s1.create('/core/configmaps/ns/a', '{"v":1}');
      const u = await s1.update('/core/configmaps/ns/a', '{"v":2}', c.modRevision);
      await s1.close();
      await assert.rejects(s1.get('/core/configmaps/ns/a'), /closed/);

      await e.restart();
      const s2 = await EtcdStore.connect({ servers: [e.url], compaction: { intervalMs: 0 } });
      try {
        assert.equal(await s2.currentRevision(), u.modRevision);
        assert.deepEqual(await s2.get('/core/configmaps/ns/a'), u);
        assert.equal(await rawGet(e.url, '/registry/core/configmaps/ns/a'), '{"v":2}');
        const w = collect(s2, '/', 0n);
        await waitUntil(() => w.events.length === 2, 'history after restart', 20_000);
        w.watcher.close();
        assert.deepEqual(w.events.map((ev) => `${ev.type}@${ev.revision}`), [`create@${c.modRevision}`, `update@${u.modRevision}`]);
        assert.equal((await s2.delete('/core/configmaps/ns/a', u.modRevision)).modRevision, u.modRevision + 1n);
      } finally {
        await s2.close();
      }
    } finally {
      await e.destroy();
    }
  });

  test('a watch ends with an error when etcd goes away (the watch cache re-lists)', async () => {
    const e = await startEtcd();
    try {
      const s = await EtcdStore.connect({ servers: [e.url], compaction: { intervalMs: 0 }, callTimeoutMs: 5000 });
      try {
        const w = collect(s, '/', await s.currentRevision());
        await s.create('/a/b', 'x');
        await waitUntil(() => w.events.length === 1, 'the event', 20_000);
        await e.stop();
        await waitUntil(() => w.errors.length === 1, 'the watch error', 30_000);
        await assert.rejects(s.create('/a/c', 'x'));
      } finally {
        await s.close();
      }
    } finally {
      await e.destroy();
    }
  });

  test('an unreachable etcd fails connect with a clear message', async () => {
    // A port nobody listens on: bind, note it, close.
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const started = Date.now();
    await assert.rejects(EtcdStore.connect({ servers: [url], connectTimeoutMs: 2000 }), (err: Error) =>
      err.message.startsWith(`cannot reach etcd at ${url}: `),
    );
    assert.ok(Date.now() - started < 15_000, 'fails within the connect timeout (plus slack)');
  });
});
