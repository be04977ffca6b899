// The service proxy's nftables ruleset (the shape of upstream kube-proxy's nftables mode, much
// reduced), rendered as one `nft -f` script that replaces the whole table atomically:
//
//   add table ip k8ts / delete table ip k8ts / table ip k8ts { ... }
//
// - nat prerouting (traffic from pods) and nat output (from the node itself) look the
//   destination (ClusterIP . protocol . port) up in the map `service-ips`, whose verdict jumps
//   to the service port's chain; that chain picks an endpoint at random
//   (`numgen random mod N vmap`) and the endpoint's chain DNATs to it;
// - nat postrouting masquerades connections that were DNATed from one of our ClusterIPs, so the
//   replies come back through the node (needed when client and endpoint share the bridge, and
//   when a pod reaches itself through its Service);
// - filter forward and output reject new connections to a service port without ready endpoints
//   (TCP reset, ICMP port unreachable for UDP), so clients fail at once instead of timing out.
//   `reject` is only allowed in filter chains, hence these two.
// Other ClusterIP traffic is left alone. Nothing outside the table is touched.

import { createHash } from 'node:crypto';
import type { ServiceInfo } from './service-model.js';

export const DEFAULT_TABLE = 'k8ts';

function chainId(...parts: (string | number)[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 16);
}

const PROTO: Record<string, string> = { TCP: 'tcp', UDP: 'udp' };

/** The `nft -f` script for `services`; an empty table (no services) is still created. */
export function renderRuleset(services: ServiceInfo[], table = DEFAULT_TABLE): string {
  const dispatch: string[] = [];
  const noEndpoints: string[] = [];
  const clusterIPs = new Set<string>();
  const chains: string[] = [];
  for (const svc of services) {
    if (!svc.clusterIP) continue;
    for (const p of svc.ports) {
      const proto = PROTO[p.protocol];
      if (!proto) continue; // SCTP: not proxied
      clusterIPs.add(svc.clusterIP);
      const key = `${svc.clusterIP} . ${proto} . ${p.port}`;
      const comment = `${svc.namespace}/${svc.name}:${p.name || p.port}/${proto}`;
      if (!p.endpoints.length) {
        noEndpoints.push(`${key} : goto reject-${proto}`);
        continue;
      }
      const svcChain = `svc-${chainId(svc.namespace, svc.name, p.protocol, p.port)}`;
      dispatch.push(`${key} : goto ${svcChain}`);
      const eps = p.endpoints.map((ep) => {
        const epChain = `ep-${chainId(svc.namespace, svc.name, p.protocol, p.port, ep.ip, ep.port)}`;
        chains.push(`\tchain ${epChain} {\n\t\tmeta l4proto ${proto} dnat to ${ep.ip}:${ep.port}\n\t}`);
        return epChain;
      });
      const pick = eps.length === 1 ? `goto ${eps[0]}` : `numgen random mod ${eps.length} vmap { ${eps.map((c, i) => `${i} : goto ${c}`).join(', ')} }`;
      chains.push(`\t# ${comment}\n\tchain ${svcChain} {\n\t\t${pick}\n\t}`);
    }
  }
  const elements = (xs: Iterable<string>) => {
    const list = [...xs];
    return list.length ? `\t\telements = { ${list.join(',\n\t\t\t     ')} }\n` : '';
  };
  const lookup = 'ip daddr . meta l4proto . th dport';
  return [
    `add table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    `\tset cluster-ips {\n\t\ttype ipv4_addr\n${elements(clusterIPs)}\t}`,
    `\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n${elements(dispatch)}\t}`,
    `\tmap no-endpoint-services {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n${elements(noEndpoints)}\t}`,
    `\tchain reject-tcp {\n\t\treject with tcp reset\n\t}`,
    `\tchain reject-udp {\n\t\treject\n\t}`,
    `\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\t${lookup} vmap @service-ips\n\t}`,
    `\tchain nat-output {\n\t\ttype nat hook output priority -100; policy accept;\n\t\t${lookup} vmap @service-ips\n\t}`,
    `\tchain nat-postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\tct status dnat ct original ip daddr @cluster-ips masquerade\n\t}`,
    `\tchain filter-forward {\n\t\ttype filter hook forward priority -10; policy accept;\n\t\tct state new ${lookup} vmap @no-endpoint-services\n\t}`,
    `\tchain filter-output {\n\t\ttype filter hook output priority -10; policy accept;\n\t\tct state new ${lookup} vmap @no-endpoint-services\n\t}`,
    ...chains,
    '}',
    '',
  ].join('\n');
}

/** The script that removes the table (ignoring that it may be gone already). */
export function renderDelete(table = DEFAULT_TABLE): string {
  return `add table ip ${table}\ndelete table ip ${table}\n`;
}
