// One pod IP pool per node: runtimes given the node's pool (RuntimeConfig.ips) never hand out an
// IP another runtime of the node holds, and reserve what their live sandboxes hold.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IpAllocator } from '../../src/kubelet/runtime/ip-allocator.js';
import { configuredAllocator } from '../../src/kubelet/runtime/runtime-common.js';
import { SimRuntime } from '../../src/kubelet/runtime/sim/sim-runtime.js';

const sandbox = (uid: string) => ({ uid, name: uid, namespace: 'default', attempt: 0, labels: {}, annotations: {} });

test('configuredAllocator: the shared pool wins over a private one and gets the live IPs reserved', () => {
  const pool = new IpAllocator('10.244.1.0/24');
  const own = new IpAllocator('10.244.1.0/24');
  const got = configuredAllocator(own, { podCIDR: '10.244.1.0/24', ips: pool }, [
    { ip: '10.244.1.7', holdsIp: true },
    { ip: '10.244.1.8', holdsIp: false }, // stopped: released already
    { ip: '192.168.1.1', holdsIp: true }, // hostNetwork-like, outside the range
  ]);
  assert.equal(got, pool);
  assert.equal(pool.allocated, 1);
  // Without a shared pool: the runtime's own, kept while the CIDR is the same.
  assert.equal(configuredAllocator(own, { podCIDR: '10.244.1.0/24' }, []), own);
  assert.notEqual(configuredAllocator(own, { podCIDR: '10.244.2.0/24' }, []), own);
});

test('two runtimes of one node sharing the pool never get the same pod IP', async () => {
  const pool = new IpAllocator('10.244.1.0/29'); // 5 pod IPs: .2 .. .6
  const a = new SimRuntime();
  const b = new SimRuntime();
  try {
    a.updateRuntimeConfig({ podCIDR: '10.244.1.0/29', nodeIP: '192.168.0.9', ips: pool });
    b.updateRuntimeConfig({ podCIDR: '10.244.1.0/29', nodeIP: '192.168.0.9', ips: pool });
    const ips: string[] = [];
    const ids: [SimRuntime, string][] = [];
    for (let i = 0; i < 5; i++) {
      const rt = i % 2 ? b : a;
      const id = await rt.runPodSandbox(sandbox(`p${i}`));
      ids.push([rt, id]);
      ips.push((await rt.podSandboxStatus(id))!.ip!);
    }
    assert.equal(new Set(ips).size, 5, `distinct IPs: ${ips.join(' ')}`);
    // The pool is exhausted for both runtimes.
    await assert.rejects(a.runPodSandbox(sandbox('x')), /no IP addresses available/);
    await assert.rejects(b.runPodSandbox(sandbox('y')), /no IP addresses available/);
    // A stopped sandbox of one runtime frees an IP the other can take.
    const [rt0, id0] = ids[0];
    await rt0.stopPodSandbox(id0);
    const z = await b.runPodSandbox(sandbox('z'));
    assert.equal((await b.podSandboxStatus(z))!.ip, ips[0]);
  } finally {
    await a.close();
    await b.close();
  }
});

test('a runtime joining the shared pool late reserves the IPs its sandboxes already hold', async () => {
  const late = new SimRuntime();
  const first = new SimRuntime();
  try {
    late.updateRuntimeConfig({ podCIDR: '10.244.1.0/24' });
    const held = await late.runPodSandbox(sandbox('old'));
    const heldIp = (await late.podSandboxStatus(held))!.ip!;
    const pool = new IpAllocator('10.244.1.0/24');
    first.updateRuntimeConfig({ podCIDR: '10.244.1.0/24', ips: pool });
    late.updateRuntimeConfig({ podCIDR: '10.244.1.0/24', ips: pool });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const id = await first.runPodSandbox(sandbox(`n${i}`));
      seen.add((await first.podSandboxStatus(id))!.ip!);
    }
    assert.ok(!seen.has(heldIp), `${heldIp} is never handed out again`);
  } finally {
    await late.close();
    await first.close();
  }
});
