// Real kubectl against `k8ts up --runtime process --runc-path runc --insecure-registry HOST`: a
// pod with `runtimeClassName: runc` runs a registry image in a real OCI container (the runc
// runtime starts with that first pod) next to a process pod, with distinct pod IPs from the
// node's one pool; a restarted `k8ts up` starts the runc runtime at once (it has state on disk)
// and re-adopts the container. Needs root, runc, iproute2, docker-registry, busybox-static and a
// C compiler; skipped otherwise. Uses the node bridge of 10.244.1.0/24 (run under
// `flock /tmp/k8ts-runc.lock` when other runc tests may run).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { purgeRuncState } from '../../src/kubelet/runtime/runc/purge.js';
import { busyboxLayer, runcTestsMissing, startRegistry, type TestRegistry } from '../fixtures/busybox-registry.js';
import { eventually, ok, startCluster, tempDir, type Cluster } from './harness.js';

const missing = runcTestsMissing;

const NODE_CIDR = '10.244.1.0/24';
const json = (c: Cluster, args: string[]) => JSON.parse(ok(c.kubectl([...args, '-o', 'json'])));

describe('runtimeClassName: runc on a process node', { skip: missing() }, () => {
  let reg: TestRegistry;
  let c: Cluster;
  let dataDir: string;
  let image: string;
  let args: string[];
  const stateDir = () => join(dataDir, 'nodes', 'k8ts-node-1', 'runc-runtime');

  before(async () => {
    reg = await startRegistry();
    await reg.push('e2e/rtclass', '1', { layers: [busyboxLayer()], config: { Entrypoint: ['sh', '-c'], Cmd: ['echo "hello from runc in $(hostname)"; sleep 3600'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] } });
    image = `${reg.host}/e2e/rtclass:1`;
    dataDir = tempDir('k8ts-rtclass-runc-e2e-');
    args = ['--runtime', 'process', '--runc-path', 'runc', '--insecure-registry', reg.host];
    c = await startCluster({ dataDir, args });
    await eventually(() => / Ready /.test(ok(c.kubectl(['get', 'nodes', '--no-headers']))), 'a Ready node');
  });

  after(async () => {
    if (c) {
      c.kubectl(['delete', 'pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
      await c.stop();
    }
    if (dataDir) await purgeRuncState(stateDir(), { bridgeCidr: NODE_CIDR });
    await c?.destroy();
    await reg?.stop();
  });

  const running = (name: string) =>
    eventually(() => {
      const p = json(c, ['get', 'pod', name]);
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
    }, `pod ${name} to run`, 60_000);

  test('a runc pod from the registry next to a process pod: real container, distinct IPs, the node still a process node', async () => {
    const spec = (name: string, extra: object) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: 2, ...extra } });
    ok(c.kubectl(['apply', '-f', '-'], { input: spec('proc', { containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo hello from a process; sleep 3600'] }] }) }));
    ok(c.kubectl(['apply', '-f', '-'], { input: spec('oci', { runtimeClassName: 'runc', containers: [{ name: 'main', image }] }) }));
    const proc = await running('proc');
    const oci = await running('oci');
    assert.match(proc.status.containerStatuses[0].containerID, /^process:\/\//);
    assert.match(oci.status.containerStatuses[0].containerID, /^runc:\/\/[a-f0-9]{64}$/);
    assert.match(oci.status.containerStatuses[0].imageID, new RegExp(`^${reg.host}/e2e/rtclass@sha256:`));
    await eventually(() => c.kubectl(['logs', 'oci']).stdout === 'hello from runc in oci\n', 'the runc container output');
    await eventually(() => c.kubectl(['logs', 'proc']).stdout === 'hello from a process\n', 'the process container output');
    assert.match(oci.status.podIP, /^10\.244\.1\.\d+$/);
    assert.match(proc.status.podIP, /^10\.244\.1\.\d+$/);
    assert.notEqual(oci.status.podIP, proc.status.podIP);
    // The runc pod's network namespace has the pod IP.
    assert.match(ok(c.kubectl(['exec', 'oci', '--', 'ip', 'addr'])), new RegExp(`inet ${oci.status.podIP.replace(/\./g, '\\.')}/24`));
    const node = json(c, ['get', 'node', 'k8ts-node-1']);
    assert.match(node.status.nodeInfo.containerRuntimeVersion, /^process:\/\//);
    // A real node: the machine's capacity; allocatable less the hard eviction thresholds.
    const describe = ok(c.kubectl(['describe', 'node', 'k8ts-node-1']));
    assert.match(describe, /Capacity:\n\s+cpu:\s+\d+\n\s+ephemeral-storage:\s+\d+\w*\n/);
  });

  test('a restarted k8ts up starts the runc runtime at once and re-adopts its container', async () => {
    const before = json(c, ['get', 'pod', 'oci']).status;
    assert.equal(await c.stop(), 0);
    c = await startCluster({ dataDir, args, timeoutMs: 60_000 });
    await eventually(() => {
      const s = json(c, ['get', 'pod', 'oci']).status;
      return s.phase === 'Running' && s.containerStatuses[0].ready && s.containerStatuses[0].containerID === before.containerStatuses[0].containerID;
    }, 'the runc pod adopted', 60_000);
    assert.equal(json(c, ['get', 'pod', 'oci']).status.containerStatuses[0].restartCount, 0);
    assert.equal(ok(c.kubectl(['exec', 'oci', '--', 'echo', 'still here'])), 'still here\n');
  });
});
