// The DNS configuration of a pod's sandbox (upstream's kubelet pkg/kubelet/network/dns,
// GetPodDNS), handed to the runtime, which writes it as the pod's resolv.conf:
// - ClusterFirst (the default), and ClusterFirstWithHostNet for hostNetwork pods: the cluster
//   DNS servers, searches `<ns>.svc.<domain> svc.<domain> <domain>` then the node's, `ndots:5`;
//   without cluster DNS configured the kubelet falls back to Default, as upstream does;
// - ClusterFirst for a hostNetwork pod, and Default: the node's resolv.conf;
// - None: only spec.dnsConfig.
// spec.dnsConfig is merged into every policy: servers and searches appended (duplicates
// dropped), options by name (the pod's win).
// `undefined` means "the node's resolv.conf, unchanged" (the runtime's default).

import type { KObject } from '../api/types.js';
import type { DnsConfig } from './runtime/runtime.js';

export interface ClusterDnsSettings {
  /** ClusterIPs of the cluster DNS Service (kubelet --cluster-dns); empty: no cluster DNS. */
  clusterDNS?: string[];
  clusterDomain?: string;
}

interface PodDnsSpec {
  dnsPolicy?: string;
  hostNetwork?: boolean;
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
}

const MAX_SEARCHES = 32;

/** Parses the servers, searches and options of a resolv.conf (loopback servers dropped: pods cannot reach them). */
export function parseResolvConf(text: string): DnsConfig {
  const out: DnsConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.replace(/[#;].*/, '').trim().split(/\s+/);
    if (key === 'nameserver' && rest[0] && !/^(127\.|::1$)/.test(rest[0])) out.servers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

export function podDnsConfig(pod: KObject, cluster: ClusterDnsSettings, nodeResolvConf: () => string): DnsConfig | undefined {
  const s = ((pod as { spec?: PodDnsSpec }).spec ?? {}) as PodDnsSpec;
  const ns = pod.metadata.namespace ?? 'default';
  const domain = cluster.clusterDomain ?? 'cluster.local';
  let policy = s.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'ClusterFirst' && s.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  if (policy === 'ClusterFirst' && !cluster.clusterDNS?.length) policy = 'Default';
  const extra = s.dnsConfig;
  let base: DnsConfig;
  if (policy === 'None') base = { servers: [], searches: [], options: [] };
  else if (policy === 'Default') {
    if (!extra) return undefined;
    base = parseResolvConf(nodeResolvConf());
  } else {
    const node = parseResolvConf(nodeResolvConf());
    base = { servers: [...cluster.clusterDNS!], searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain, ...node.searches], options: ['ndots:5'] };
  }
  const uniq = (xs: string[]) => [...new Set(xs)];
  const options = new Map<string, string>();
  for (const o of base.options) options.set(o.split(':')[0], o);
  for (const o of extra?.options ?? []) options.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return {
    servers: uniq([...base.servers, ...(extra?.nameservers ?? [])]),
    searches: uniq([...base.searches, ...(extra?.searches ?? [])]).slice(0, MAX_SEARCHES),
    options: [...options.values()],
  };
}

/** resolv.conf text of a DNS configuration, as containerd's CRI plugin writes it. */
export function renderResolvConf(c: DnsConfig): string {
  let out = '';
  if (c.searches.length) out += `search ${c.searches.join(' ')}\n`;
  for (const s of c.servers) out += `nameserver ${s}\n`;
  if (c.options.length) out += `options ${c.options.join(' ')}\n`;
  return out;
}
