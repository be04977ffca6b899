// Batch benchmarks (issue 6), run by hand:
//
//   npx tsx bench/job-bench.ts job [completions] [parallelism] [nodes] [memory|sqlite]
//     An Indexed Job (completions 10,000, parallelism 500, pods `sleep 1`, restartPolicy Never) on
//     an in-process cluster (API server, scheduler, 50 sim nodes, every controller `k8ts up` runs):
//     time from the create until the Job is Complete (a GET every 200 ms), and the controllers'
//     API requests per pod created.
//
//   npx tsx bench/job-bench.ts cron [cronjobs] [minutes] [nodes]
//     1,000 CronJobs `*/1 * * * *` (each Job one pod `sleep 1`), in real time. The API server,
//     scheduler and 20 sim nodes run in a child process (this file with `serve`); this process runs
//     only the controller manager (every controller `k8ts up` runs, garbage collector included),
//     so process.cpuUsage() here is the controllers' CPU (and their client's HTTP and JSON work).
//     Prints, per wall-clock minute from the first minute boundary after the controllers start,
//     the controllers' CPU, their API requests, and the child's CPU (from /proc).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { KObject } from '../src/api/types.js';
import { R, ResourceClient } from '../src/client/resources.js';
import { controllerFactories } from '../src/controllers/registry.js';
import { ControllerManager } from '../src/controllers/runtime/manager.js';
import { BenchCluster, CountingClient, diffCounts, formatCounts, inParallel, sec, sumWrites, waitFor, type StoreKind } from './bench-cluster.js';

const NS = 'default';
const mode = process.argv[2] ?? 'job';
const arg = (i: number, d: number) => (process.argv[3 + i] ? Number(process.argv[3 + i]) : d);

const isComplete = (j: KObject) => (j.status?.conditions ?? []).some((c: KObject) => c.type === 'Complete' && c.status === 'True');
const isFailed = (j: KObject) => (j.status?.conditions ?? []).some((c: KObject) => c.type === 'Failed' && c.status === 'True');

async function jobBench(): Promise<void> {
  const completions = arg(0, 10_000);
  const parallelism = arg(1, 500);
  const nodes = arg(2, 50);
  const store = (process.argv[6] ?? 'memory') as StoreKind;
  const cluster = new BenchCluster({ store, nodes, controllers: true });
  await cluster.start();
  const jobs = new ResourceClient(cluster.client, R.jobs);
  console.log(`${store} store, ${nodes} sim nodes, events on: Indexed Job, completions ${completions}, parallelism ${parallelism}, pods \`sleep 1\``);
  let job: KObject = { metadata: {} };
  const timer = setInterval(() => {
    const s = job.status ?? {};
    console.error(`  ${sec(performance.now() - t0)}: active ${s.active ?? 0} ready ${s.ready ?? 0} succeeded ${s.succeeded ?? 0} failed ${s.failed ?? 0}`);
  }, 5000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await jobs.create(NS, {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'indexed' },
    spec: {
      completions,
      parallelism,
      completionMode: 'Indexed',
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox:1.36', command: ['sleep', '1'] }] } },
    },
  });
  await waitFor(
    'the Job to complete',
    async () => {
      job = await jobs.get(NS, 'indexed');
      if (isFailed(job)) throw new Error(`the Job failed: ${JSON.stringify(job.status)}`);
      return isComplete(job);
    },
    200,
    1_800_000,
  );
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  const s = job.status;
  console.log(`create -> Complete: ${sec(ms)} (${Math.round(completions / (ms / 1000))} completions/s); process cpu ${sec((cpu.user + cpu.system) / 1000)}`);
  console.log(`  status: succeeded ${s.succeeded}, failed ${s.failed ?? 0}, completedIndexes ${s.completedIndexes}`);
  const reqs = cluster.allRequests();
  const controller = reqs.get('kube-controller-manager')!;
  const created = controller.get('POST pods') ?? 0;
  const per = (n: number) => (n / created).toFixed(2);
  console.log(
    `  controller-manager: ${created} pods created, ${per(sumWrites(controller))} writes per pod (${per(sumWrites(controller, (r) => !r.endsWith(' events')))} without events); requests: ${formatCounts(controller)}`,
  );
  for (const c of ['kube-scheduler', 'kubelet']) console.log(`  ${c}: ${per(sumWrites(reqs.get(c)!))} writes per pod; requests: ${formatCounts(reqs.get(c)!)}`);
  console.log(`node agent log lines: ${cluster.agentLogCount}${cluster.agentLog.length ? ` (first: ${cluster.agentLog[0]})` : ''}`);
  await cluster.stop();
}

/** The child of `cron`: API server, scheduler and sim nodes; prints its URL, runs until stdin closes. */
async function serve(): Promise<void> {
  const cluster = new BenchCluster({ store: 'memory', nodes: arg(0, 20) });
  await cluster.start();
  console.log(JSON.stringify({ url: cluster.url }));
  process.stdin.resume();
  await new Promise((r) => process.stdin.on('end', r));
  await cluster.stop();
  process.exit(0);
}

/** utime + stime of a process in ms, from /proc (Linux). */
function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state is index 0, so utime (14th overall) is index 11 and stime 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function cronBench(): Promise<void> {
  const count = arg(0, 1000);
  const minutes = arg(1, 4);
  const nodes = arg(2, 20);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), 'serve', String(nodes)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the cluster process exited (${code})`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (l) => {
      if (l.startsWith('{')) resolve((JSON.parse(l) as { url: string }).url);
    });
  });
  const client = new CountingClient({ server: url });
  const cronjobs = new ResourceClient(client, R.cronjobs);
  const jobs = new ResourceClient(client, R.jobs);
  let t = performance.now();
  await inParallel(count, 20, (i) =>
    cronjobs.create(NS, {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: `every-minute-${i}` },
      spec: {
        schedule: '*/1 * * * *',
        jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'tick', image: 'busybox:1.36', command: ['sleep', '1'] }] } } } },
      },
    }),
  );
  console.log(`${count} CronJobs \`*/1 * * * *\` created in ${sec(performance.now() - t)}; cluster process: API server (memory store), scheduler, ${nodes} sim nodes`);

  const controllerClient = new CountingClient({ server: url, userAgent: 'kube-controller-manager/v1.32.4-k8ts' });
  const manager = new ControllerManager({ client: controllerClient, leaderElection: false }, controllerFactories({ dataDir: fs.mkdtempSync('/tmp/k8ts-bench-') }));
  const cpuStart = process.cpuUsage();
  t = performance.now();
  await manager.start();
  const startCpu = process.cpuUsage(cpuStart);
  console.log(`controller manager started (informers synced) in ${sec(performance.now() - t)}, cpu ${sec((startCpu.user + startCpu.system) / 1000)}`);

  // Measure whole wall-clock minutes, each starting 0.5 s before a minute boundary so that the
  // schedule's burst falls inside one window; nothing but the controllers runs here meanwhile.
  const first = Math.ceil((Date.now() + 1000) / 60_000) * 60_000 - 500;
  await new Promise((r) => setTimeout(r, first - Date.now()));
  let cpu0 = process.cpuUsage();
  let child0 = procCpuMs(child.pid!);
  let req0 = new Map(controllerClient.byRoute);
  for (let m = 1; m <= minutes; m++) {
    await new Promise((r) => setTimeout(r, first + m * 60_000 - Date.now()));
    const cpu = process.cpuUsage(cpu0);
    const childNow = procCpuMs(child.pid!);
    const reqs = diffCounts(controllerClient.byRoute, req0);
    cpu0 = process.cpuUsage();
    req0 = new Map(controllerClient.byRoute);
    const jobsNow = (controllerClient.byRoute.get('POST jobs') ?? 0) - (controllerClient.byRoute.get('DELETE jobs') ?? 0);
    console.log(
      `minute ${m}: controllers cpu ${sec((cpu.user + cpu.system) / 1000)} (user ${sec(cpu.user / 1000)}, system ${sec(cpu.system / 1000)}); ` +
        `cluster process cpu ${sec(childNow - child0)}; jobs existing ${jobsNow}; controller writes ${sumWrites(reqs)}: ${formatCounts(reqs)}`,
    );
    child0 = childNow;
  }
  const all = (await jobs.list(NS)).items;
  console.log(`at the end: ${all.length} jobs (${all.filter(isComplete).length} complete, ${all.filter(isFailed).length} failed)`);
  manager.stop();
  controllerClient.close();
  client.close();
  child.stdin!.end();
  await new Promise((r) => child.once('exit', r));
}

if (mode === 'job') await jobBench();
else if (mode === 'cron') await cronBench();
else if (mode === 'serve') await serve();
else throw new Error(`unknown mode ${mode}: job, cron`);
