// `k8ts agent`: one node agent in its own process, finding the server, its CA and its
// credentials in a kubeconfig, as a kubelet does. Runs until SIGINT/SIGTERM.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { RestClient } from '../client/rest-client.js';
import { Kubelet, nodeRuntimes } from '../kubelet/index.js';
import { resolveRuncPath } from '../kubelet/runtime/runc/preflight.js';
import { startNodeServices } from '../proxy/node-services.js';
import { parseFlags, usage, UsageError, type FlagSpec } from './flags.js';
import { readKubeconfig } from './kubeconfig.js';

export const AGENT_FLAGS: FlagSpec = {
  kubeconfig: { type: 'string', help: 'kubeconfig with the API server, its CA and a token (required)' },
  name: { type: 'string', help: 'the node name (required)' },
  runtime: { type: 'string', default: 'sim', help: 'default container runtime: sim, process or runc (pods pick another with spec.runtimeClassName)' },
  'insecure-registry': { type: 'string', repeatable: true, help: 'registry HOST:PORT that may be pulled from over plain HTTP (repeatable; loopback registries always may)' },
  'runc-path': { type: 'string', help: 'the runc binary, or a compatible one such as crun (default /usr/sbin/runc)' },
  'data-dir': { type: 'string', help: 'directory for the agent state (logs, volumes)' },
  'pod-cidr': { type: 'string', help: 'pod IP range of this node, e.g. 10.244.9.0/24 (default: the Node spec.podCIDR)' },
  'node-ip': { type: 'string', help: 'the node IP to report' },
  'kubelet-address': { type: 'string', default: '0.0.0.0', help: 'address the kubelet API (logs, exec, attach) listens on' },
  'kubelet-port': { type: 'number', default: 10250, help: 'port of the kubelet API (0: any free port)' },
  help: { type: 'boolean', help: 'show this help' },
};

export async function agent(argv: string[]): Promise<number> {
  const { flags } = parseFlags(argv, AGENT_FLAGS);
  if (flags.help) {
    console.log(usage('agent', AGENT_FLAGS));
    return 0;
  }
  if (!flags.kubeconfig) throw new UsageError('--kubeconfig is required');
  if (!flags.name) throw new UsageError('--name is required');
  const kc = readKubeconfig(String(flags.kubeconfig));
  const dataDir = flags['data-dir'] ? resolve(String(flags['data-dir'])) : undefined;
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const name = String(flags.name);
  const runtimes = nodeRuntimes(
    String(flags.runtime),
    {
      dataDir,
      sigtermExitMs: 500,
      insecureRegistries: (flags['insecure-registry'] as string[] | undefined) ?? [],
      runcPath: flags['runc-path'] ? resolveRuncPath(String(flags['runc-path'])) : undefined,
    },
    (m) => console.error(`kubelet ${name}: ${m}`),
  );
  const client = new RestClient({ server: kc.server, token: kc.token, caCert: kc.caCert, userAgent: 'kubelet/v1.32.4-k8ts' });
  const kubelet = new Kubelet({
    client,
    nodeName: name,
    runtime: runtimes.runtime,
    runtimes: runtimes.runtimes,
    createRuntime: runtimes.createRuntime,
    podCIDR: flags['pod-cidr'] ? String(flags['pod-cidr']) : undefined,
    nodeIP: flags['node-ip'] ? String(flags['node-ip']) : undefined,
    rootDir: dataDir,
    server: { host: String(flags['kubelet-address']), port: Number(flags['kubelet-port']), token: kc.token },
  });
  // The service proxy for a runc node (no DNS server: pods use the kube-dns Service, served by
  // `k8ts up`). Its own table, so an agent on the host of `k8ts up` leaves that one alone.
  const services = String(flags.runtime) === 'runc' ? await startNodeServices({ client, table: `k8ts-${name}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60) }) : undefined;
  await kubelet.start();
  console.log(`k8ts agent ${flags.name} is running against ${kc.server}`);
  await new Promise<void>((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });
  await kubelet.stop();
  await services?.stop();
  client.close();
  return 0;
}
