// Real kubectl against `k8ts up` with the default sim runtime: a pod with
// `runtimeClassName: process` runs as a real host process next to a sim pod (the process runtime
// starts with that first pod), the node hands out distinct pod IPs across its runtimes, a
// runtime that cannot start (runc at a --runc-path that does not exist) fails only its pod with
// FailedCreatePodSandBox, and a restarted `k8ts up` re-adopts the process container.
// Needs root (the process runtime's namespaces) and a C compiler; skipped otherwise.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { eventually, K8TS_BIN, ok, startCluster, tempDir, type Cluster } from './harness.js';

function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (the process runtime runs containers in their own namespaces)';
  try {
    execFileSync('cc', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no C compiler (cc) to build k8ts-shim';
  }
  return undefined;
}

const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));

function pod(name: string, command: string, runtimeClassName?: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 2, ...(runtimeClassName ? { runtimeClassName } : {}), containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', command] }] },
  });
}

describe('spec.runtimeClassName on a sim node', { skip: missing() }, () => {
  let c: Cluster;
  let dataDir: string;
  const args = ['--runc-path', '/nonexistent/k8ts-test/runc'];

  before(async () => {
    dataDir = tempDir('k8ts-rtclass-e2e-');
    c = await startCluster({ dataDir, args });
    await eventually(() => / Ready /.test(ok(c.kubectl(['get', 'nodes', '--no-headers']))), 'a Ready node');
  });

  after(async () => {
    if (c) c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
    await c?.destroy();
  });

  const running = (name: string) =>
    eventually(() => {
      const p = json(c, ['get', 'pod', name]);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    }, `pod ${name} to run`, 60_000);

  test('a process-class pod runs as a host process next to a sim pod; distinct pod IPs', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: pod('sim-pod', 'sleep 3600') }));
    ok(c.kubectl(['apply', '-f', '-'], { input: pod('proc-pod', 'echo hello; sleep 3600', 'process') }));
    const sim = await running('sim-pod');
    const proc = await running('proc-pod');
    assert.match(sim.status.containerStatuses[0].containerID, /^sim:\/\//);
    assert.match(proc.status.containerStatuses[0].containerID, /^process:\/\/[a-f0-9]{64}$/);
    await eventually(() => c.kubectl(['logs', 'proc-pod']).stdout === 'hello\n', 'hello in the logs of the process-class pod');
    assert.equal(ok(c.kubectl(['exec', 'proc-pod', '--', 'hostname'])), 'proc-pod\n');
    assert.match(sim.status.podIP, /^10\.244\.1\.\d+$/);
    assert.match(proc.status.podIP, /^10\.244\.1\.\d+$/);
    assert.notEqual(sim.status.podIP, proc.status.podIP);
    // The node still reports its default runtime.
    const node = json(c, ['get', 'node', 'k8ts-node-1']);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^sim:\/\//);
    assert.match(ok(c.kubectl(['describe', 'node', 'k8ts-node-1'])), /Container Runtime Version:\s+sim:\/\//);
  });

  test('a runtime that cannot start: FailedCreatePodSandBox with the reason, the pod Pending in ContainerCreating, the node fine', async () => {
    ok(c.kubectl(['apply', '-f', '-'], { input: pod('runc-pod', 'sleep 3600', 'runc') }));
    const ev = await eventually(() => {
      const list = json(c, ['get', 'events', '--field-selector', 'involvedObject.name=runc-pod,reason=FailedCreatePodSandBox']).items;
      return list[0];
    }, 'FailedCreatePodSandBox');
    assert.equal(ev.type, 'Warning');
    assert.match(ev.message, /^Failed to create pod sandbox: failed to get sandbox runtime: the runtime for "runc" cannot start on this node: the runc runtime needs root and runc \(Debian package runc, or --runc-path\): \/nonexistent\/k8ts-test\/runc is missing or not executable/);
    assert.equal(json(c, ['get', 'pod', 'runc-pod']).status.phase, 'Pending');
    // As upstream shows a pod without a sandbox: its containers wait in ContainerCreating.
    await eventually(() => /^runc-pod\s+0\/1\s+ContainerCreating\s/.test(ok(c.kubectl(['get', 'pod', 'runc-pod', '--no-headers']))), 'ContainerCreating in kubectl get');
    ok(c.kubectl(['apply', '-f', '-'], { input: pod('sim-pod-2', 'sleep 3600') }));
    await running('sim-pod-2');
    ok(c.kubectl(['delete', 'pod', 'runc-pod', 'sim-pod-2', '--grace-period=0', '--force']));
  });

  test('a restarted k8ts up re-adopts the process container of the lazily started runtime', async () => {
    const before = json(c, ['get', 'pod', 'proc-pod']).status;
    assert.equal(await c.stop(), 0);
    c = await startCluster({ dataDir, args });
    await eventually(() => / Ready /.test(ok(c.kubectl(['get', 'nodes', '--no-headers']))), 'the node Ready again');
    // The same container, never restarted; its output is still there and it still answers exec.
    await eventually(() => {
      const s = json(c, ['get', 'pod', 'proc-pod']).status;
      return s.phase === 'Running' && s.containerStatuses[0].ready && s.containerStatuses[0].containerID === before.containerStatuses[0].containerID;
    }, 'proc-pod adopted', 60_000);
    const after = json(c, ['get', 'pod', 'proc-pod']).status;
    assert.equal(after.containerStatuses[0].restartCount, 0);
    assert.equal(after.podIP, before.podIP);
    assert.equal(ok(c.kubectl(['logs', 'proc-pod'])), 'hello\n');
    assert.equal(ok(c.kubectl(['exec', 'proc-pod', '--', 'echo', 'still here'])), 'still here\n');
    // A new pod does not get the adopted pod's IP.
    ok(c.kubectl(['apply', '-f', '-'], { input: pod('sim-pod-3', 'sleep 3600') }));
    const p3 = await running('sim-pod-3');
    assert.notEqual(p3.status.podIP, before.podIP);
  });
});

test('k8ts up with a runtime that cannot run here exits 1 with one line that says what is missing', () => {
  const dir = tempDir();
  const run = (...args: string[]) => spawnSync(process.execPath, [K8TS_BIN, 'up', '--data-dir', dir, '--port', '0', ...args], { encoding: 'utf8', timeout: 60_000 });
  const runc = run('--runtime', 'runc', '--runc-path', '/nonexistent/k8ts-test/runc');
  assert.equal(runc.status, 1);
  assert.equal(
    runc.stderr,
    'error: the runc runtime needs root and runc (Debian package runc, or --runc-path): /nonexistent/k8ts-test/runc is missing or not executable (apt-get install runc, or give the path of runc or crun)\n',
  );
  const unknown = run('--runtime', 'docker');
  assert.equal(unknown.status, 1);
  assert.equal(unknown.stderr, 'error: unknown runtime "docker"; expected one of: sim, process, runc\n');
});
