// The names the cluster DNS server answers itself (upstream's DNS specification for Services and
// Pods, as CoreDNS' kubernetes plugin serves it), computed from the proxy's service model:
//   <svc>.<ns>.svc.<domain>                A: the ClusterIP; headless: the ready endpoint IPs
//   <host>.<svc>.<ns>.svc.<domain>         A: a headless Service's endpoint (hostname or dashed IP)
//   _<port>._<proto>.<svc>.<ns>.svc.<domain>  SRV: the named port, target the Service (or endpoints)
//   <a-b-c-d>.<ns>.pod.<domain>            A: a.b.c.d (any IP, like CoreDNS' `pods insecure`)
//   d.c.b.a.in-addr.arpa                   PTR: for ClusterIPs and headless endpoints
// A name in the cluster domain that exists but has no record of the asked type answers NOERROR
// without answers; one that does not exist answers NXDOMAIN; both carry the zone's SOA. Other
// names (and unknown reverse names) are not ours: the caller forwards them.

import type { ServiceInfo } from '../service-model.js';
import { RCODE, TYPE, type Question, type ResourceRecord } from './wire.js';

export const DEFAULT_DOMAIN = 'cluster.local';
const TTL = 5;

export interface Answer {
  rcode: number;
  answers: ResourceRecord[];
  authority: ResourceRecord[];
}

const dashed = (ip: string) => ip.replace(/\./g, '-');

export class ClusterRecords {
  private readonly byName = new Map<string, ServiceInfo>();
  private readonly reverse = new Map<string, string>();

  constructor(
    services: ServiceInfo[],
    private readonly domain = DEFAULT_DOMAIN,
  ) {
    for (const s of services) {
      const fqdn = `${s.name}.${s.namespace}.svc.${domain}`;
      this.byName.set(`${s.name}.${s.namespace}`, s);
      if (s.clusterIP) this.reverse.set(s.clusterIP, fqdn);
      if (s.headless) for (const a of s.readyAddresses) this.reverse.set(a.ip, `${a.hostname ?? dashed(a.ip)}.${fqdn}`);
    }
  }

  private soa(): ResourceRecord {
    return { name: this.domain, ttl: TTL, type: TYPE.SOA, mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: TTL };
  }

  private noData(): Answer {
    return { rcode: RCODE.NOERROR, answers: [], authority: [this.soa()] };
  }

  private nxDomain(): Answer {
    return { rcode: RCODE.NXDOMAIN, answers: [], authority: [this.soa()] };
  }

  private records(name: string, q: Question, found: ResourceRecord[]): Answer {
    const want = found.filter((r) => q.type === TYPE.ANY || r.type === q.type);
    return want.length ? { rcode: RCODE.NOERROR, answers: want.map((r) => ({ ...r, name })), authority: [] } : this.noData();
  }

  /** The answer for `q`, or undefined when the name is not the cluster's (forward it). */
  answer(q: Question): Answer | undefined {
    const name = q.name.toLowerCase().replace(/\.$/, '');
    if (name.endsWith('.in-addr.arpa')) return this.answerReverse(name, q);
    if (name !== this.domain && !name.endsWith(`.${this.domain}`)) return undefined;
    if (name === this.domain && q.type === TYPE.SOA) return { rcode: RCODE.NOERROR, answers: [this.soa()], authority: [] };
    const labels = name === this.domain ? [] : name.slice(0, -this.domain.length - 1).split('.');
    const n = labels.length;
    if (n === 0) return this.noData();
    const kind = labels[n - 1];
    if (kind === 'pod') {
      if (n === 1 || n === 2) return this.noData();
      if (n !== 3) return this.nxDomain();
      const ip = labels[0].replace(/-/g, '.');
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || ip.split('.').some((o) => Number(o) > 255)) return this.nxDomain();
      return this.records(name, q, [{ name, ttl: TTL, type: TYPE.A, address: ip }]);
    }
    if (kind !== 'svc') return this.nxDomain();
    if (n === 1) return this.noData();
    const ns = labels[n - 2];
    if (n === 2) return [...this.byName.values()].some((s) => s.namespace === ns) ? this.noData() : this.nxDomain();
    const svc = this.byName.get(`${labels[n - 3]}.${ns}`);
    if (!svc) return this.nxDomain();
    const fqdn = `${svc.name}.${svc.namespace}.svc.${this.domain}`;
    if (n === 3) {
      const addrs = svc.headless ? svc.readyAddresses.map((a) => a.ip) : svc.clusterIP ? [svc.clusterIP] : [];
      return this.records(name, q, addrs.map((address) => ({ name, ttl: TTL, type: TYPE.A, address })));
    }
    if (n === 5 && labels[0].startsWith('_') && labels[1].startsWith('_')) {
      const port = svc.ports.find((p) => p.name && `_${p.name}` === labels[0] && `_${p.protocol.toLowerCase()}` === labels[1]);
      if (!port) return this.nxDomain();
      const targets = svc.headless
        ? port.endpoints.map((e) => ({ target: `${e.hostname ?? dashed(e.ip)}.${fqdn}`, port: e.port }))
        : [{ target: fqdn, port: port.port }];
      return this.records(name, q, targets.map((t) => ({ name, ttl: TTL, type: TYPE.SRV, priority: 0, weight: Math.floor(100 / targets.length), port: t.port, target: t.target })));
    }
    if (n === 4 && svc.headless) {
      const ep = svc.readyAddresses.find((a) => (a.hostname ?? dashed(a.ip)) === labels[0] || dashed(a.ip) === labels[0]);
      if (ep) return this.records(name, q, [{ name, ttl: TTL, type: TYPE.A, address: ep.ip }]);
    }
    return this.nxDomain();
  }

  private answerReverse(name: string, q: Question): Answer | undefined {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    const ip = parts.reverse().join('.');
    const target = this.reverse.get(ip);
    if (!target) return undefined;
    return this.records(name, q, [{ name, ttl: TTL, type: TYPE.PTR, target }]);
  }
}
