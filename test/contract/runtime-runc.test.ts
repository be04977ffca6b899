// The runc runtime against the runtime contract, with a busybox image from a real registry
// (Debian's docker-registry on 127.0.0.1); then what only a real container runtime can show:
// image entrypoints, pod networking, limits, exit codes that survive an agent restart, and
// nothing left behind. Needs root, runc, ip, docker-registry, busybox-static and a C compiler.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../../src/images/image-store.js';
import { RuncRuntime } from '../../src/kubelet/runtime/runc/runc-runtime.js';
import { bridgeName, mountsUnder, vethName } from '../../src/kubelet/runtime/runc/pod-network.js';
import type { ContainerStatus, PodSandboxConfig } from '../../src/kubelet/runtime/runtime.js';
import { busyboxLayer, makeLayer, runcTestsMissing, startRegistry, type TestRegistry } from '../fixtures/busybox-registry.js';
import { runRuntimeContract } from './runtime-contract.js';

const missing = runcTestsMissing;

const skip = missing();
if (skip) console.log(`# skipping the runc runtime tests: ${skip}`);

// crun, when installed, runs the same tests (one after the other: they share the pod CIDRs).
const CRUN = '/usr/bin/crun';
const crunSkip = skip ?? (existsSync(CRUN) ? undefined : `${CRUN} is not installed (apt-get install crun)`);
if (!skip && crunSkip) console.log(`# skipping the crun runs of the runc runtime tests: ${crunSkip}`);
const BINARIES: { name: string; path?: string; skip?: string }[] = [
  { name: 'runc', skip },
  { name: 'crun', path: CRUN, skip: crunSkip },
];

const state: { reg?: TestRegistry; images?: ImageStore; dir?: string; image?: string; httpImage?: string } = {};
const CG = `k8ts-test-${process.pid}`;

if (!skip) {
  before(async () => {
    state.reg = await startRegistry();
    state.dir = mkdtempSync(join(tmpdir(), 'k8ts-runc-'));
    const base = busyboxLayer();
    await state.reg.push('test/busybox', '1', { layers: [base], config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] } });
    const www = makeLayer([{ name: 'www/', type: 'directory' }, { name: 'www/index.html', data: 'hello from the image\n' }]);
    await state.reg.push('test/httpd', '1', { layers: [base, www], config: { Entrypoint: ['httpd', '-f', '-p'], Cmd: ['8080'], WorkingDir: '/www', Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'GREETING=from-image'] } });
    state.image = `${state.reg.host}/test/busybox:1`;
    state.httpImage = `${state.reg.host}/test/httpd:1`;
    state.images = new ImageStore({ root: join(state.dir, 'images') });
    await state.images.pull(state.image);
    await state.images.pull(state.httpImage);
  });
  after(async () => {
    await state.reg?.stop();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  });
}

/** Sandboxes each runtime made (other test processes may have veths of their own meanwhile). */
const made = new WeakMap<RuncRuntime, string[]>();

function newRuntime(dataDir: string, runcPath?: string): RuncRuntime {
  const rt = new RuncRuntime({ dataDir, images: state.images!, cgroupPrefix: CG, runcVersion: '1.x', runcPath });
  const ids: string[] = [];
  made.set(rt, ids);
  const run = rt.runPodSandbox.bind(rt);
  rt.runPodSandbox = async (c) => {
    const id = await run(c);
    ids.push(id);
    return id;
  };
  return rt;
}

/** Everything a runtime made on the host, to compare before and after. */
function leftovers(dataDir: string, rt: RuncRuntime): string[] {
  const out: string[] = [];
  out.push(...mountsUnder(dataDir).map((m) => `mount ${m}`));
  for (const d of ['sandboxes', 'containers']) {
    const p = join(dataDir, d);
    if (existsSync(p)) out.push(...readdirSync(p).map((n) => `${d}/${n}`));
  }
  const mine = new Set((made.get(rt) ?? []).map(vethName));
  const links = readdirSync('/sys/class/net').filter((n) => mine.has(n));
  out.push(...links.map((l) => `veth ${l}`));
  for (const h of readdirSync('/sys/fs/cgroup')) {
    if (existsSync(join('/sys/fs/cgroup', h, CG))) out.push(`cgroup ${h}/${CG}`);
  }
  const runcStates = rt ? readdirSync(join(dataDir, 'runc')) : [];
  out.push(...runcStates.map((s) => `runc state ${s}`));
  return out;
}

for (const bin of BINARIES) {
  if (bin.skip) continue;
  runRuntimeContract(bin.name, async () => {
    const dir = mkdtempSync(join(state.dir!, 'rt-'));
    const runtime = newRuntime(dir, bin.path);
    return {
      runtime,
      image: state.image!,
      advance: (ms) => new Promise((r) => setTimeout(r, ms)),
      cleanup: async () => {
        for (const sb of await runtime.listPodSandboxes()) await runtime.removePodSandbox(sb.id);
        await runtime.close();
        assert.deepEqual(leftovers(dir, runtime), []);
      },
    };
  });
}

let seq = 0;
function sandboxConfig(extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  seq++;
  return { uid: `runc-uid-${seq}`, name: `runc-pod-${seq}`, namespace: 'default', attempt: 0, labels: {}, annotations: {}, ...extra };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exited(rt: RuncRuntime, id: string, timeoutMs = 10_000): Promise<ContainerStatus> {
  return until(`container to exit`, async () => {
    const s = await rt.containerStatus(id);
    return s?.state === 'exited' ? s : undefined;
  }, timeoutMs);
}

async function logs(rt: RuncRuntime, id: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of rt.readLogs(id)) out.push(`${e.stream}: ${e.line}`);
  return out;
}

function withRuntime(title: string, fn: (rt: RuncRuntime, dir: string, runcPath?: string) => Promise<void>) {
  for (const bin of BINARIES) withBinary(bin, title, fn);
}

function withBinary(bin: (typeof BINARIES)[number], title: string, fn: (rt: RuncRuntime, dir: string, runcPath?: string) => Promise<void>) {
  test(`${bin.name}: ${title}`, { skip: bin.skip }, async () => {
    const dir = mkdtempSync(join(state.dir!, 'rt-'));
    const rt = newRuntime(dir, bin.path);
    rt.updateRuntimeConfig({ podCIDR: '10.244.66.0/24', nodeIP: '192.168.50.10' });
    try {
      await fn(rt, dir, bin.path);
    } finally {
      for (const sb of await rt.listPodSandboxes()) await rt.removePodSandbox(sb.id);
      await rt.close();
    }
    assert.deepEqual(leftovers(dir, rt), [], 'nothing is left behind');
    assert.equal(existsSync(`/sys/class/net/${bridgeName('10.244.66.0/24')}`), false, 'the bridge went with the last pod');
  });
}

withRuntime('the image entrypoint, cmd, env and working dir; args replace cmd; stderr and exit codes', async (rt) => {
  const sb = await rt.runPodSandbox(sandboxConfig());
  const mk = async (name: string, command: string[], args: string[], image = state.httpImage!) => {
    const id = await rt.createContainer(sb, { name, attempt: 0, image, command, args, env: [{ name: 'MINE', value: 'yes' }] });
    await rt.startContainer(id);
    return id;
  };
  // Entrypoint httpd -f -p + args: a server; command replaces the entrypoint (and cmd).
  const server = await mk('server', [], ['8081']);
  const shell = await mk('shell', ['sh', '-c', 'echo "$GREETING $MINE $(pwd) $(hostname)"; echo oops >&2; exit 7'], []);
  const s = await exited(rt, shell);
  assert.equal(s.exitCode, 7);
  assert.equal(s.reason, 'Error');
  const hostname = (await rt.podSandboxStatus(sb))!.name;
  // stdout and stderr are two pipes: their relative order in the log is not defined.
  assert.deepEqual((await logs(rt, shell)).sort(), ['stderr: oops', `stdout: from-image yes /www ${hostname}`]);
  assert.equal((await rt.containerStatus(server))?.state, 'running');
  const ps = await rt.execSync(server, ['sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "'], 5);
  assert.equal(ps.stdout, 'httpd -f -p 8081 ');
  const notFound = await rt.execSync(server, ['no-such-program'], 5);
  assert.equal(notFound.exitCode, 127);
  assert.match(notFound.stderr, /executable file (`no-such-program` )?not found/);
  // A command that does not exist: a start error with runc's words, as kubectl shows it.
  const bad = await rt.createContainer(sb, { name: 'bad', attempt: 0, image: state.image!, command: ['/nope'], args: [], env: [] });
  await assert.rejects(rt.startContainer(bad), /OCI runtime create failed: .*(exec: "\/nope": stat \/nope: no such file or directory|executable file (`\/nope` )?not found)/);
  const badStatus = await rt.containerStatus(bad);
  assert.equal(badStatus?.reason, 'StartError');
  assert.equal(badStatus?.exitCode, 128);
  assert.deepEqual(await logs(rt, bad), []);
});

withRuntime('pods have their own IP: the node and other pods reach it; containers of a pod share localhost', async (rt) => {
  const a = await rt.runPodSandbox(sandboxConfig());
  const b = await rt.runPodSandbox(sandboxConfig());
  const ipA = (await rt.podSandboxStatus(a))!.ip!;
  const server = await rt.createContainer(a, { name: 'web', attempt: 0, image: state.httpImage!, command: [], args: [], env: [] });
  await rt.startContainer(server);
  // A sidecar in the same pod reaches it on localhost; a container of pod b by pod IP.
  const sidecar = await rt.createContainer(a, { name: 'side', attempt: 0, image: state.image!, command: ['sh', '-c', 'for i in $(seq 50); do wget -qO- http://127.0.0.1:8080/index.html && exit 0; sleep 0.1; done; exit 1'], args: [], env: [] });
  await rt.startContainer(sidecar);
  assert.equal((await exited(rt, sidecar)).exitCode, 0);
  assert.deepEqual(await logs(rt, sidecar), ['stdout: hello from the image']);
  const other = await rt.createContainer(b, { name: 'client', attempt: 0, image: state.image!, command: ['wget', '-qO-', `http://${ipA}:8080/index.html`], args: [], env: [] });
  await rt.startContainer(other);
  assert.equal((await exited(rt, other)).exitCode, 0);
  assert.deepEqual(await logs(rt, other), ['stdout: hello from the image']);
  // The node reaches the pod IP.
  const res = await fetch(`http://${ipA}:8080/index.html`);
  assert.equal(await res.text(), 'hello from the image\n');
  // /etc/hosts maps the hostname to the pod IP.
  const hosts = await rt.execSync(server, ['cat', '/etc/hosts'], 5);
  assert.match(hosts.stdout, new RegExp(`^${ipA.replace(/\./g, '\\.')}\\t${(await rt.podSandboxStatus(a))!.name}$`, 'm'));
  assert.ok(existsSync(`/sys/class/net/${vethName(a)}`));
  await rt.stopPodSandbox(a);
  assert.equal(existsSync(`/sys/class/net/${vethName(a)}`), false, 'stopping the sandbox takes its network down');
});

withRuntime('a memory limit: exceeding it is OOMKilled with exit 137; CPU quota from the limit', async (rt) => {
  const sb = await rt.runPodSandbox(sandboxConfig());
  const hog = await rt.createContainer(sb, {
    name: 'hog',
    attempt: 0,
    image: state.image!,
    command: ['sh', '-c', 'tail /dev/zero'],
    args: [],
    env: [],
    resources: { memoryLimitBytes: 32 * 1024 * 1024 },
  } as Parameters<RuncRuntime['createContainer']>[1]);
  await rt.startContainer(hog);
  const s = await exited(rt, hog, 30_000);
  assert.equal(s.exitCode, 137);
  assert.equal(s.reason, 'OOMKilled');
  const cpu = await rt.createContainer(sb, { name: 'cpu', attempt: 0, image: state.image!, command: ['sleep', '30'], args: [], env: [], resources: { cpuLimitMillicores: 250, cpuRequestMillicores: 100 } } as Parameters<RuncRuntime['createContainer']>[1]);
  await rt.startContainer(cpu);
  const cg = existsSync('/sys/fs/cgroup/cgroup.controllers') ? undefined : join('/sys/fs/cgroup/cpu', CG, sb.slice(0, 16), cpu.slice(0, 16));
  if (cg) {
    assert.equal(readFileSync(join(cg, 'cpu.cfs_quota_us'), 'utf8').trim(), '25000');
    assert.equal(readFileSync(join(cg, 'cpu.shares'), 'utf8').trim(), '102');
  }
  // An ordinary SIGKILL is not an OOM kill.
  await rt.stopContainer(cpu, 0);
  const k = await rt.containerStatus(cpu);
  assert.equal(k?.exitCode, 137);
  assert.equal(k?.reason, 'Error');
});

withRuntime('an agent restart: running containers are re-adopted, exits while away keep their codes and logs', async (rt, dir, runcPath) => {
  const sb = await rt.runPodSandbox(sandboxConfig());
  const long = await rt.createContainer(sb, { name: 'long', attempt: 0, image: state.image!, command: ['sh', '-c', 'echo started; sleep 3600'], args: [], env: [] });
  await rt.startContainer(long);
  const short = await rt.createContainer(sb, { name: 'short', attempt: 0, image: state.image!, command: ['sh', '-c', 'sleep 0.5; echo bye; exit 3'], args: [], env: [] });
  await rt.startContainer(short);
  await rt.close();
  // The "agent" is away while `short` ends.
  await new Promise((r) => setTimeout(r, 1000));
  const rt2 = newRuntime(dir, runcPath);
  rt2.updateRuntimeConfig({ podCIDR: '10.244.66.0/24' });
  try {
    const ls = await rt2.listContainers({ sandboxId: sb });
    assert.deepEqual(ls.map((c) => [c.name, c.state]).sort(), [['long', 'running'], ['short', 'exited']]);
    const s = await rt2.containerStatus(short);
    assert.equal(s?.exitCode, 3);
    assert.deepEqual(await logs(rt2, short), ['stdout: bye']);
    // The IP stays reserved for the adopted sandbox.
    const other = await rt2.runPodSandbox(sandboxConfig());
    assert.notEqual((await rt2.podSandboxStatus(other))?.ip, (await rt2.podSandboxStatus(sb))?.ip);
    assert.equal((await rt2.execSync(long, ['echo', 'still here'], 5)).stdout, 'still here\n');
    const stopping = rt2.stopContainer(long, 1);
    await stopping;
    assert.equal((await rt2.containerStatus(long))?.exitCode, 137);
  } finally {
    for (const x of await rt2.listPodSandboxes()) await rt2.removePodSandbox(x.id);
    await rt2.close();
  }
});

withRuntime('attach: input reaches a container created with stdin, its output comes back', async (rt) => {
  const sb = await rt.runPodSandbox(sandboxConfig());
  const id = await rt.createContainer(sb, { name: 'cat', attempt: 0, image: state.image!, command: ['sh', '-c', 'while read l; do echo "got $l"; done'], args: [], env: [], stdin: true });
  await rt.startContainer(id);
  const s = await rt.attach(id, { stdin: true, tty: false });
  let out = '';
  s.stdout.on('data', (d) => (out += d));
  s.stdin!.write('hello\n');
  await until('the echo', async () => (out.includes('got hello\n') ? true : undefined));
  s.close();
  assert.deepEqual(await s.exit, { exitCode: 0 });
  assert.equal((await rt.containerStatus(id))?.state, 'running', 'detaching leaves the container running');
});
