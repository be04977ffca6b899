// Node capacity and allocatable: a node running real workloads (process, runc) reports the
// machine (cpu = available parallelism, memory = total memory, ephemeral-storage = the data
// dir's file system); a simulating node its configured capacity. Allocatable is capacity minus
// the kubelet's default hard eviction thresholds (memory.available<100Mi, nodefs.available<10%),
// printed as upstream's BinarySI quantities.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseQuantity } from '../../src/api/quantity.js';
import { nodeFacts, nodeStatus } from '../../src/kubelet/node-object.js';

const bytes = (q: unknown) => parseQuantity(String(q)).value();

test('real workloads: the machine, whatever capacity is configured (max pods aside)', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'k8ts-capacity-'));
  try {
    const f = nodeFacts({ name: 'n', containerRuntimeVersion: 'runc://1.1', machine: { dataDir: join(dir, 'not-yet-created') }, capacity: { cpu: '64', memory: '1Ti', ephemeralStorage: '1Pi', pods: 50 } });
    const st = nodeStatus(f, new Date());
    const fs = statfsSync(dir);
    const disk = Number(fs.bsize) * Number(fs.blocks);
    assert.equal(st.capacity.cpu, String(os.availableParallelism()));
    assert.equal(bytes(st.capacity.memory), os.totalmem());
    assert.equal(bytes(st.capacity['ephemeral-storage']), disk);
    assert.equal(st.capacity.pods, '50');
    assert.equal(st.allocatable.cpu, st.capacity.cpu);
    assert.equal(bytes(st.allocatable.memory), os.totalmem() - 100 * 1024 * 1024);
    assert.equal(bytes(st.allocatable['ephemeral-storage']), disk - Math.floor(disk * 0.1));
    assert.equal(st.allocatable.pods, '50');
    // Quantities as the kubelet prints them: memory in Ki (or larger), storage in Ki or bytes.
    assert.match(String(st.capacity.memory), /^\d+(Ki|Mi|Gi)$/);
    assert.match(String(st.allocatable['ephemeral-storage']), /^\d+(Ki|Mi|Gi)?$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('simulated workloads: the configured capacity, 110 pods by default', () => {
  const st = nodeStatus(nodeFacts({ name: 'n', containerRuntimeVersion: 'sim://0.1', capacity: { cpu: '3', memory: '8Gi', ephemeralStorage: '100Gi' } }), new Date());
  assert.deepEqual(st.capacity, { cpu: '3', 'ephemeral-storage': '100Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8Gi', pods: '110' });
  assert.deepEqual(st.allocatable, { cpu: '3', 'ephemeral-storage': '90Gi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8092Mi', pods: '110' });
});
