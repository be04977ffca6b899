// A whole cluster in one process: API server, scheduler, controllers and N node agents. The
// components other than the API server reach it only through the REST client over loopback,
// exactly as they would from another machine.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlane } from '../apiserver/control-plane.js';
import { RestClient } from '../client/rest-client.js';
import { NodeLifecycleController } from '../controllers/node-lifecycle/node-lifecycle-controller.js';
import { ControllerManager } from '../controllers/runtime/manager.js';
import { controllerFactories } from '../controllers/registry.js';
import { Kubelet, nodeRuntimes } from '../kubelet/index.js';
import { startNodeServices } from '../proxy/node-services.js';
import { Scheduler } from '../scheduler/scheduler.js';
import type { Store } from '../storage/store.js';

export interface ClusterOptions {
  store: Store;
  host: string;
  port: number;
  tls: { key: string; cert: string };
  token: string;
  caCert: string;
  nodes: number;
  runtime: string;
  dataDir: string;
  /** Registries (host:port) the image store may reach over plain HTTP (`--insecure-registry`). */
  insecureRegistries?: string[];
  /** The runc binary, or a compatible one such as crun (`--runc-path`). */
  runcPath?: string;
  nodeMonitorGracePeriodMs: number;
  /** kube-apiserver --event-ttl (default 1 h; 0 keeps events forever). */
  eventTtlMs?: number;
  defaultUnreachableTolerationSeconds: number;
  defaultNotReadyTolerationSeconds: number;
}

export interface RunningCluster {
  controlPlane: ControlPlane;
  url: string;
  stop(): Promise<void>;
}

/** The pod range of the i-th node (1-based): 10.244.1.0/24, ... 10.244.255.0/24, 10.245.0.0/24, ... */
export function nodePodCIDR(i: number): string {
  const n = 244 * 256 + i;
  return `10.${Math.floor(n / 256)}.${n % 256}.0/24`;
}

export function nodeName(i: number): string {
  return `k8ts-node-${i}`;
}

export async function startCluster(o: ClusterOptions): Promise<RunningCluster> {
  // Fail before anything starts when the default runtime cannot run here. Other runtimes (for
  // spec.runtimeClassName) start with the first pod that asks for them, or now when they have
  // containers from before to adopt.
  // Each node agent keeps its own state (containers, logs, volumes) under nodes/<name>.
  const nodeDir = (i: number) => join(o.dataDir, 'nodes', nodeName(i));
  const runtimes = Array.from({ length: o.nodes }, (_, i) =>
    nodeRuntimes(o.runtime, { dataDir: nodeDir(i + 1), sigtermExitMs: 500, insecureRegistries: o.insecureRegistries, runcPath: o.runcPath }, (m) => console.error(`kubelet ${nodeName(i + 1)}: ${m}`)),
  );
  const cp = await startControlPlane({ store: o.store, host: o.host, port: o.port, tls: o.tls, tokens: [o.token], serviceAccountAdmission: true, eventTtlMs: o.eventTtlMs });
  cp.ctx.tolerationSeconds = { notReadySeconds: o.defaultNotReadyTolerationSeconds, unreachableSeconds: o.defaultUnreachableTolerationSeconds };
  const loopback = o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `https://${loopback}:${cp.server.port}`;
  const client = (agent: string) => new RestClient({ server: url, token: o.token, caCert: o.caCert, userAgent: `${agent}/v1.32.4-k8ts` });
  const stops: (() => Promise<void> | void)[] = [() => cp.stop()];
  try {
    const scheduler = new Scheduler({ client: client('kube-scheduler') });
    await scheduler.start();
    stops.push(() => scheduler.stop());
    const nodeLifecycle = new NodeLifecycleController({ client: client('kube-controller-manager'), nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriodMs, podGc: {} });
    await nodeLifecycle.start();
    stops.push(() => nodeLifecycle.stop());
    // The identity is stable per data dir (whose lock admits one k8ts at a time), so a restarted
    // `k8ts up` takes its own lease back at once instead of waiting for it to expire.
    const identity = `${hostname()}_${createHash('sha256').update(resolve(o.dataDir)).digest('hex').slice(0, 12)}`;
    const manager = new ControllerManager({ client: client('kube-controller-manager'), leaderElection: true, identity }, controllerFactories({ dataDir: o.dataDir, rootCA: o.caCert }));
    await manager.start();
    stops.push(() => manager.stop());
    // Services for runc pods: the proxy and cluster DNS (see src/proxy/node-services.ts). Only
    // when the nodes' default runtime is runc; runc pods of other nodes (spec.runtimeClassName)
    // are not proxied.
    let clusterDNS: string[] = [];
    if (o.runtime === 'runc') {
      const services = await startNodeServices({ client: client('kube-proxy'), dnsPodCIDR: nodePodCIDR(1) });
      stops.push(() => services.stop());
      clusterDNS = services.clusterDNS;
    }
    for (let i = 1; i <= o.nodes; i++) {
      const kubelet = new Kubelet({
        client: client('kubelet'),
        nodeName: nodeName(i),
        runtime: runtimes[i - 1].runtime,
        runtimes: runtimes[i - 1].runtimes,
        createRuntime: runtimes[i - 1].createRuntime,
        controlPlane: i === 1,
        podCIDR: nodePodCIDR(i),
        dns: clusterDNS.length ? { clusterDNS } : undefined,
        rootDir: nodeDir(i),
        server: { host: loopback.replace(/^\[|\]$/g, ''), token: o.token },
      });
      await kubelet.start();
      stops.push(() => kubelet.stop());
    }
  } catch (err) {
    for (const s of stops.reverse()) await s();
    throw err;
  }
  return {
    controlPlane: cp,
    url,
    async stop() {
      for (const s of [...stops].reverse()) await s();
    },
  };
}
