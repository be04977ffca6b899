// nodeRuntimes (`k8ts up` / `k8ts agent`): the default runtime now, the others lazily, except
// those with sandboxes on disk from a previous agent, which start now so their containers are
// adopted; one of those that cannot start is logged and left for later.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasRuntimeState, nodeRuntimes } from '../../src/kubelet/runtime/create-runtime.js';

test('only runtimes with sandboxes on disk are created with the default; the rest on demand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-node-runtimes-'));
  try {
    mkdirSync(join(dir, 'runc-runtime', 'sandboxes', 'abc'), { recursive: true });
    mkdirSync(join(dir, 'process-runtime', 'sandboxes'), { recursive: true }); // used once, nothing left
    assert.equal(hasRuntimeState('runc', dir), true);
    assert.equal(hasRuntimeState('process', dir), false);
    assert.equal(hasRuntimeState('sim', dir), false);
    const logs: string[] = [];
    const r = nodeRuntimes('sim', { dataDir: dir, runcPath: join(dir, 'no-such-runc') }, (m) => logs.push(m));
    assert.equal(r.runtime.type, 'sim');
    assert.deepEqual(Object.keys(r.runtimes), [], 'runc cannot start here: left for later');
    assert.equal(logs.length, 1);
    assert.match(logs[0], /the runc runtime has containers from before under .* but cannot start: the runc runtime needs root and runc/);
    // On demand: the same options (the data dir layout, the runc binary).
    assert.throws(() => r.createRuntime('runc'), /the runc runtime needs root and runc/);
    assert.throws(() => r.createRuntime('kata'), /unknown runtime "kata"/);
    assert.equal(r.createRuntime('sim').type, 'sim');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process runtime with sandboxes from before starts with the node, under the same layout', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-node-runtimes-'));
  try {
    const first = nodeRuntimes('process', { dataDir: dir });
    first.runtime.updateRuntimeConfig({ podCIDR: '10.244.3.0/24' });
    await first.runtime.runPodSandbox({ uid: 'u1', name: 'p', namespace: 'default', attempt: 0, labels: {}, annotations: {} });
    await first.runtime.close();
    const again = nodeRuntimes('sim', { dataDir: dir });
    assert.deepEqual(Object.keys(again.runtimes), ['process']);
    const sandboxes = await again.runtimes.process.listPodSandboxes();
    assert.deepEqual(sandboxes.map((s) => s.uid), ['u1']);
    await again.runtimes.process.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
