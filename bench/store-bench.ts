// Store write benchmark: creates/s and create latency (p50/p99/max) with 1, 10 and 50
// concurrent writers, 10k pod-sized objects per run, each run on a fresh store. A last run adds a
// WatchCache (as the API server has) to include event fan-out, then times cache list pages.
// Run by hand: npx tsx bench/store-bench.ts [objects] [sqlite|etcd]
// etcd: a private etcd (Debian's etcd-server, fsync on) on loopback, each run in its own key prefix.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { EtcdStore } from '../src/storage/etcd/etcd-store.js';
import type { Store } from '../src/storage/store.js';
import { WatchCache } from '../src/storage/watch-cache.js';
import { startEtcd, type EtcdServer } from '../test/fixtures/etcd-server.js';

const OBJECTS = Number(process.argv[2] ?? 10_000);
const BACKEND = process.argv[3] ?? 'sqlite';
if (BACKEND !== 'sqlite' && BACKEND !== 'etcd') throw new Error(`unknown backend ${BACKEND}: sqlite or etcd`);
let etcd: EtcdServer | undefined;
let runs = 0;

/** A fresh store (no automatic compaction) and how to dispose of it. */
async function openStore(): Promise<{ store: Store; dispose(): Promise<void> }> {
  if (BACKEND === 'etcd') {
    etcd ??= await startEtcd();
    const store = await EtcdStore.connect({ servers: [etcd.url], prefix: `/bench-${runs++}`, compaction: { intervalMs: 0 } });
    return { store, dispose: () => store.close() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8ts-bench-'));
  const store = SqliteStore.open(path.join(dir, 'state.db'), { compaction: { intervalMs: 0 } });
  return {
    store,
    async dispose() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function podJson(i: number): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `web-${i}`,
      namespace: `ns-${i % 20}`,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      creationTimestamp: new Date().toISOString(),
      labels: { app: 'web', tier: 'frontend', shard: String(i % 7) },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7', uid: 'aaaa', controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          imagePullPolicy: 'IfNotPresent',
        },
      ],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(writers: number, withCache: boolean): Promise<void> {
  const { store, dispose } = await openStore();
  const cache = withCache ? new WatchCache(store) : undefined;
  await cache?.start();
  const values = Array.from({ length: OBJECTS }, (_, i) => podJson(i));
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < OBJECTS; i = next++) {
        const s = performance.now();
        await store.create(`/core/pods/ns-${i % 20}/web-${i}`, values[i]);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const label = `${String(writers).padStart(2)} writer(s)${withCache ? ' + WatchCache' : ''}`;
  console.log(
    `${label.padEnd(26)} ${String(Math.round(OBJECTS / secs)).padStart(6)} creates/s   p50 ${pct(lat, 50).toFixed(2)} ms   p99 ${pct(lat, 99).toFixed(2)} ms   max ${lat[lat.length - 1].toFixed(2)} ms`,
  );
  if (cache) {
    await cache.waitForRevision(await store.currentRevision());
    const pages: number[] = [];
    for (let r = 0; r < 20; r++) {
      let startAfter: string | undefined;
      for (;;) {
        const s = performance.now();
        const page = cache.list('/core/pods/', { limit: 500, startAfter });
        pages.push(performance.now() - s);
        if (!page.more) break;
        startAfter = page.items[page.items.length - 1].key;
      }
    }
    pages.sort((a, b) => a - b);
    const s = performance.now();
    const full = cache.list('/core/pods/');
    const fullMs = performance.now() - s;
    console.log(
      `WatchCache list of ${full.items.length}: 500-item page p50 ${pct(pages, 50).toFixed(3)} ms, p99 ${pct(pages, 99).toFixed(3)} ms; whole resource ${fullMs.toFixed(2)} ms`,
    );
    await cache.stop();
  }
  const listStart = performance.now();
  const page = await store.list('/core/pods/', { limit: 500 });
  console.log(`${''.padEnd(26)} ${store.backend} store list page of ${page.items.length}: ${(performance.now() - listStart).toFixed(2)} ms`);
  await dispose();
}

/** Update latency while a large compaction runs in the background (it must not stall writers). */
async function updatesDuringCompaction(writers: number): Promise<void> {
  const { store, dispose } = await openStore();
  const revs: bigint[] = [];
  const value = podJson(0);
  for (let i = 0; i < OBJECTS; i += 500) {
    const batch = await Promise.all(Array.from({ length: Math.min(500, OBJECTS - i) }, (_, j) => store.create(`/core/pods/ns/p${i + j}`, value)));
    for (const e of batch) revs.push(e.modRevision);
  }
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < OBJECTS; i += 500) {
      const batch = await Promise.all(revs.slice(i, i + 500).map((r, j) => store.update(`/core/pods/ns/p${i + j}`, value, r)));
      batch.forEach((e, j) => (revs[i + j] = e.modRevision));
    }
  }
  const history = await store.currentRevision();
  const c0 = performance.now();
  let compactMs = 0;
  const compaction = store.compact(history).then(() => (compactMs = performance.now() - c0));
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < OBJECTS / 2; i = next++) {
        const s = performance.now();
        const e = await store.update(`/core/pods/ns/p${i}`, value, revs[i]);
        revs[i] = e.modRevision;
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  await compaction;
  lat.sort((a, b) => a - b);
  console.log(
    `${`${writers} writers, compacting ${history} revs`.padEnd(26)} ${String(Math.round(lat.length / secs)).padStart(6)} updates/s   p50 ${pct(lat, 50).toFixed(2)} ms   p99 ${pct(lat, 99).toFixed(2)} ms   max ${lat[lat.length - 1].toFixed(2)} ms   (compaction took ${compactMs.toFixed(0)} ms)`,
  );
  await dispose();
}

console.log(
  BACKEND === 'etcd'
    ? `EtcdStore (local single-member etcd, fsync on, gRPC), ${OBJECTS} pod-sized creates per run (${podJson(0).length} bytes each)`
    : `SqliteStore (WAL, synchronous=FULL, group commit), ${OBJECTS} pod-sized creates per run (${podJson(0).length} bytes each)`,
);
for (const writers of [1, 10, 50]) await run(writers, false);
await run(50, true);
await updatesDuringCompaction(10);
await etcd?.destroy();
