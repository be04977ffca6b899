// What the process runtime does beyond the common runtime contract, with real processes (as
// root): the container's namespaces, hostname, env and working directory; volumes bind-mounted
// (read-only ones refuse writes) while the host's file system stays untouched; CRI log files
// (format, partial lines, rotation, follow across rotations); interactive exec on a terminal with
// resize; a restarted agent's runtime adopting running containers; a killed shim being noticed;
// and the unprivileged mode (no namespaces, process-group kill).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseCriLine } from '../../src/kubelet/runtime/process/cri-log.js';
import { ProcessRuntime, type ProcessRuntimeOptions } from '../../src/kubelet/runtime/process/process-runtime.js';
import type { ContainerConfig, ContainerStatus, StreamSession } from '../../src/kubelet/runtime/runtime.js';

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function setup(opts: Partial<ProcessRuntimeOptions> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-process-it-'));
  const rt = new ProcessRuntime({ dataDir: dir, ...opts });
  rt.updateRuntimeConfig({ podCIDR: '10.244.3.0/24', nodeIP: '192.168.50.10' });
  let n = 0;
  const sandbox = () => rt.runPodSandbox({ uid: `uid-${++n}`, name: `pod-${n}`, namespace: 'default', attempt: 0, labels: {}, annotations: {} });
  const start = async (sb: string, command: string[], extra: Partial<ContainerConfig> = {}) => {
    const id = await rt.createContainer(sb, { name: 'c', attempt: 0, image: 'busybox', command, args: [], env: [], ...extra });
    await rt.startContainer(id);
    return id;
  };
  const exited = (id: string) => until(`${id} exited`, async () => ((await rt.containerStatus(id))?.state === 'exited' ? ((await rt.containerStatus(id)) as ContainerStatus) : undefined));
  const logs = async (id: string, o = {}) => {
    const out: string[] = [];
    for await (const e of rt.readLogs(id, o)) out.push(e.line);
    return out;
  };
  const cleanup = async (r: ProcessRuntime = rt) => {
    for (const s of await r.listPodSandboxes()) await r.removePodSandbox(s.id);
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { dir, rt, sandbox, start, exited, logs, cleanup };
}

const collect = (s: NodeJS.ReadableStream) => {
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return () => text;
};

test('process runtime: PID 1 of its own namespaces, the pod hostname, env and working directory', async () => {
  const h = setup();
  try {
    const sb = await h.sandbox();
    const id = await h.start(sb, ['sh', '-c', 'echo "pid=$$ host=$(hostname) x=$X pwd=$(pwd) path=$PATH"; ls /proc | grep -c "^[0-9]"'], { env: [{ name: 'X', value: 'y z' }], workingDir: '/work-dir/sub' });
    const s = await h.exited(id);
    assert.equal(s.exitCode, 0);
    const [first, count] = await h.logs(id);
    assert.equal(first, 'pid=1 host=pod-1 x=y z pwd=/work-dir/sub path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
    assert.ok(Number(count) <= 4, `only the container's processes are visible (${count})`);
    assert.equal(existsSync('/work-dir'), false, 'the working directory was made in the container root, not on the host');
  } finally {
    await h.cleanup();
  }
});

test('process runtime: volumes are bind-mounted, read-only ones refuse writes, the host root is untouched', async () => {
  const h = setup();
  const vol = join(h.dir, 'vol');
  const ro = join(h.dir, 'ro');
  mkdirSync(vol);
  mkdirSync(ro);
  writeFileSync(join(ro, 'config'), 'value\n');
  try {
    const sb = await h.sandbox();
    const id = await h.start(sb, ['sh', '-c', 'echo data > /srv/k8ts-test-volume/file && cat /etc/cfg/config && echo x > /etc/cfg/other; echo rc=$?; touch /k8ts-root-write'], {
      mounts: [
        { hostPath: vol, containerPath: '/srv/k8ts-test-volume' },
        { hostPath: ro, containerPath: '/etc/cfg', readOnly: true },
      ],
    });
    await h.exited(id);
    const lines = await h.logs(id);
    assert.equal(lines[0], 'value');
    // dash fails a redirection with status 2; its complaint is on stderr (interleaving is not ordered).
    assert.deepEqual(lines.slice(1).sort(), ['rc=2', 'sh: 1: cannot create /etc/cfg/other: Read-only file system']);
    assert.equal(readFileSync(join(vol, 'file'), 'utf8'), 'data\n');
    assert.equal(existsSync(join(ro, 'other')), false);
    assert.equal(existsSync('/srv/k8ts-test-volume'), false);
    assert.equal(existsSync('/k8ts-root-write'), false, 'writes to / stay in the container overlay');
  } finally {
    await h.cleanup();
  }
});

test('process runtime: CRI log lines, partial lines joined, rotation kept in order, follow across rotations', async () => {
  const h = setup({ logMaxBytes: 4096, logMaxFiles: 3 });
  try {
    const sb = await h.sandbox();
    // 40 KB of output through 4 KB files, 1 KB every 20 ms: only the last 3 files stay, and a
    // follower that keeps up reads every line across the rotations.
    const id = await h.start(sb, ['sh', '-c', 'sleep 0.3; i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo "line $i ........................................................................................"; [ $((i % 10)) = 0 ] && sleep 0.02; done; head -c 20000 /dev/zero | tr "\\0" y; echo; echo err >&2']);
    const followed: string[] = [];
    for await (const e of h.rt.readLogs(id, { follow: true })) followed.push(e.stream === 'stderr' ? `stderr:${e.line}` : e.line.slice(0, 9));
    assert.equal(followed.length, 402);
    assert.equal(followed[0], 'line 1 ..');
    assert.equal(followed[399], 'line 400 ');
    assert.equal(followed[400], 'yyyyyyyyy'); // 20,000 bytes: two partial segments and the rest, one line again
    assert.equal(followed[401], 'stderr:err');
    const s = await h.exited(id);
    const files = readdirSync(join(s.logPath!, '..')).sort();
    assert.deepEqual(files, ['0.log', '0.log.1', '0.log.2']);
    const raw = readFileSync(s.logPath!, 'utf8').trim().split('\n');
    const parsed = parseCriLine(raw[raw.length - 1])!;
    assert.match(parsed.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    assert.deepEqual([parsed.stream, parsed.partial, parsed.content], ['stderr', false, 'err']);
    assert.ok(readFileSync(`${s.logPath}.1`, 'utf8').split('\n').some((l) => parseCriLine(l)?.partial), 'the long line was written in P segments');
    const tail = await h.logs(id, { tailLines: 2 });
    assert.equal(tail[0].length, 20000);
    assert.equal(tail[1], 'err');
  } finally {
    await h.cleanup();
  }
});

test('process runtime: exec on a terminal (prompt, resize, exit code) and with stdin piped', async () => {
  const h = setup();
  try {
    const sb = await h.sandbox();
    const id = await h.start(sb, ['sleep', '3600']);
    const tty: StreamSession = await h.rt.execStream!(id, ['sh'], { stdin: true, tty: true });
    const out = collect(tty.stdout);
    assert.equal(tty.stderr, undefined);
    tty.resize(100, 30);
    tty.stdin!.write('tty\n');
    // The resize travels apart from stdin: ask again until the shell sees the new size.
    let asked = 0;
    await until('stty output', () => {
      if (/30 100/.test(out())) return true;
      if (Date.now() - asked > 500) {
        asked = Date.now();
        tty.stdin!.write('stty size\n');
      }
      return undefined;
    });
    assert.match(out(), /\/dev\/pts\/\d+/);
    tty.stdin!.write('exit 7\n');
    assert.equal((await tty.exit).exitCode, 7);
    const cat = await h.rt.execStream!(id, ['cat'], { stdin: true, tty: false });
    const got = collect(cat.stdout);
    cat.stdin!.end('piped\n');
    assert.equal((await cat.exit).exitCode, 0);
    assert.equal(got(), 'piped\n');
    // exec sees the container, not the host: PID 1 is its sleep.
    const r = await h.rt.execSync(id, ['cat', '/proc/1/cmdline'], 5);
    assert.equal(r.stdout.split('\0')[0], 'sleep');
    const slow = await h.rt.execSync(id, ['sleep', '10'], 1);
    assert.equal(slow.timedOut, true);
  } finally {
    await h.cleanup();
  }
});

test('process runtime: a new runtime over the same data dir adopts running containers and their exits', async () => {
  const h = setup();
  let second: ProcessRuntime | undefined;
  try {
    const sb = await h.sandbox();
    const id = await h.start(sb, ['sh', '-c', "trap 'echo term; exit 3' TERM; echo up; while true; do sleep 0.1; done"]);
    await until('first line', async () => (await h.logs(id)).length === 1 || undefined);
    await h.rt.close(); // the agent goes away; its container does not
    second = new ProcessRuntime({ dataDir: h.dir, adoptedPollMs: 50 });
    second.updateRuntimeConfig({ podCIDR: '10.244.3.0/24' });
    const s = await second.containerStatus(id);
    assert.equal(s?.state, 'running');
    assert.equal((await second.listPodSandboxes())[0].id, sb);
    assert.equal((await second.execSync(id, ['hostname'], 5)).stdout, 'pod-1\n');
    const exits: string[] = [];
    second.subscribe((e) => exits.push(e.containerId));
    await second.stopContainer(id, 10);
    const done = await second.containerStatus(id);
    assert.deepEqual([done?.state, done?.exitCode, done?.reason], ['exited', 3, 'Error']);
    assert.deepEqual(exits, [id]);
    const lines: string[] = [];
    for await (const e of second.readLogs(id)) lines.push(e.line);
    assert.deepEqual(lines, ['up', 'term']);
    // A third runtime sees the recorded exit.
    const third = new ProcessRuntime({ dataDir: h.dir });
    assert.equal((await third.containerStatus(id))?.exitCode, 3);
    await third.close();
  } finally {
    await h.cleanup(second ?? h.rt);
  }
});

test('process runtime: a killed shim is noticed; its container ends with it', async () => {
  const h = setup();
  try {
    const sb = await h.sandbox();
    const id = await h.start(sb, ['sleep', '3600']);
    const rec = JSON.parse(readFileSync(join(h.dir, 'containers', id, 'container.json'), 'utf8'));
    const ns = readlinkSync(`/proc/${rec.pid}/ns/pid`);
    process.kill(rec.shimPid, 'SIGKILL');
    const s = await h.exited(id);
    assert.equal(s.exitCode, 137);
    assert.match(s.message ?? '', /k8ts-shim\) exited without recording/);
    await until('the container process gone', () => {
      try {
        return readlinkSync(`/proc/${rec.pid}/ns/pid`) !== ns || undefined;
      } catch {
        return true;
      }
    });
  } finally {
    await h.cleanup();
  }
});

test('process runtime without namespaces: a process group, SIGTERM to all of it, no mounts', async () => {
  const h = setup({ namespaces: false });
  try {
    const sb = await h.sandbox();
    const id = await h.start(sb, ['sh', '-c', 'sleep 3600 & echo child=$!; wait']);
    const [line] = await until('child pid', async () => ((await h.logs(id)).length ? await h.logs(id) : undefined));
    const child = Number(line.split('=')[1]);
    assert.ok(existsSync(`/proc/${child}`));
    await h.rt.stopContainer(id, 10);
    const s = await h.rt.containerStatus(id);
    assert.equal(s?.exitCode, 143); // the shell died of SIGTERM: the group got it, not only PID 1
    await until('the background child gone', () => !existsSync(`/proc/${child}`) || undefined);
  } finally {
    await h.cleanup();
  }
});
