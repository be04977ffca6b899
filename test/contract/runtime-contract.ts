// The contract every container runtime keeps (src/kubelet/runtime/runtime.ts). Each runtime
// runs this suite with a harness that says how time passes: the sim runtime moves a virtual
// clock; process and runc runtimes wait for real. Commands are plain busybox-style shell so a
// real runtime runs them as they are.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IpAllocator } from '../../src/kubelet/runtime/ip-allocator.js';
import { NotSupportedError, RuntimeNotFoundError, type ContainerRuntime, type ContainerStatus, type PodSandboxConfig, type RuntimeEvent } from '../../src/kubelet/runtime/runtime.js';

export interface RuntimeHarness {
  runtime: ContainerRuntime;
  /** Lets `ms` of (virtual or real) time pass. */
  advance(ms: number): Promise<void>;
  /** An image the runtime can run shell commands in. */
  image: string;
  cleanup(): Promise<void>;
}

const CIDR = '10.244.7.0/24';
const NODE_IP = '192.168.50.10';

let seq = 0;
function sandboxConfig(extra: Partial<PodSandboxConfig> = {}): PodSandboxConfig {
  seq++;
  return { uid: `uid-${seq}`, name: `pod-${seq}`, namespace: 'default', attempt: 0, labels: {}, annotations: {}, ...extra };
}

function inCidr(ip: string | undefined): boolean {
  return !!ip && ip.startsWith('10.244.7.') && !['10.244.7.0', '10.244.7.1', '10.244.7.255'].includes(ip);
}

async function until<T>(h: RuntimeHarness, what: string, fn: () => Promise<T | undefined>, stepMs = 100, maxSteps = 100): Promise<T> {
  for (let i = 0; i < maxSteps; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await h.advance(stepMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function exited(h: RuntimeHarness, id: string, maxMs = 10_000): Promise<ContainerStatus> {
  return until(h, `container ${id} to exit`, async () => {
    const s = await h.runtime.containerStatus(id);
    return s?.state === 'exited' ? s : undefined;
  }, 100, Math.ceil(maxMs / 100));
}

export function runRuntimeContract(name: string, make: () => Promise<RuntimeHarness>): void {
  const withRuntime = (title: string, fn: (h: RuntimeHarness) => Promise<void>) =>
    test(`${name} runtime: ${title}`, async () => {
      const h = await make();
      h.runtime.updateRuntimeConfig({ podCIDR: CIDR, nodeIP: NODE_IP });
      try {
        await fn(h);
      } finally {
        await h.cleanup();
      }
    });

  const run = async (h: RuntimeHarness, sandboxId: string, command: string[], args: string[] = [], nameSuffix = '') => {
    const id = await h.runtime.createContainer(sandboxId, { name: `c${nameSuffix}`, attempt: 0, image: h.image, command, args, env: [] });
    await h.runtime.startContainer(id);
    return id;
  };

  withRuntime('declares its identity and capabilities', async (h) => {
    assert.match(h.runtime.type, /^[a-z][a-z0-9-]*$/);
    assert.ok(h.runtime.version.length > 0);
    for (const k of ['exec', 'logs', 'podNetwork', 'hostNetwork', 'simulatedProbes'] as const) assert.equal(typeof h.runtime.capabilities[k], 'boolean');
    if (h.runtime.capabilities.simulatedProbes) assert.equal(typeof h.runtime.probe, 'function');
  });

  withRuntime('sandboxes get unique IPs from the pod CIDR, returned when they stop', async (h) => {
    const a = await h.runtime.runPodSandbox(sandboxConfig());
    const b = await h.runtime.runPodSandbox(sandboxConfig());
    const sa = await h.runtime.podSandboxStatus(a);
    const sb = await h.runtime.podSandboxStatus(b);
    assert.notEqual(a, b);
    assert.equal(sa?.state, 'ready');
    assert.ok(inCidr(sa?.ip), `IP ${sa?.ip} in ${CIDR}`);
    assert.ok(inCidr(sb?.ip));
    assert.notEqual(sa?.ip, sb?.ip);
    await h.runtime.stopPodSandbox(a);
    assert.equal((await h.runtime.podSandboxStatus(a))?.state, 'notready');
    const listed = (await h.runtime.listPodSandboxes()).map((s) => s.id);
    assert.ok(listed.includes(a) && listed.includes(b));
    await h.runtime.removePodSandbox(a);
    assert.equal(await h.runtime.podSandboxStatus(a), undefined);
    // Stopping or removing twice is not an error.
    await h.runtime.stopPodSandbox(a);
    await h.runtime.removePodSandbox(a);
  });

  withRuntime('a /30 range holds one pod; its IP comes back once the sandbox stops', async (h) => {
    h.runtime.updateRuntimeConfig({ podCIDR: '10.244.9.0/30', nodeIP: NODE_IP });
    const a = await h.runtime.runPodSandbox(sandboxConfig());
    const ipA = (await h.runtime.podSandboxStatus(a))?.ip;
    assert.equal(ipA, '10.244.9.2');
    await assert.rejects(h.runtime.runPodSandbox(sandboxConfig()), /no IP addresses available in range set: 10\.244\.9\.1-10\.244\.9\.2/);
    await h.runtime.stopPodSandbox(a);
    const b = await h.runtime.runPodSandbox(sandboxConfig());
    assert.equal((await h.runtime.podSandboxStatus(b))?.ip, ipA);
  });

  withRuntime("with the node's shared pool: its live IPs are reserved in it, others' are skipped, a stopped one comes back", async (h) => {
    const a = await h.runtime.runPodSandbox(sandboxConfig());
    const ipA = (await h.runtime.podSandboxStatus(a))?.ip;
    const pool = new IpAllocator(CIDR);
    h.runtime.updateRuntimeConfig({ podCIDR: CIDR, nodeIP: NODE_IP, ips: pool });
    assert.equal(pool.allocated, 1, 'the live sandbox IP is reserved in the shared pool');
    const other = pool.allocate(); // another runtime of the node
    assert.notEqual(other, ipA);
    const b = await h.runtime.runPodSandbox(sandboxConfig());
    const ipB = (await h.runtime.podSandboxStatus(b))?.ip;
    assert.ok(inCidr(ipB));
    assert.ok(ipB !== ipA && ipB !== other, `${ipB} differs from ${ipA} and ${other}`);
    assert.equal(pool.allocated, 3);
    await h.runtime.stopPodSandbox(b);
    assert.equal(pool.allocated, 2, 'the stopped sandbox gave its IP back to the shared pool');
  });

  withRuntime('hostNetwork sandboxes report the node IP and take none from the range', async (h) => {
    if (!h.runtime.capabilities.hostNetwork) {
      await assert.rejects(h.runtime.runPodSandbox(sandboxConfig({ hostNetwork: true })));
      return;
    }
    const a = await h.runtime.runPodSandbox(sandboxConfig({ hostNetwork: true }));
    assert.equal((await h.runtime.podSandboxStatus(a))?.ip, NODE_IP);
  });

  withRuntime('containers go created -> running -> exited with the exit code and reason', async (h) => {
    const sb = await h.runtime.runPodSandbox(sandboxConfig());
    const id = await h.runtime.createContainer(sb, { name: 'c', attempt: 0, image: h.image, command: ['sh', '-c', 'sleep 1; exit 3'], args: [], env: [] });
    const created = await h.runtime.containerStatus(id);
    assert.equal(created?.state, 'created');
    assert.equal(created?.name, 'c');
    assert.equal(created?.sandboxId, sb);
    assert.ok(created?.imageRef);
    await h.runtime.startContainer(id);
    const running = await until(h, 'running', async () => {
      const s = await h.runtime.containerStatus(id);
      return s?.state === 'running' ? s : undefined;
    });
    assert.ok(running.startedAt instanceof Date);
    const done = await exited(h, id);
    assert.equal(done.exitCode, 3);
    assert.equal(done.reason, 'Error');
    assert.ok(done.finishedAt && done.startedAt && done.finishedAt.getTime() - done.startedAt.getTime() >= 900);
    const ok = await run(h, sb, ['true'], [], '2');
    const s = await exited(h, ok);
    assert.equal(s.exitCode, 0);
    assert.equal(s.reason, 'Completed');
    assert.deepEqual((await h.runtime.listContainers({ sandboxId: sb })).map((x) => x.id).sort(), [id, ok].sort());
  });

  withRuntime('command and args have their Kubernetes meaning', async (h) => {
    const sb = await h.runtime.runPodSandbox(sandboxConfig());
    const id = await run(h, sb, ['sh', '-c'], ['exit 5']);
    assert.equal((await exited(h, id)).exitCode, 5);
  });

  withRuntime('exits the agent did not cause synchronously are announced', async (h) => {
    const events: RuntimeEvent[] = [];
    const off = h.runtime.subscribe((e) => events.push(e));
    const cfg = sandboxConfig();
    const sb = await h.runtime.runPodSandbox(cfg);
    const id = await run(h, sb, ['sleep', '1']);
    await exited(h, id);
    await until(h, 'the exit event', async () => (events.some((e) => e.type === 'ContainerExited' && e.containerId === id) ? true : undefined));
    const ev = events.find((e) => e.type === 'ContainerExited' && e.containerId === id)!;
    assert.equal(ev.podUid, cfg.uid);
    assert.equal(ev.sandboxId, sb);
    off();
  });

  withRuntime('stopContainer kills at the deadline and resolves once exited; a shorter timeout wins', async (h) => {
    const sb = await h.runtime.runPodSandbox(sandboxConfig());
    const id = await run(h, sb, ['sleep', '3600']);
    await until(h, 'running', async () => ((await h.runtime.containerStatus(id))?.state === 'running' ? true : undefined));
    let resolved = false;
    const stop = h.runtime.stopContainer(id, 30).then(() => (resolved = true));
    await h.advance(500);
    void h.runtime.stopContainer(id, 1);
    const s = await exited(h, id, 5000);
    await stop;
    assert.equal(resolved, true);
    assert.ok([0, 137, 143].includes(s.exitCode!), `exit code ${s.exitCode}`);
    // Stopping an exited container is a no-op.
    await h.runtime.stopContainer(id, 0);
  });

  withRuntime('removal: containers, then sandboxes with what is left in them; unknown ids are NotFound', async (h) => {
    const sb = await h.runtime.runPodSandbox(sandboxConfig());
    const a = await run(h, sb, ['true'], [], 'a');
    const b = await run(h, sb, ['sleep', '3600'], [], 'b');
    await exited(h, a);
    await h.runtime.removeContainer(a);
    assert.equal(await h.runtime.containerStatus(a), undefined);
    await h.runtime.removePodSandbox(sb);
    assert.equal(await h.runtime.containerStatus(b), undefined);
    await assert.rejects(h.runtime.startContainer('no-such-container'), RuntimeNotFoundError);
    await assert.rejects(h.runtime.createContainer('no-such-sandbox', { name: 'x', attempt: 0, image: h.image, command: [], args: [], env: [] }), RuntimeNotFoundError);
  });

  withRuntime('ids are unique and never reused', async (h) => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const sb = await h.runtime.runPodSandbox(sandboxConfig());
      const c = await run(h, sb, ['true']);
      assert.ok(!ids.has(sb) && !ids.has(c));
      ids.add(sb).add(c);
      await h.runtime.removePodSandbox(sb);
    }
  });

  withRuntime('execSync runs commands in a running container', async (h) => {
    const sb = await h.runtime.runPodSandbox(sandboxConfig());
    const id = await run(h, sb, ['sleep', '3600']);
    await until(h, 'running', async () => ((await h.runtime.containerStatus(id))?.state === 'running' ? true : undefined));
    if (!h.runtime.capabilities.exec) {
      await assert.rejects(h.runtime.execSync(id, ['true'], 1), NotSupportedError);
      return;
    }
    assert.equal((await h.runtime.execSync(id, ['sh', '-c', 'exit 2'], 5)).exitCode, 2);
    const r = await h.runtime.execSync(id, ['echo', 'hello'], 5);
    assert.equal(r.exitCode, 0);
    assert.equal(r.stdout, 'hello\n');
    // exec changes the container's files as it would for real.
    assert.equal((await h.runtime.execSync(id, ['sh', '-c', 'touch /tmp/probe-file && cat /tmp/probe-file'], 5)).exitCode, 0);
    assert.equal((await h.runtime.execSync(id, ['sh', '-c', 'rm -f /tmp/probe-file; cat /tmp/probe-file'], 5)).exitCode, 1);
  });

  withRuntime('readLogs returns what the container printed, in order', async (h) => {
    const sb = await h.runtime.runPodSandbox(sandboxConfig());
    const id = await run(h, sb, ['sh', '-c', 'echo one; echo two']);
    await exited(h, id);
    if (!h.runtime.capabilities.logs) return;
    const lines: string[] = [];
    for await (const e of h.runtime.readLogs(id)) {
      assert.ok(e.time instanceof Date);
      assert.equal(e.stream, 'stdout');
      lines.push(e.line);
    }
    assert.deepEqual(lines, ['one', 'two']);
    const tail: string[] = [];
    for await (const e of h.runtime.readLogs(id, { tailLines: 1 })) tail.push(e.line);
    assert.deepEqual(tail, ['two']);
  });

  withRuntime('images resolve to a reference', async (h) => {
    const info = await h.runtime.pullImage(h.image);
    assert.ok(info.ref.length > 0);
    assert.ok(info.size >= 0);
    assert.equal((await h.runtime.imageStatus(h.image))?.ref, info.ref);
  });
}
