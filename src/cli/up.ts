// `k8ts up`: a whole cluster in the foreground until SIGINT/SIGTERM.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseGoDuration } from '../api/duration.js';
import { startCluster } from './cluster.js';
import { MemoryStore } from '../storage/memory/memory-store.js';
import { SqliteStore } from '../storage/sqlite/sqlite-store.js';
import { EtcdStore } from '../storage/etcd/etcd-store.js';
import type { Store } from '../storage/store.js';
import { lockDataDir } from './data-dir-lock.js';
import { resolveRuncPath } from '../kubelet/runtime/runc/preflight.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ensurePki, ensureToken } from './pki.js';

export const UP_FLAGS: FlagSpec = {
  'data-dir': { type: 'string', default: './.k8ts', help: 'directory for the store, certificates and kubeconfig' },
  port: { type: 'number', default: 6443, help: 'HTTPS port of the API server' },
  host: { type: 'string', default: '127.0.0.1', help: 'address to listen on' },
  storage: { type: 'string', default: 'sqlite', help: 'storage backend: sqlite, etcd or memory' },
  'etcd-servers': { type: 'string', help: 'with --storage etcd: comma-separated etcd client URLs, e.g. http://127.0.0.1:2379' },
  'etcd-prefix': { type: 'string', default: '/registry', help: 'with --storage etcd: the prefix of every key k8ts keeps in etcd' },
  nodes: { type: 'number', default: 1, help: 'node agents to run in this process (0: control plane only)' },
  runtime: { type: 'string', default: 'sim', help: 'default container runtime of the nodes: sim, process or runc (pods pick another with spec.runtimeClassName)' },
  'insecure-registry': { type: 'string', repeatable: true, help: 'registry HOST:PORT that may be pulled from over plain HTTP (repeatable; loopback registries always may)' },
  'runc-path': { type: 'string', help: 'the runc binary, or a compatible one such as crun (default /usr/sbin/runc)' },
  'node-monitor-grace-period': { type: 'string', default: '40s', help: 'how long a node may go without renewing its Lease (every 10 s) before it is NotReady (Go duration)' },
  'default-unreachable-toleration-seconds': { type: 'number', default: 300, help: 'tolerationSeconds of the unreachable:NoExecute toleration added to every pod' },
  'event-ttl': { type: 'string', default: '1h', help: 'how long an event is kept after its last write (Go duration; 0 keeps events forever)' },
  'default-not-ready-toleration-seconds': { type: 'number', default: 300, help: 'tolerationSeconds of the not-ready:NoExecute toleration added to every pod' },
  help: { type: 'boolean', help: 'show this help' },
};

export async function up(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, UP_FLAGS);
  if (flags.help) {
    console.log(usage('up', UP_FLAGS));
    return 0;
  }
  const dataDir = resolve(String(flags['data-dir']));
  const host = String(flags.host);
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`invalid --port ${flags.port}`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const unlock = lockDataDir(dataDir);
  let store: Store | undefined;
  try {
    const sans = host === '0.0.0.0' || host === '::' ? [] : [host];
    const pki = await ensurePki(dataDir, sans);
    const token = ensureToken(dataDir);
    const backend = String(flags.storage);
    if (flags['etcd-servers'] !== undefined && backend !== 'etcd') throw new UsageError('--etcd-servers needs --storage etcd');
    if (backend === 'sqlite') store = SqliteStore.open(join(dataDir, 'state.db'));
    else if (backend === 'memory') store = new MemoryStore();
    else if (backend === 'etcd') store = await EtcdStore.connect({ servers: etcdServers(flags['etcd-servers']), prefix: String(flags['etcd-prefix']) });
    else throw new UsageError(`unknown --storage ${backend}: use sqlite, etcd or memory`);
    const kubeconfig = join(dataDir, 'kubeconfig');
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    // The kubeconfig exists before the API answers (port 0 picks a free port, known only after listen).
    if (port !== 0) writeKubeconfig(kubeconfig, { server: `https://${shownHost}:${port}`, caCert: pki.caCert, token });
    const nodes = Number(flags.nodes);
    if (!Number.isInteger(nodes) || nodes < 0) throw new UsageError(`invalid --nodes ${flags.nodes}`);
    let graceMs: number;
    try {
      graceMs = parseGoDuration(String(flags['node-monitor-grace-period']));
    } catch (e) {
      throw new UsageError(`invalid --node-monitor-grace-period: ${(e as Error).message}`);
    }
    let eventTtlMs: number;
    try {
      eventTtlMs = String(flags['event-ttl']) === '0' ? 0 : parseGoDuration(String(flags['event-ttl']));
    } catch (e) {
      throw new UsageError(`invalid --event-ttl: ${(e as Error).message}`);
    }
    const cluster = await startCluster({
      store,
      host,
      port,
      tls: { key: pki.serverKey, cert: pki.serverCert },
      token,
      caCert: pki.caCert,
      nodes,
      runtime: String(flags.runtime),
      dataDir,
      insecureRegistries: (flags['insecure-registry'] as string[] | undefined) ?? [],
      runcPath: flags['runc-path'] ? resolveRuncPath(String(flags['runc-path'])) : undefined,
      nodeMonitorGracePeriodMs: graceMs,
      eventTtlMs,
      defaultUnreachableTolerationSeconds: Number(flags['default-unreachable-toleration-seconds']),
      defaultNotReadyTolerationSeconds: Number(flags['default-not-ready-toleration-seconds']),
    });
    const actualPort = cluster.controlPlane.server.port;
    if (port === 0) writeKubeconfig(kubeconfig, { server: `https://${shownHost}:${actualPort}`, caCert: pki.caCert, token });
    console.log(`k8ts is running at https://${shownHost}:${actualPort}; use it with: export KUBECONFIG=${kubeconfig}`);
    await new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await cluster.stop();
    return 0;
  } finally {
    await store?.close().catch(() => undefined);
    unlock();
  }
}

/** --etcd-servers: comma-separated http:// client URLs (TLS to etcd is not supported yet). */
function etcdServers(value: unknown): string[] {
  if (value === undefined || String(value).trim() === '') throw new UsageError('--storage etcd needs --etcd-servers, e.g. --etcd-servers http://127.0.0.1:2379');
  const urls = String(value)
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw new UsageError(`invalid --etcd-servers URL ${u}: expected http://HOST:PORT`);
    }
    if (parsed.protocol !== 'http:') throw new UsageError(`invalid --etcd-servers URL ${u}: only http:// is supported (no TLS to etcd yet)`);
    if (!parsed.port) throw new UsageError(`invalid --etcd-servers URL ${u}: give the port, e.g. http://${parsed.hostname}:2379`);
  }
  return urls;
}
