// Writes and reads the kubeconfig that points kubectl (and k8ts agents) at the cluster.

import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { stringify, parse } from 'yaml';

export interface KubeconfigInfo {
  server: string;
  caCert: string;
  token: string;
}

export function renderKubeconfig(k: KubeconfigInfo): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'k8ts', cluster: { server: k.server, 'certificate-authority-data': Buffer.from(k.caCert).toString('base64') } }],
    users: [{ name: 'k8ts-admin', user: { token: k.token } }],
    contexts: [{ name: 'k8ts', context: { cluster: 'k8ts', user: 'k8ts-admin', namespace: 'default' } }],
    'current-context': 'k8ts',
    preferences: {},
  });
}

/** Written atomically with mode 0600 (it holds the admin token). */
export function writeKubeconfig(path: string, k: KubeconfigInfo): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, renderKubeconfig(k), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

/** Reads server, CA and token of the current context, as a kubelet does from its kubeconfig. */
export function readKubeconfig(path: string): KubeconfigInfo {
  const doc = parse(readFileSync(path, 'utf8'));
  const ctxName = doc['current-context'];
  const ctx = (doc.contexts ?? []).find((c: { name: string }) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`${path}: no current context`);
  const cluster = (doc.clusters ?? []).find((c: { name: string }) => c.name === ctx.cluster)?.cluster;
  const user = (doc.users ?? []).find((u: { name: string }) => u.name === ctx.user)?.user;
  if (!cluster?.server) throw new Error(`${path}: context ${ctxName} has no cluster server`);
  const ca = cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8') : cluster['certificate-authority'] ? readFileSync(cluster['certificate-authority'], 'utf8') : '';
  const token = user?.token ?? (user?.tokenFile ? readFileSync(user.tokenFile, 'utf8').trim() : '');
  return { server: cluster.server, caCert: ca, token };
}
