// Process runtime benchmark (issue 7), run by hand as root:
//   npx tsc -p tsconfig.json && node dist/bench/process-runtime-bench.js
// Starts a real `k8ts up --runtime process` and prints one line per figure:
// - pod start latency (create acknowledged -> Running seen by a watch), p50/p99, 100 pods
//   created 10 at a time, and the time until all 100 ran;
// - exec round trip: a WebSocket exec of `true` through the API server and the kubelet API
//   (v5.channel.k8s.io, the same path kubectl takes), p50/p99 of 50; and `kubectl exec -- true`
//   wall time (kubectl start-up included), p50 of 10;
// - log throughput through `kubectl logs -f`: while a container writes 20 MB of 100-byte lines,
//   and of the same 20 MB log read in one go once it has ended.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WebSocket } from 'ws';
import type { KObject } from '../src/api/types.js';
import { readKubeconfig } from '../src/cli/kubeconfig.js';
import { RestClient } from '../src/client/rest-client.js';
import { R, ResourceClient } from '../src/client/resources.js';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '../..');
const BIN = join(ROOT, 'bin', 'k8ts.js');
const KUBECTL = '/usr/bin/kubectl';

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function podSpec(name: string, command: string, restartPolicy = 'Always'): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, restartPolicy, containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', command] }] },
  };
}

async function waitFor(pods: ResourceClient, name: string, ok: (p: KObject) => boolean, timeoutMs = 60_000): Promise<KObject> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const p = await pods.get('default', name);
    if (ok(p)) return p;
    if (Date.now() > end) throw new Error(`timed out waiting for pod ${name}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-process-bench-'));
  const proc: ChildProcess = spawn(process.execPath, [BIN, 'up', '--data-dir', dir, '--port', '0', '--runtime', 'process'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      proc.stdout!.on('data', (d) => {
        out += d;
        const m = /running at (https:\/\/\S+);/.exec(out);
        if (m) res(m[1]);
      });
      proc.once('exit', (c) => rej(new Error(`k8ts up exited ${c}: ${out}`)));
    });
    const kubeconfig = join(dir, 'kubeconfig');
    const kc = readKubeconfig(kubeconfig);
    const client = new RestClient({ server: url, token: kc.token, caCert: kc.caCert });
    const pods = new ResourceClient(client, R.pods);
    const nodes = new ResourceClient(client, R.nodes);
    for (const end = Date.now() + 30_000; ; ) {
      const list = await nodes.list(undefined, {});
      if (list.items.some((n) => n.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'))) break;
      if (Date.now() > end) throw new Error('no Ready node');
      await new Promise((r) => setTimeout(r, 100));
    }

    // 1. Pod start latency.
    const N = 100;
    const created = new Map<string, number>();
    const running = new Map<string, number>();
    let allRunning!: () => void;
    const all = new Promise<void>((r) => (allRunning = r));
    const watch = pods.watch('default', {}, (ev) => {
      const p = ev.object as KObject;
      const name = p.metadata?.name;
      if (!name || running.has(name) || p.status?.phase !== 'Running') return;
      running.set(name, performance.now());
      if (running.size === N) allRunning();
    });
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    for (let i = 0; i < N; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const name = `start-${i + j}`;
          const t = performance.now();
          await pods.create('default', podSpec(name, "trap 'exit 0' TERM; while true; do sleep 1; done"));
          created.set(name, t);
        }),
      );
    }
    await all;
    const tAll = performance.now() - t0;
    watch.stop();
    const lat = [...running].map(([n, t]) => t - created.get(n)!).sort((a, b) => a - b);
    console.log(`pod start (created -> Running), ${N} pods: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, all ${N} running after ${(tAll / 1000).toFixed(2)} s`);

    // 2. Exec round trip over the WebSocket path kubectl uses.
    const ca = kc.caCert;
    const execOnce = () =>
      new Promise<number>((res, rej) => {
        const t = performance.now();
        const ws = new WebSocket(`${url.replace('https', 'wss')}/api/v1/namespaces/default/pods/start-0/exec?command=true&stdout=true&stderr=true`, ['v5.channel.k8s.io'], { ca, headers: { Authorization: `Bearer ${kc.token}` } });
        let status = '';
        ws.on('message', (d: Buffer) => {
          if (d[0] === 3) status = d.subarray(1).toString();
        });
        ws.on('close', () => (status.includes('Success') ? res(performance.now() - t) : rej(new Error(`exec failed: ${status}`))));
        ws.on('error', rej);
      });
    for (let i = 0; i < 5; i++) await execOnce();
    const ex: number[] = [];
    for (let i = 0; i < 50; i++) ex.push(await execOnce());
    ex.sort((a, b) => a - b);
    console.log(`exec round trip (WebSocket v5, API server -> kubelet API -> k8ts-shim exec \`true\`), 50 runs: p50 ${pct(ex, 50).toFixed(1)} ms, p99 ${pct(ex, 99).toFixed(1)} ms`);
    const cache = mkdtempSync(join(tmpdir(), 'k8ts-bench-kubectl-'));
    const kx: number[] = [];
    for (let i = 0; i < 11; i++) {
      const t = performance.now();
      const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cache, 'exec', 'start-0', '--', 'true']);
      if (r.status !== 0) throw new Error(`kubectl exec failed: ${r.stderr}`);
      if (i > 0) kx.push(performance.now() - t);
    }
    kx.sort((a, b) => a - b);
    console.log(`kubectl exec start-0 -- true (wall time, kubectl start-up included), 10 runs: p50 ${pct(kx, 50).toFixed(0)} ms`);

    // Free the node for the log test (a 100-pod node is a busy node).
    await Promise.all([...created.keys()].map((n) => pods.delete('default', n, { gracePeriodSeconds: 1 }).catch(() => undefined)));
    for (const end = Date.now() + 60_000; (await pods.list('default', {})).items.length > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));

    // 3. Log throughput through kubectl logs -f.
    const LINES = 200_000; // 100 bytes each (99 + newline): 20 MB (28 MB on disk: within the 5 x 10 MiB kept)
    const line = 'x'.repeat(99);
    await pods.create('default', podSpec('logger', `sleep 0.5; yes ${line} | head -n ${LINES}`, 'Never'));
    await waitFor(pods, 'logger', (p) => p.status?.phase === 'Running' || p.status?.phase === 'Succeeded');
    const follow = (args: string[]) =>
      new Promise<{ bytes: number; ms: number }>((res, rej) => {
        const p = spawn(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', cache, 'logs', '-f', 'logger', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
        let bytes = 0;
        let first = 0;
        p.stdout.on('data', (d: Buffer) => {
          if (!first) first = performance.now();
          bytes += d.length;
        });
        p.on('close', (code) => (code === 0 ? res({ bytes, ms: performance.now() - first }) : rej(new Error(`kubectl logs exited ${code}`))));
      });
    const live = await follow([]);
    console.log(`kubectl logs -f while the container writes 20 MB: ${(live.bytes / 1e6).toFixed(1)} MB in ${(live.ms / 1000).toFixed(2)} s = ${(live.bytes / 1e6 / (live.ms / 1000)).toFixed(1)} MB/s`);
    await waitFor(pods, 'logger', (p) => p.status?.phase === 'Succeeded');
    const done = await follow([]);
    console.log(`kubectl logs -f of the ended container's 20 MB log: ${(done.bytes / 1e6).toFixed(1)} MB in ${(done.ms / 1000).toFixed(2)} s = ${(done.bytes / 1e6 / (done.ms / 1000)).toFixed(1)} MB/s`);
    await pods.delete('default', 'logger', { gracePeriodSeconds: 0 });
    rmSync(cache, { recursive: true, force: true });
    client.close();
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
    // Anything the runtime still runs (an interrupted run) ends with the bench: shims name the dir.
    for (const p of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
      try {
        if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(dir)) process.kill(Number(p), 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
