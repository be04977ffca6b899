// API server benchmark (issue 2), run by hand:  npm run build && node dist/bench/api-bench.js
// Starts real `k8ts up` processes (SQLite store) and measures, printing one line per figure:
// - `k8ts up` to /readyz 200 (median of 10 fresh data dirs)
// - idle RSS of the server
// - pod create/get/list/watch throughput and p50/p99 latency with 1, 10 and 50 concurrent clients,
//   with 10k pods stored
// - p99 of a single create at a paced 200 creates/s

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readKubeconfig } from '../src/cli/kubeconfig.js';
import { RestClient } from '../src/client/rest-client.js';
import { R, ResourceClient } from '../src/client/resources.js';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '../..');
const BIN = join(ROOT, 'bin', 'k8ts.js');

interface Server {
  proc: ChildProcess;
  dir: string;
  url: string;
}

async function startServer(dir: string, extraArgs: string[] = []): Promise<{ server: Server; readyMs: number }> {
  const t0 = performance.now();
  // As bin/k8ts.js's shebang runs it.
  const proc = spawn(process.execPath, ['--max-semi-space-size=64', BIN, 'up', '--data-dir', dir, '--port', '0', ...extraArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((res, rej) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /running at (https:\/\/\S+);/.exec(out);
      if (m) res(m[1]);
    });
    proc.once('exit', (c) => rej(new Error(`exited ${c}: ${out}`)));
  });
  const ca = readFileSync(join(dir, 'pki', 'ca.crt'));
  // Poll /readyz as a user's script would.
  for (;;) {
    const ok = await new Promise<boolean>((res) => {
      https.get(`${url}/readyz`, { ca }, (r) => {
        r.resume();
        res(r.statusCode === 200);
      }).on('error', () => res(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  return { server: { proc, dir, url }, readyMs: performance.now() - t0 };
}

async function stopServer(s: Server): Promise<void> {
  await new Promise<void>((res) => {
    s.proc.once('exit', () => res());
    s.proc.kill('SIGTERM');
  });
  rmSync(s.dir, { recursive: true, force: true });
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

const pod = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench', shard: String(name.length % 7) } },
  // Bound to a node no agent runs: the scheduler leaves them alone (with --nodes 0 it would otherwise retry
  // 10k unschedulable pods and record a FailedScheduling event for each, which is not what this measures).
  spec: { nodeName: 'bench-node', containers: [{ name: 'c', image: 'nginx:1.16', ports: [{ containerPort: 80 }] }] },
});

async function runConcurrent(total: number, clients: number, op: (i: number) => Promise<unknown>): Promise<{ perSec: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await op(i);
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { perSec: total / secs, p50: pct(lat, 50), p99: pct(lat, 99) };
}

function line(name: string, r: { perSec: number; p50: number; p99: number }): void {
  console.log(`${name.padEnd(34)} ${r.perSec.toFixed(0).padStart(7)} ops/s   p50 ${r.p50.toFixed(2)} ms   p99 ${r.p99.toFixed(2)} ms`);
}

async function main(): Promise<void> {
  // 1. Start-up time, median of 10 fresh data dirs.
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const { server, readyMs } = await startServer(mkdtempSync(join(tmpdir(), 'k8ts-bench-')));
    times.push(readyMs);
    await stopServer(server);
  }
  times.sort((a, b) => a - b);
  console.log(`k8ts up -> /readyz 200: median ${pct(times, 50).toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[9].toFixed(0)}) over 10 fresh data dirs`);

  // Idle RSS of `k8ts up` as a user starts it (control plane, controllers, one sim node).
  const idle = (await startServer(mkdtempSync(join(tmpdir(), 'k8ts-bench-')))).server;
  await new Promise((r) => setTimeout(r, 3000));
  const rss3 = rssMb(idle.proc.pid!);
  await new Promise((r) => setTimeout(r, 27_000));
  console.log(`idle RSS of k8ts up (one sim node): ${rss3.toFixed(1)} MB 3 s after start, ${rssMb(idle.proc.pid!).toFixed(1)} MB after 30 s`);
  await stopServer(idle);

  // The API server alone from here on (--nodes 0): no node agent runs the pods created below.
  const { server } = await startServer(mkdtempSync(join(tmpdir(), 'k8ts-bench-')), ['--nodes', '0']);
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const kc = readKubeconfig(join(server.dir, 'kubeconfig'));
    const client = new RestClient({ server: kc.server, token: kc.token, caCert: kc.caCert });
    const pods = new ResourceClient(client, R.pods);

    // 2. Fill 10k pods (also measures create throughput at 50 clients).
    line('create pods, 50 clients (0->10k)', await runConcurrent(10_000, 50, (i) => pods.create('default', pod(`fill-${i}`))));
    console.log(`RSS with 10k pods stored: ${rssMb(server.proc.pid!).toFixed(1)} MB`);
    for (const c of [1, 10, 50]) {
      line(`create pods, ${c} clients`, await runConcurrent(2000, c, (i) => pods.create('default', pod(`c${c}-${i}`))));
      line(`get pod, ${c} clients`, await runConcurrent(5000, c, (i) => pods.get('default', `fill-${i % 10_000}`)));
      line(`list 500 pods (label sel), ${c} clients`, await runConcurrent(200, c, () => pods.list('default', { limit: 500, labelSelector: 'app=bench,shard=3' })));
    }
    // 3. Watch: events delivered per second to 10 watchers while 2,000 updates happen.
    const watchers = Array.from({ length: 10 }, () => {
      let n = 0;
      const h = pods.watch('default', { resourceVersion: undefined }, () => n++);
      return { h, count: () => n };
    });
    await new Promise((r) => setTimeout(r, 1000));
    const base = watchers.map((w) => w.count());
    const t0 = performance.now();
    await runConcurrent(2000, 10, (i) => pods.patch('default', `fill-${i}`, 'merge', { metadata: { labels: { touched: 'yes' } } }));
    const want = base.map((b) => b + 2000);
    while (watchers.some((w, i) => w.count() < want[i])) await new Promise((r) => setTimeout(r, 5));
    const secs = (performance.now() - t0) / 1000;
    console.log(`watch: 10 watchers x 2000 updates delivered in ${secs.toFixed(2)} s (${((10 * 2000) / secs).toFixed(0)} events/s)`);
    for (const w of watchers) w.h.stop();

    // 4. Paced creates: 200/s for 10 s, single create latency.
    const lat: number[] = [];
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 2000; i++) {
      const due = start + i * 5;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      pending.push(
        (async () => {
          const s = performance.now();
          await pods.create('default', pod(`paced-${i}`));
          lat.push(performance.now() - s);
        })(),
      );
    }
    await Promise.all(pending);
    lat.sort((a, b) => a - b);
    console.log(`paced 200 creates/s for 10 s: p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms, max ${lat[lat.length - 1].toFixed(2)} ms`);
    client.close();
  } finally {
    await stopServer(server);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
