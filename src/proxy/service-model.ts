// What the proxy and the cluster DNS server read from Services and EndpointSlices: per Service
// its ClusterIP and ports, and per port the ready endpoints (address and target port), joined
// like upstream's kube-proxy does (slices by the `kubernetes.io/service-name` label, slice ports
// by name and protocol; a missing `ready` condition counts as ready; terminating endpoints are
// not used).

import type { KObject } from '../api/types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export interface Endpoint {
  ip: string;
  port: number;
  hostname?: string;
}

export interface ServicePort {
  name: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
  endpoints: Endpoint[];
}

export interface ServiceInfo {
  namespace: string;
  name: string;
  /** '' for headless Services (clusterIP None) and ExternalName ones. */
  clusterIP: string;
  headless: boolean;
  externalName?: string;
  ports: ServicePort[];
  /** Ready endpoint addresses of any port (headless DNS answers); with hostnames when set. */
  readyAddresses: { ip: string; hostname?: string }[];
}

interface SliceEndpoint {
  addresses?: string[];
  hostname?: string;
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
}

interface SlicePort {
  name?: string;
  port?: number;
  protocol?: string;
}

const isIPv4 = (s: string) => /^\d+\.\d+\.\d+\.\d+$/.test(s);

/** Joins Services with their EndpointSlices (IPv4 only: the pod networks are IPv4). */
export function buildServices(services: KObject[], slices: KObject[]): ServiceInfo[] {
  const byService = new Map<string, KObject[]>();
  for (const s of slices) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc || (s as { addressType?: string }).addressType !== 'IPv4') continue;
    const key = `${s.metadata.namespace}/${svc}`;
    let list = byService.get(key);
    if (!list) byService.set(key, (list = []));
    list.push(s);
  }
  const out: ServiceInfo[] = [];
  for (const svc of services) {
    const spec = (svc as { spec?: { type?: string; clusterIP?: string; externalName?: string; ports?: { name?: string; port: number; protocol?: string }[] } }).spec ?? {};
    const namespace = svc.metadata.namespace ?? 'default';
    const name = svc.metadata.name!;
    const mySlices = byService.get(`${namespace}/${name}`) ?? [];
    const clusterIP = spec.clusterIP && isIPv4(spec.clusterIP) && spec.type !== 'ExternalName' ? spec.clusterIP : '';
    const ready = new Map<string, string | undefined>();
    const ports: ServicePort[] = (spec.ports ?? []).map((p) => {
      const protocol = (p.protocol ?? 'TCP') as ServicePort['protocol'];
      const portName = p.name ?? '';
      const endpoints: Endpoint[] = [];
      const seen = new Set<string>();
      for (const slice of mySlices) {
        const sp = ((slice as { ports?: SlicePort[] }).ports ?? []).find((x) => (x.name ?? '') === portName && (x.protocol ?? 'TCP') === protocol);
        if (!sp?.port) continue;
        for (const ep of (slice as { endpoints?: SliceEndpoint[] }).endpoints ?? []) {
          if (ep.conditions?.ready === false || ep.conditions?.terminating === true) continue;
          const ip = ep.addresses?.[0];
          if (!ip || seen.has(`${ip}:${sp.port}`)) continue;
          seen.add(`${ip}:${sp.port}`);
          endpoints.push({ ip, port: sp.port, hostname: ep.hostname });
        }
      }
      endpoints.sort((a, b) => (a.ip === b.ip ? a.port - b.port : a.ip < b.ip ? -1 : 1));
      return { name: portName, protocol, port: p.port, endpoints };
    });
    // Headless Services without ports still publish their ready addresses in DNS.
    for (const slice of mySlices) {
      for (const ep of (slice as { endpoints?: SliceEndpoint[] }).endpoints ?? []) {
        if (ep.conditions?.ready === false || ep.conditions?.terminating === true) continue;
        if (ep.addresses?.[0]) ready.set(ep.addresses[0], ep.hostname);
      }
    }
    out.push({
      namespace,
      name,
      clusterIP,
      headless: spec.clusterIP === 'None',
      externalName: spec.type === 'ExternalName' ? spec.externalName : undefined,
      ports,
      readyAddresses: [...ready].map(([ip, hostname]) => ({ ip, hostname })).sort((a, b) => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0)),
    });
  }
  return out.sort((a, b) => (`${a.namespace}/${a.name}` < `${b.namespace}/${b.name}` ? -1 : 1));
}
