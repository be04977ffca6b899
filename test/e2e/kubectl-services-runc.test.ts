// Services for runc pods, with real kubectl against `k8ts up --runtime runc`: the service proxy's
// nftables DNAT to a Deployment's pods, the cluster DNS server behind the kube-dns Service (the
// pods' resolv.conf, nslookup, wget by full and by short name), and a Service scaled to zero
// endpoints refusing connections at once. Nothing of the proxy (its nft table) is left after the
// cluster stops.
// Needs root, runc, nft, docker-registry, busybox-static and a C compiler; skipped otherwise.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { purgeRuncState } from '../../src/kubelet/runtime/runc/purge.js';
import { nftUsable } from '../../src/proxy/service-proxy.js';
import { busyboxLayer, runcTestsMissing, startRegistry, type TestRegistry } from '../fixtures/busybox-registry.js';
import { eventually, ok, startCluster, tempDir, type Cluster } from './harness.js';
import { join } from 'node:path';

async function missing(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root';
  const nft = await nftUsable();
  if (nft) return `nftables unusable: ${nft}`;
  return runcTestsMissing();
}

const skip = await missing();
const NODE_CIDR = '10.244.1.0/24';
const hasTable = () => {
  try {
    execFileSync('nft', ['list', 'table', 'ip', 'k8ts'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

describe('Services for runc pods: proxy and cluster DNS', { skip }, () => {
  let reg: TestRegistry;
  let c: Cluster;
  let dataDir: string;
  let busybox: string;

  before(async () => {
    reg = await startRegistry();
    await reg.push('e2e/busybox', '1', { layers: [busyboxLayer()], config: { Cmd: ['/bin/sh'], Env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] } });
    busybox = `${reg.host}/e2e/busybox:1`;
    dataDir = tempDir('k8ts-svc-e2e-');
    c = await startCluster({ dataDir, args: ['--runtime', 'runc'] });
  });

  after(async () => {
    if (c) {
      c.kubectl(['delete', 'deployment,pods', '--all', '--grace-period=1', '--wait=true'], { timeoutMs: 60_000 });
      await c.stop();
      // The proxy deletes its table when the cluster stops.
      assert.equal(hasTable(), false, 'the nft table k8ts is gone after k8ts up stopped');
    }
    if (dataDir) await purgeRuncState(join(dataDir, 'nodes', 'k8ts-node-1', 'runc-runtime'), { bridgeCidr: NODE_CIDR });
    if (c) await c.destroy();
    await reg?.stop();
  });

  const exec = (args: string[]) => c.kubectl(['exec', 'client', '--', ...args], { timeoutMs: 30_000 });

  test('a Deployment exposed as a Service is reached by ClusterIP and by DNS name; no endpoints fails fast', async () => {
    assert.ok(hasTable(), 'the proxy created its nft table');
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            terminationGracePeriodSeconds: 1,
            containers: [{ name: 'web', image: busybox, command: ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 8080 -h /www'] }],
          },
        },
      },
    };
    ok(c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(dep) }));
    ok(c.kubectl(['expose', 'deployment', 'web', '--port=8080']));
    const client = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: busybox, command: ['sleep', '3600'] }] } };
    ok(c.kubectl(['apply', '-f', '-'], { input: JSON.stringify(client) }));
    await eventually(() => JSON.parse(ok(c.kubectl(['get', 'pod', 'client', '-o', 'json']))).status?.phase === 'Running', 'the client pod to run', 90_000);
    const clusterIP = ok(c.kubectl(['get', 'service', 'web', '-o', 'jsonpath={.spec.clusterIP}']));
    assert.match(clusterIP, /^10\.\d+\.\d+\.\d+$/);
    await eventually(() => ok(c.kubectl(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).split(' ').filter(Boolean).length === 2, 'two ready endpoints', 90_000);

    // The pod's resolv.conf, as the kubelet writes it for dnsPolicy ClusterFirst.
    const resolv = ok(exec(['cat', '/etc/resolv.conf']));
    assert.match(resolv, /^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b.*\nnameserver 10\.96\.0\.10\noptions ndots:5\n$/);

    // By ClusterIP, by full name, by short name (search list).
    const get = (url: string) => exec(['timeout', '10', 'wget', '-qO-', url]);
    await eventually(() => /^hello from web-/.test(get(`http://${clusterIP}:8080/`).stdout), 'wget by ClusterIP', 60_000).catch((err) => {
      const podIPs = ok(c.kubectl(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).split(' ');
      console.error('DIAG pod direct', JSON.stringify(get(`http://${podIPs[0]}:8080/`)));
      console.error('DIAG clusterIP', JSON.stringify(get(`http://${clusterIP}:8080/`)));
      console.error('DIAG node', JSON.stringify(spawnSync('wget', ['-T', '3', '-qO-', `http://${clusterIP}:8080/`], { encoding: 'utf8' })));
      console.error('DIAG nft', spawnSync('nft', ['list', 'table', 'ip', 'k8ts'], { encoding: 'utf8' }).stdout);
      console.error('DIAG route', JSON.stringify(exec(['ip', 'route'])), JSON.stringify(exec(['ip', 'addr'])));
      throw err;
    });
    await eventually(() => /^hello from web-/.test(get('http://web.default.svc.cluster.local:8080/').stdout), 'wget by the full service name', 60_000);
    await eventually(() => /^hello from web-/.test(get('http://web:8080/').stdout), 'wget by the short name', 60_000);
    // Both endpoints answer in time (random choice).
    const seen = new Set<string>();
    await eventually(() => {
      seen.add(get(`http://${clusterIP}:8080/`).stdout.trim());
      return seen.size >= 2;
    }, 'both pods to answer through the Service', 60_000);

    // nslookup through 10.96.0.10 returns the ClusterIP; an unknown name does not resolve.
    const ns = await eventually(() => {
      const r = exec(['nslookup', 'web.default.svc.cluster.local']);
      return r.stdout.includes(clusterIP) ? r.stdout : undefined;
    }, 'nslookup of the Service', 30_000);
    assert.match(ns!, /10\.96\.0\.10/);
    const nx = exec(['nslookup', 'nope.default.svc.cluster.local']);
    assert.doesNotMatch(nx.stdout, new RegExp(clusterIP.replace(/\./g, '\\.')));
    assert.match(nx.stdout + nx.stderr, /NXDOMAIN|can't find|can't resolve/i);

    // Scaled to zero: the Service has no endpoints and connections are refused at once.
    ok(c.kubectl(['scale', 'deployment', 'web', '--replicas=0']));
    await eventually(() => ok(c.kubectl(['get', 'endpoints', 'web', '-o', 'jsonpath={.subsets[*].addresses[*].ip}'])).trim() === '', 'no endpoints left', 60_000);
    await eventually(() => {
      const t0 = Date.now();
      const r = get(`http://${clusterIP}:8080/`);
      return r.code !== 0 && Date.now() - t0 < 4000 && /refused|reset/i.test(r.stderr) ? true : undefined;
    }, 'the connection to fail fast', 30_000);
  });
});
