// runc runtime benchmark (issue 8), run by hand as root with runc, docker-registry and
// busybox-static installed:
//   npx tsc -p tsconfig.json && node dist/bench/runc-runtime-bench.js
// Prints one line per figure:
// - image pull and unpack of a 5-layer image (busybox + 4 layers of 1 MB) from a local
//   docker-registry into an empty store, median of 5;
// - pod start latency (create acknowledged -> Running seen by a watch) of 50 pods with a cached
//   image, created 10 at a time, p50/p99, through a real `k8ts up --runtime runc`;
// - RSS of the `k8ts up` process (API server, controllers and the node agent) and of the 50
//   k8ts-shim supervisors with 50 containers running.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KObject } from '../src/api/types.js';
import { readKubeconfig } from '../src/cli/kubeconfig.js';
import { RestClient } from '../src/client/rest-client.js';
import { R, ResourceClient } from '../src/client/resources.js';
import { ImageStore } from '../src/images/image-store.js';
import { purgeRuncState } from '../src/kubelet/runtime/runc/purge.js';
import { busyboxLayer, makeLayer, startRegistry } from '../test/fixtures/busybox-registry.js';

const ROOT = resolve(new URL('.', import.meta.url).pathname, '../..');
const BIN = join(ROOT, 'bin', 'k8ts.js');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** CPU seconds used so far by process `pid` (user, system). */
function procCpu(pid: number): [number, number] {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [Number(f[11]) / 100, Number(f[12]) / 100];
}

/** Machine CPU seconds so far: user+nice, system+irq+softirq, idle+iowait. */
function machineCpu(): [number, number, number] {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return [(f[0] + f[1]) / 100, (f[2] + f[5] + f[6]) / 100, (f[3] + f[4]) / 100];
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/**
 * The burst's timeline from the node's trace (K8TS_START_TRACE): per stage, when pods reached it
 * after their create was sent (p50/p99), and how long the step before it took (p50/p99).
 */
function printTimeline(file: string, createdAt: Map<string, number>): void {
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return;
  }
  const byPod = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const [key, stage, t] = line.split(' ');
    if (!key || !createdAt.has(key)) continue;
    let m = byPod.get(key);
    if (!m) byPod.set(key, (m = new Map()));
    if (!m.has(stage)) m.set(stage, Number(t));
  }
  const order = ['bind', 'bound', 'seen', 'sync', 'sandbox', 'sandbox-files', 'netns', 'unshare', 'ip-host', 'ip-pod', 'sandbox-done', 'create', 'created', 'start', 'shim-ok', 'pid-file', 'status-sent', 'status-acked'];
  console.log('  burst timeline (ms after the create was sent: p50 / p99; the step from the stage before: p50 / p99):');
  let prev: string | undefined;
  for (const stage of order) {
    const at: number[] = [];
    const step: number[] = [];
    for (const [key, m] of byPod) {
      const t = m.get(stage);
      if (t === undefined) continue;
      at.push(t - createdAt.get(key)!);
      const p = prev && m.get(prev);
      if (p) step.push(t - p);
    }
    if (!at.length) continue;
    at.sort((a, b) => a - b);
    step.sort((a, b) => a - b);
    const stepText = step.length ? `${pct(step, 50).toFixed(0).padStart(5)} / ${pct(step, 99).toFixed(0).padStart(5)}` : '';
    console.log(`    ${stage.padEnd(13)} ${pct(at, 50).toFixed(0).padStart(5)} / ${pct(at, 99).toFixed(0).padStart(5)}   ${stepText}`);
    prev = stage;
  }
}

async function main(): Promise<void> {
  const reg = await startRegistry();
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-runc-bench-'));
  let proc: ChildProcess | undefined;
  try {
    const base = busyboxLayer();
    const extra = [1, 2, 3, 4].map((i) => makeLayer([{ name: `data${i}/`, type: 'directory' }, { name: `data${i}/blob`, data: randomBytes(1 << 20) }, ...Array.from({ length: 50 }, (_, j) => ({ name: `data${i}/f${j}`, data: `file ${j}\n` }))]));
    const PATH = 'PATH=/usr/sbin:/usr/bin:/sbin:/bin';
    await reg.push('bench/five', '1', { layers: [base, ...extra], config: { Cmd: ['/bin/sh'], Env: [PATH] } });
    await reg.push('bench/busybox', '1', { layers: [base], config: { Cmd: ['/bin/sh'], Env: [PATH] } });

    // 1. Pull and unpack.
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const store = new ImageStore({ root: join(dir, `pull-${i}`) });
      const t = performance.now();
      await store.pull(`${reg.host}/bench/five:1`);
      times.push(performance.now() - t);
      rmSync(join(dir, `pull-${i}`), { recursive: true, force: true });
    }
    times.sort((a, b) => a - b);
    const size = base.data.length + extra.reduce((s, l) => s + l.data.length, 0);
    console.log(`pull + unpack of a 5-layer image (${(size / 1e6).toFixed(1)} MB compressed) from a local registry, 5 runs: median ${pct(times, 50).toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times[4].toFixed(0)})`);

    // 2. Pod start latency with a cached image.
    const data = join(dir, 'cluster');
    const traceFile = join(dir, 'start-trace.txt');
    const runcPath = process.env.RUNC_BENCH_RUNC;
    const upArgs = [...(process.env.RUNC_BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.RUNC_BENCH_CPU_PROF] : []), BIN, 'up', '--data-dir', data, '--port', '0', '--runtime', 'runc', ...(runcPath ? ['--runc-path', runcPath] : []), ...(process.env.RUNC_BENCH_UP_ARGS ? process.env.RUNC_BENCH_UP_ARGS.split(' ') : [])];
    proc = spawn(process.execPath, upArgs, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, K8TS_START_TRACE: traceFile } });
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      proc!.stdout!.on('data', (d) => {
        out += d;
        const m = /running at (https:\/\/\S+);/.exec(out);
        if (m) res(m[1]);
      });
      proc!.once('exit', (c) => rej(new Error(`k8ts up exited ${c}: ${out}`)));
    });
    const kc = readKubeconfig(join(data, 'kubeconfig'));
    const client = new RestClient({ server: url, token: kc.token, caCert: kc.caCert });
    const pods = new ResourceClient(client, R.pods);
    const nodes = new ResourceClient(client, R.nodes);
    for (const end = Date.now() + 30_000; ; ) {
      const list = await nodes.list(undefined, {});
      if (list.items.some((n) => n.status?.conditions?.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True'))) break;
      if (Date.now() > end) throw new Error('no Ready node');
      await new Promise((r) => setTimeout(r, 100));
    }
    const image = `${reg.host}/bench/busybox:1`;
    const spec = (name: string): KObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] }] },
    });
    const N = 50;
    const created = new Map<string, number>();
    /** Epoch ms (sub-ms) when each create was sent, keyed like the trace (namespace/name). */
    const createdAt = new Map<string, number>();
    const running = new Map<string, number>();
    let allRunning!: () => void;
    const all = new Promise<void>((r) => (allRunning = r));
    const watch = pods.watch('default', {}, (ev) => {
      const p = ev.object as KObject;
      const name = p.metadata?.name;
      if (!name || running.has(name) || p.status?.phase !== 'Running') return;
      running.set(name, performance.now());
      if (name === 'warm' || running.size === N + 1) allRunning();
    });
    await new Promise((r) => setTimeout(r, 200));
    // One pod first: pulls the image, so the measured ones find it cached.
    await pods.create('default', spec('warm'));
    await all;
    const allDone = new Promise<void>((r) => (allRunning = r));
    // RUNC_BENCH_PERF=<file>: a system-wide `perf record` of the burst (perf report --sort comm).
    const perf = process.env.RUNC_BENCH_PERF ? spawn('perf', ['record', '-a', '-F', '499', '-o', process.env.RUNC_BENCH_PERF, '--', 'sleep', '4'], { stdio: 'ignore' }) : undefined;
    if (perf) await new Promise((r) => setTimeout(r, 300));
    const cpu0 = procCpu(proc.pid!);
    const mcpu0 = machineCpu();
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const t0 = performance.now();
    for (let i = 0; i < N; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const name = `start-${i + j}`;
          const t = performance.now();
          createdAt.set(`default/${name}`, performance.timeOrigin + t);
          await pods.create('default', spec(name));
          created.set(name, t);
        }),
      );
    }
    await allDone;
    const tAll = performance.now() - t0;
    const cpu1 = procCpu(proc.pid!);
    if (perf) await new Promise((r) => perf.once('exit', r));
    const mcpu1 = machineCpu();
    watch.stop();
    const lat = [...created].map(([n, t]) => running.get(n)! - t).sort((a, b) => a - b);
    console.log(`pod start (created -> Running), ${N} pods with a cached image, 10 at a time: p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${pct(lat, 99).toFixed(0)} ms, all ${N} running after ${(tAll / 1000).toFixed(2)} s`);
    console.log(
      `  during the burst (load average before: ${load}): k8ts up cpu user ${(cpu1[0] - cpu0[0]).toFixed(2)} s + sys ${(cpu1[1] - cpu0[1]).toFixed(2)} s; ` +
        `machine (all processes) user ${(mcpu1[0] - mcpu0[0]).toFixed(2)} s, sys ${(mcpu1[1] - mcpu0[1]).toFixed(2)} s, idle ${(mcpu1[2] - mcpu0[2]).toFixed(2)} s (${os.cpus().length} cores)`,
    );
    printTimeline(traceFile, createdAt);

    // 3. Memory with 51 containers running.
    await new Promise((r) => setTimeout(r, 2000));
    const shims = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
          return cmd.includes('k8ts-shim') && cmd.includes(data) && !cmd.includes('spawner');
        } catch {
          return false;
        }
      });
    const shimKb = shims.reduce((s, p) => s + rssKb(Number(p)), 0);
    console.log(`RSS with ${shims.length} containers running: k8ts up (API server + controllers + agent) ${(rssKb(proc.pid!) / 1024).toFixed(0)} MB; k8ts-shim supervisors ${(shimKb / 1024).toFixed(1)} MB in all (${(shimKb / shims.length).toFixed(0)} kB each)`);

    const td = performance.now();
    await Promise.all([...created.keys(), 'warm'].map((n) => pods.delete('default', n, { gracePeriodSeconds: 1 }).catch(() => undefined)));
    for (const end = Date.now() + 120_000; (await pods.list('default', {})).items.length > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));
    console.log(`deleting the ${N + 1} pods (grace 1 s): ${((performance.now() - td) / 1000).toFixed(2)} s until none is left`);

    // 4. Latency without a queue: one pod at a time.
    const single: number[] = [];
    for (let i = 0; i < 20; i++) {
      const name = `one-${i}`;
      const t = performance.now();
      await pods.create('default', spec(name));
      for (const end = Date.now() + 30_000; ; ) {
        const p = await pods.get('default', name);
        if (p.status?.phase === 'Running') break;
        if (Date.now() > end) throw new Error(`pod ${name} did not run`);
        await new Promise((r) => setTimeout(r, 5));
      }
      single.push(performance.now() - t);
    }
    single.sort((a, b) => a - b);
    console.log(`pod start one at a time (created -> Running seen by polling every 5 ms), 20 pods: p50 ${pct(single, 50).toFixed(0)} ms, p99 ${pct(single, 99).toFixed(0)} ms`);
    await Promise.all(Array.from({ length: 20 }, (_, i) => pods.delete('default', `one-${i}`, { gracePeriodSeconds: 1 }).catch(() => undefined)));
    for (const end = Date.now() + 60_000; (await pods.list('default', {})).items.length > 0 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 200));
    client.close();
  } finally {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc!.once('exit', r));
    }
    await purgeRuncState(join(dir, 'cluster', 'nodes', 'k8ts-node-1', 'runc-runtime'), { bridgeCidr: '10.244.1.0/24' }).catch(() => undefined);
    await reg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
