// Real kubectl against `k8ts up --runtime process` (as root: namespaces, overlay root, bind
// mounts): kubectl logs (-f, --previous, --tail, --timestamps, errors), exec (stdin, exit codes,
// -it on a pseudo-terminal through `script`), a PVC file that survives `kill 1` and a pod
// deletion, and a `k8ts agent` that is killed and restarted: it adopts the containers of pods
// that still exist and ends those of pods deleted meanwhile. After each pod is gone, no process
// of it is left (checked in /proc by the container's PID namespace).

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { WebSocket } from 'ws';
import { eventually, K8TS_BIN, KUBECTL, kubectlVersion, ok, startCluster, tempDir, type Cluster } from './harness.js';

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));

function pod(name: string, command: string, extra: { volumes?: object[]; volumeMounts?: object[]; env?: object[]; restartPolicy?: string; nodeName?: string } = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 3,
      ...(extra.restartPolicy ? { restartPolicy: extra.restartPolicy } : {}),
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', command], env: extra.env, volumeMounts: extra.volumeMounts }],
      volumes: extra.volumes,
    },
  });
}

/** A shell that ends on SIGTERM (PID 1 gets SIGTERM only with a handler) and prints a tick every 0.2 s. */
const TICKER = `trap 'echo stopping; exit 0' TERM; echo "started on $(hostname) as $MY_NAME in $MY_NS"; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done`;

/** The PID namespace (`pid:[N]`) of each running container of a pod, from the runtime's state. */
function containerNamespaces(dataDir: string, podUid: string): string[] {
  const root = join(dataDir, 'process-runtime');
  const out: string[] = [];
  for (const id of readdirSync(join(root, 'containers'))) {
    try {
      const rec = JSON.parse(readFileSync(join(root, 'containers', id, 'container.json'), 'utf8'));
      const sb = JSON.parse(readFileSync(join(root, 'sandboxes', `${rec.sandboxId}.json`), 'utf8'));
      if (sb.config.uid === podUid && rec.pid) out.push(readlinkSync(`/proc/${rec.pid}/ns/pid`));
    } catch {
      /* exited or removed meanwhile */
    }
  }
  return out;
}

/** Host processes living in any of the PID namespaces. */
function processesIn(namespaces: string[]): number[] {
  const found: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      if (namespaces.includes(readlinkSync(`/proc/${p}/ns/pid`))) found.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Shim processes running from a data dir (their command line names it). */
function shimsOf(dataDir: string): number[] {
  const found: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes(dataDir) && cmd.includes('k8ts-shim')) found.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** A shell command serving /tmp/www (index.html and a 1 MB file `big`) over HTTP on the host's loopback. */
function webCommand(port: number): string {
  const serve = existsSync('/bin/busybox') ? `exec /bin/busybox httpd -f -p 127.0.0.1:${port} -h /tmp/www` : `cd /tmp/www && exec python3 -m http.server ${port} --bind 127.0.0.1`;
  return `mkdir -p /tmp/www && echo hello-from-web > /tmp/www/index.html && head -c 1000000 /dev/urandom > /tmp/www/big && ${serve}`;
}

function webPod(name: string, port: number): string {
  return pod(name, webCommand(port));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });
}

/** A GET on a fresh connection. */
function httpGet(port: number, path: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 20_000 }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Runs kubectl under `script` so it has a terminal (exec -it), feeding it `input`. */
function kubectlOnTerminal(c: Cluster, args: string, input: string, binary = KUBECTL): Promise<{ code: number | null; out: string }> {
  const cache = tempDir('k8ts-kubectl-cache-');
  const cmd = `${binary} --kubeconfig ${c.kubeconfig} --cache-dir ${cache} ${args}`;
  return new Promise((resolve) => {
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.stdin.end(input);
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    p.on('close', (code) => {
      clearTimeout(t);
      rmSync(cache, { recursive: true, force: true });
      resolve({ code, out });
    });
  });
}

describe('kubectl with the process runtime', () => {
  let c: Cluster;
  let nodeDir: string;
  before(async () => {
    c = await startCluster({ args: ['--runtime', 'process'] });
    nodeDir = join(c.dataDir, 'nodes', 'k8ts-node-1');
    await eventually(() => / Ready /.test(ok(c.kubectl(['get', 'nodes', '--no-headers']))), 'a Ready node');
    ok(c.kubectl(['apply', '-f', '-'], {
      input: pod('ticker', TICKER, {
        env: [
          { name: 'MY_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'MY_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        ],
      }),
    }));
    await eventually(() => json(c, ['get', 'pod', 'ticker']).status.phase === 'Running', 'ticker Running');
  });
  after(async () => {
    if (!c) return;
    c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
    for (const pid of shimsOf(c.dataDir)) process.kill(pid, 'SIGKILL');
    await c.destroy();
  });

  test('logs of a running container: whole, --tail, --timestamps, -f sees new lines', async () => {
    const all = await eventually(() => {
      const out = ok(c.kubectl(['logs', 'ticker']));
      return /tick 3\n/.test(out) ? out : undefined;
    }, 'three ticks');
    assert.match(String(all), /^started on ticker as ticker in default\n/);
    const tail = ok(c.kubectl(['logs', 'ticker', '--tail', '1']));
    assert.match(tail, /^tick \d+\n$/);
    const ts = ok(c.kubectl(['logs', 'ticker', '--tail', '2', '--timestamps']));
    assert.match(ts, /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z tick \d+\n){2}$/);
    // -f: lines printed after it started arrive while it runs.
    const last = Number(/tick (\d+)\n$/.exec(ok(c.kubectl(['logs', 'ticker', '--tail', '1'])))![1]);
    const follow = c.kubectlStream(['logs', '-f', 'ticker', '--tail', '1']);
    try {
      await eventually(() => new RegExp(`tick ${last + 5}\\n`).test(follow.output()), `tick ${last + 5} through -f`, 20_000);
    } finally {
      await follow.stop();
    }
  });

  test('log errors are the kubelet\'s: unknown container, container waiting to start', async () => {
    const bad = c.kubectl(['logs', 'ticker', '-c', 'nope']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /container nope is not valid for pod ticker/);
    // No command: the process runtime cannot run an image's entrypoint.
    ok(c.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'no-command' }, spec: { containers: [{ name: 'main', image: 'nginx:1.16' }] } }) }));
    const waiting = await eventually(() => json(c, ['get', 'pod', 'no-command']).status.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerError' && json(c, ['get', 'pod', 'no-command']).status.containerStatuses[0].state.waiting, 'CreateContainerError');
    assert.equal(waiting.message, 'the process runtime needs a command; image entrypoints need the runc runtime');
    const r = c.kubectl(['logs', 'no-command']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim(), 'Error from server (BadRequest): container "main" in pod "no-command" is waiting to start: CreateContainerError');
    ok(c.kubectl(['delete', 'pod', 'no-command', '--grace-period=0']));
  });

  test('exec: stdin piped, exit codes, the container\'s hostname and PID namespace', async () => {
    const cat = c.kubectl(['exec', '-i', 'ticker', '--', 'cat'], { input: 'hi\nthere\n' });
    assert.equal(ok(cat), 'hi\nthere\n');
    const three = c.kubectl(['exec', 'ticker', '--', 'sh', '-c', 'exit 3']);
    assert.equal(three.code, 3);
    assert.match(three.stderr, /command terminated with exit code 3/);
    assert.equal(ok(c.kubectl(['exec', 'ticker', '--', 'hostname'])), 'ticker\n');
    // PID 1 of the container is its shell; exec'd commands live in the same namespace.
    assert.equal(ok(c.kubectl(['exec', 'ticker', '--', 'cat', '/proc/1/cmdline'])).split('\0')[0], 'sh');
    const missing = c.kubectl(['exec', 'ticker', '--', 'no-such-program']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /exec: "no-such-program": executable file not found in \$PATH/);
  });

  test('exec -it runs an interactive shell on a pseudo-terminal', async () => {
    const r = await kubectlOnTerminal(c, 'exec -it ticker -- sh', 'echo answer=$((6*7))\ntty\nexit 5\n');
    assert.equal(r.code, 5, r.out);
    assert.match(r.out, /answer=42/);
    assert.match(r.out, /\/dev\/pts\/\d+/);
    assert.match(r.out, /# /); // the shell's prompt: it saw a terminal
  });

  test('kubectl attach streams the container\'s output (WebSocket, and SPDY for kubectl 1.27)', async () => {
    for (const binary of [KUBECTL, kubectlVersion(27)]) {
      const attach = c.kubectlStream(['attach', 'ticker'], { binary });
      try {
        await eventually(() => (attach.output().match(/tick (\d+)/g) ?? []).length >= 3, `ticks through attach (${binary})`, 20_000);
      } finally {
        await attach.stop();
      }
    }
  });

  for (const minor of [27, 29]) {
    const binary = kubectlVersion(minor);
    test(`kubectl 1.${minor} (SPDY/3.1): exec with stdin and exit codes, exec -it on a terminal, cp both ways`, async () => {
      assert.equal(ok(c.kubectl(['exec', '-i', 'ticker', '--', 'cat'], { binary, input: 'hi\nthere\n' })), 'hi\nthere\n');
      const both = c.kubectl(['exec', 'ticker', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], { binary });
      assert.equal(both.code, 3);
      assert.equal(both.stdout, 'out\n');
      assert.match(both.stderr, /^err\n(.|\n)*command terminated with exit code 3/);
      assert.equal(ok(c.kubectl(['exec', 'ticker', '--', 'hostname'], { binary })), 'ticker\n');
      const r = await kubectlOnTerminal(c, 'exec -it ticker -- sh', 'echo answer=$((6*7))\ntty\nexit 5\n', binary);
      assert.equal(r.code, 5, r.out);
      assert.match(r.out, /answer=42/);
      assert.match(r.out, /\/dev\/pts\/\d+/);
      // cp: tar through exec, more than the 64 KiB SPDY window each way.
      const dir = tempDir('k8ts-cp-');
      try {
        const data = randomBytes(600 * 1024);
        writeFileSync(join(dir, 'up.bin'), data);
        ok(c.kubectl(['cp', join(dir, 'up.bin'), `ticker:/tmp/cp-${minor}.bin`], { binary, timeoutMs: 60_000 }));
        const sum = ok(c.kubectl(['exec', 'ticker', '--', 'md5sum', `/tmp/cp-${minor}.bin`], { binary })).split(' ')[0];
        assert.equal(sum, createHash('md5').update(data).digest('hex'));
        ok(c.kubectl(['cp', `ticker:/tmp/cp-${minor}.bin`, join(dir, 'down.bin')], { binary, timeoutMs: 60_000 }));
        assert.ok(readFileSync(join(dir, 'down.bin')).equals(data));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('port-forward (SPDY for 1.27 and 1.30, SPDY in WebSocket for 1.31+): several connections, a refused port, a deployment', async () => {
    const [port, closedPort, depPort] = await Promise.all([freePort(), freePort(), freePort()]);
    ok(c.kubectl(['apply', '-f', '-'], { input: webPod('web', port) }));
    ok(c.kubectl(['create', 'deployment', 'webdep', '--image=busybox:1.36', '--', 'sh', '-c', webCommand(depPort)]));
    await eventually(() => json(c, ['get', 'pod', 'web']).status.phase === 'Running', 'web Running');
    const bigSum = await eventually(() => {
      const r = c.kubectl(['exec', 'web', '--', 'md5sum', '/tmp/www/big']);
      return r.code === 0 ? r.stdout.split(' ')[0] : undefined;
    }, 'the web pod wrote its files');
    for (const [binary, transport] of [
      [kubectlVersion(27), 'POST'],
      [kubectlVersion(30), 'POST'],
      [kubectlVersion(31), 'GET'],
      [KUBECTL, 'GET'],
    ]) {
      const pf = c.kubectlStream(['port-forward', 'pod/web', `:${port}`, '-v=6'], { binary });
      try {
        const local = await eventually<number>(() => Number(/Forwarding from 127\.0\.0\.1:(\d+) -> /.exec(pf.output())?.[1]) || (undefined as unknown as number), `port-forward listening (${binary})`);
        const bodies = await Promise.all([1, 2, 3, 4].map(() => httpGet(local, '/')));
        for (const b of bodies) assert.deepEqual([b.status, b.body.toString()], [200, 'hello-from-web\n']);
        const big = await httpGet(local, '/big');
        assert.equal(big.body.length, 1_000_000);
        assert.equal(createHash('md5').update(big.body).digest('hex'), bigSum);
        assert.match(pf.output(), /Handling connection for \d+/);
        // 1.31+ tunnel SPDY in a WebSocket (GET), older ones upgrade a POST to SPDY/3.1: no fallback taken.
        assert.match(pf.output(), new RegExp(`${transport} https://\\S+/pods/web/portforward 101 Switching Protocols`));
        assert.doesNotMatch(pf.output(), /fallback/i);
      } finally {
        await pf.stop();
      }
      // Nothing listens there: the kubelet's dial error reaches kubectl on the error stream.
      const refused = c.kubectlStream(['port-forward', 'pod/web', `:${closedPort}`], { binary });
      try {
        const local = await eventually<number>(() => Number(/Forwarding from 127\.0\.0\.1:(\d+) -> /.exec(refused.output())?.[1]) || (undefined as unknown as number), `port-forward listening (${binary})`);
        await httpGet(local, '/').catch(() => undefined);
        await eventually(
          () => new RegExp(`an error occurred forwarding ${local} -> ${closedPort}: error forwarding port ${closedPort} to pod [0-9a-f]+, uid : failed to execute portforward in network namespace \\\\?"host\\\\?": dial tcp4 127\\.0\\.0\\.1:${closedPort}: connect: connection refused`).test(refused.output()),
          `the refusal printed by ${binary}`,
        );
      } finally {
        await refused.stop();
      }
    }
    // kubectl resolves a deployment to one of its pods itself.
    await eventually(() => c.kubectl(['rollout', 'status', 'deployment/webdep', '--timeout=5s']).code === 0, 'webdep available');
    const dep = c.kubectlStream(['port-forward', 'deployment/webdep', `:${depPort}`]);
    try {
      const local = await eventually<number>(() => Number(/Forwarding from 127\.0\.0\.1:(\d+) -> /.exec(dep.output())?.[1]) || (undefined as unknown as number), 'port-forward to the deployment');
      const b = await eventually(() => httpGet(local, '/').catch(() => undefined), 'a page through the deployment');
      assert.equal(b!.body.toString(), 'hello-from-web\n');
    } finally {
      await dep.stop();
    }
    ok(c.kubectl(['delete', 'deployment', 'webdep']));
    ok(c.kubectl(['delete', 'pod', 'web', '--grace-period=1']));
  });

  test('exec over v4.channel.k8s.io (other WebSocket clients): channels and the exit Status', async () => {
    const kc = readFileSync(c.kubeconfig, 'utf8');
    const token = /token: (\S+)/.exec(kc)![1];
    const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt'));
    const url = `${c.server.replace('https', 'wss')}/api/v1/namespaces/default/pods/ticker/exec?command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B%20exit%202&stdout=true&stderr=true`;
    const frames = await new Promise<{ protocol: string; byChannel: Record<number, string> }>((resolve, reject) => {
      const ws = new WebSocket(url, ['v4.channel.k8s.io'], { ca, headers: { Authorization: `Bearer ${token}` } });
      const byChannel: Record<number, string> = {};
      ws.on('message', (d: Buffer) => (byChannel[d[0]] = (byChannel[d[0]] ?? '') + d.subarray(1).toString()));
      ws.on('close', () => resolve({ protocol: ws.protocol, byChannel }));
      ws.on('error', reject);
    });
    assert.equal(frames.protocol, 'v4.channel.k8s.io');
    assert.equal(frames.byChannel[1], 'out\n');
    assert.equal(frames.byChannel[2], 'err\n');
    const st = JSON.parse(frames.byChannel[3]);
    assert.deepEqual([st.status, st.reason, st.details.causes], ['Failure', 'NonZeroExitCode', [{ reason: 'ExitCode', message: '2' }]]);
  });

  test('a file on a PVC survives kill 1 (logs --previous shows the first run) and a pod deletion; nothing is left running', async () => {
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
    ok(c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(claim) }));
    const withClaim = () =>
      pod('stateful', `trap 'exit 0' TERM; echo "run saw: $(cat /data/note 2>/dev/null || echo nothing)"; while true; do sleep 0.2; done`, {
        volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      });
    ok(c.kubectl(['apply', '-f', '-'], { input: withClaim() }));
    await eventually(() => json(c, ['get', 'pod', 'stateful']).status.phase === 'Running', 'stateful Running');
    ok(c.kubectl(['exec', 'stateful', '--', 'sh', '-c', 'echo kept > /data/note']));
    ok(c.kubectl(['exec', 'stateful', '--', 'sh', '-c', 'kill 1']));
    const restarted = await eventually(() => {
      const p = json(c, ['get', 'pod', 'stateful']);
      const cs = p.status.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state.running && p;
    }, 'a restart after kill 1');
    assert.equal(restarted.status.containerStatuses[0].lastState.terminated.exitCode, 0);
    assert.equal(restarted.status.containerStatuses[0].lastState.terminated.reason, 'Completed');
    assert.equal(ok(c.kubectl(['logs', 'stateful', '--previous'])), 'run saw: nothing\n');
    await eventually(() => ok(c.kubectl(['logs', 'stateful'])) === 'run saw: kept\n', 'the second run sees the file');

    const namespaces = containerNamespaces(nodeDir, restarted.metadata.uid);
    assert.equal(namespaces.length, 1);
    assert.ok(processesIn(namespaces).length > 0, 'the container runs in its PID namespace');
    ok(c.kubectl(['delete', 'pod', 'stateful']));
    // The agent removes the pod from the API once its containers exited; the kernel ends the rest
    // of a PID namespace with its PID 1.
    await eventually(() => processesIn(namespaces).length === 0, 'no process of the deleted pod left', 5000);

    ok(c.kubectl(['apply', '-f', '-'], { input: withClaim() }));
    await eventually(() => ok(c.kubectl(['logs', 'stateful'])) === 'run saw: kept\n', 'a new pod on the same claim sees the file');
    ok(c.kubectl(['delete', 'pod', 'stateful']));
  });

  test('emptyDir medium Memory: a tmpfs of the sizeLimit in the container, unmounted with the pod', { skip: process.getuid?.() !== 0 && 'mounting a tmpfs needs root' }, async () => {
    ok(c.kubectl(['apply', '-f', '-'], {
      input: pod('ram', `trap 'exit 0' TERM; while true; do sleep 0.2; done`, {
        volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
        volumeMounts: [{ name: 'cache', mountPath: '/cache' }],
      }),
    }));
    const p = await eventually(() => {
      const q = json(c, ['get', 'pod', 'ram']);
      return q.status.phase === 'Running' && q;
    }, 'ram Running');
    const mounted = ok(c.kubectl(['exec', 'ram', '--', 'sh', '-c', 'grep " /cache " /proc/mounts']));
    assert.match(mounted, /^tmpfs \/cache tmpfs rw.*size=1024k/m);
    const full = c.kubectl(['exec', 'ram', '--', 'sh', '-c', 'dd if=/dev/zero of=/cache/big bs=1024 count=2048']);
    assert.notEqual(full.code, 0, 'writing 2 MiB into a 1 MiB tmpfs fails');
    assert.match(full.stderr, /No space left on device/);
    const hostDir = join(nodeDir, 'pods', p.metadata.uid, 'volumes', 'kubernetes.io~empty-dir', 'cache');
    const mountedOnHost = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === hostDir);
    assert.ok(mountedOnHost(), `a tmpfs at ${hostDir}`);
    ok(c.kubectl(['delete', 'pod', 'ram', '--grace-period=1']));
    await eventually(() => !mountedOnHost() && !existsSync(hostDir), 'the tmpfs unmounted and its directory gone');
  });
});

describe('k8ts agent with the process runtime, killed and restarted', () => {
  let c: Cluster;
  let agentDir: string;
  let agent: ChildProcess | undefined;
  const startAgent = () => {
    const p = spawn(process.execPath, [K8TS_BIN, 'agent', '--kubeconfig', c.kubeconfig, '--name', 'agent-node', '--runtime', 'process', '--data-dir', agentDir, '--kubelet-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stdout!.resume();
    p.stderr!.resume();
    return p;
  };
  before(async () => {
    c = await startCluster({ args: ['--nodes', '0'] });
    agentDir = tempDir('k8ts-agent-');
    agent = startAgent();
    await eventually(() => / Ready /.test(ok(c.kubectl(['get', 'node', 'agent-node', '--no-headers']))), 'the agent node Ready');
  });
  after(async () => {
    if (!c) return;
    c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
    agent?.kill('SIGTERM');
    for (const pid of shimsOf(agentDir)) process.kill(pid, 'SIGKILL');
    await c.destroy();
    rmSync(agentDir, { recursive: true, force: true });
  });

  test('survivors are adopted (same container, no restart), containers of pods deleted meanwhile are ended', async () => {
    for (const name of ['survivor', 'victim']) ok(c.kubectl(['apply', '-f', '-'], { input: pod(name, TICKER, { nodeName: 'agent-node' }) }));
    await eventually(() => ['survivor', 'victim'].every((n) => json(c, ['get', 'pod', n]).status.phase === 'Running'), 'both Running');
    const before = json(c, ['get', 'pod', 'survivor']).status.containerStatuses[0];
    const victimUid = json(c, ['get', 'pod', 'victim']).metadata.uid;
    const victimNs = containerNamespaces(agentDir, victimUid);
    assert.equal(victimNs.length, 1);
    // Logs and exec reach the agent's own kubelet API.
    assert.match(ok(c.kubectl(['logs', 'survivor', '--tail', '1'])), /^tick \d+\n$/);
    assert.equal(ok(c.kubectl(['exec', 'survivor', '--', 'hostname'])), 'survivor\n');

    agent!.kill('SIGKILL');
    await new Promise((r) => agent!.once('exit', r));
    assert.ok(processesIn(victimNs).length > 0, 'containers outlive a killed agent');
    ok(c.kubectl(['delete', 'pod', 'victim', '--force', '--grace-period=0']));

    agent = startAgent();
    await eventually(() => processesIn(victimNs).length === 0, 'the deleted pod\'s processes ended by the restarted agent');
    const ticks = (s: string) => Number(/tick (\d+)\n$/.exec(s)?.[1] ?? 0);
    const n = await eventually(() => ticks(c.kubectl(['logs', 'survivor', '--tail', '1']).stdout), 'logs through the restarted agent');
    await eventually(() => ticks(ok(c.kubectl(['logs', 'survivor', '--tail', '1']))) > n, 'the survivor kept running');
    const after = json(c, ['get', 'pod', 'survivor']).status.containerStatuses[0];
    assert.equal(after.containerID, before.containerID);
    assert.equal(after.restartCount, 0);
    assert.ok(after.state.running);
    assert.equal(ok(c.kubectl(['exec', 'survivor', '--', 'hostname'])), 'survivor\n');
    // The first log line is still the first run's: the container was adopted, not restarted.
    assert.match(ok(c.kubectl(['logs', 'survivor'])), /^started on survivor/);
  });
});
