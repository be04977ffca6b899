// The Endpoints object of a Service, computed from its pods (pkg/controller/endpoint
// syncService, v1.32, with pkg/api/v1/endpoints RepackSubsets and the controller's
// truncateEndpoints). Pure functions; the controller (endpoints-controller.ts) writes the result.

import type { JsonObject, KObject } from '../../api/types.js';
import { isPodReady } from '../shared/pod-utils.js';
import { findPort, isHeadless, podIPForFamily, serviceIPFamily, shouldPodBeInEndpoints, shouldSetHostname } from './pod-endpoints.js';

export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';

export interface EndpointAddress extends JsonObject {
  ip: string;
}
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: JsonObject[];
}

const o = (v: unknown): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.map(o) : []);

function podAddress(pod: KObject, ip: string, svc: KObject): EndpointAddress {
  const a: EndpointAddress = { ip };
  if (shouldSetHostname(pod, svc)) a.hostname = o(pod.spec).hostname;
  const node = o(pod.spec).nodeName;
  if (typeof node === 'string' && node) a.nodeName = node;
  a.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  return a;
}

function endpointPort(sp: JsonObject, port: number): JsonObject {
  const p: JsonObject = {};
  if (typeof sp.name === 'string' && sp.name) p.name = sp.name;
  p.port = port;
  p.protocol = typeof sp.protocol === 'string' && sp.protocol ? sp.protocol : 'TCP';
  if (typeof sp.appProtocol === 'string') p.appProtocol = sp.appProtocol;
  return p;
}

/** Bytes of an IP for ordering (LessEndpointAddress compares IPs, then target UIDs). */
function ipOrder(ip: string): string {
  if (!ip.includes(':')) return ip.split('.').map((n) => n.padStart(3, '0')).join('.');
  return ip;
}

function lessAddress(a: EndpointAddress, b: EndpointAddress): number {
  const x = ipOrder(a.ip);
  const y = ipOrder(b.ip);
  if (x !== y) return x < y ? -1 : 1;
  const ua = String(o(a.targetRef).uid ?? '');
  const ub = String(o(b.targetRef).uid ?? '');
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

const portKey = (p: JsonObject) => `${p.name ?? ''}\u0000${p.port}\u0000${p.protocol}\u0000${p.appProtocol ?? ''}`;

/**
 * RepackSubsets: every (address, readiness) is offered on some ports; addresses offering the
 * same set of ports share one subset. Addresses, ports and subsets come out sorted.
 */
export function repackSubsets(entries: { address: EndpointAddress; ready: boolean; port?: JsonObject }[]): EndpointSubset[] {
  const addrKey = (a: EndpointAddress, ready: boolean) => `${a.ip}\u0000${String(o(a.targetRef).uid ?? '')}\u0000${ready}`;
  const addrs = new Map<string, { address: EndpointAddress; ready: boolean }>();
  const byPort = new Map<string, { port?: JsonObject; addrs: Set<string> }>();
  for (const e of entries) {
    const ak = addrKey(e.address, e.ready);
    if (!addrs.has(ak)) addrs.set(ak, { address: e.address, ready: e.ready });
    const pk = e.port ? portKey(e.port) : '\u0000sentinel';
    let slot = byPort.get(pk);
    if (!slot) byPort.set(pk, (slot = { port: e.port, addrs: new Set() }));
    slot.addrs.add(ak);
  }
  const groups = new Map<string, { addrs: string[]; ports: JsonObject[] }>();
  for (const { port, addrs: set } of byPort.values()) {
    const keys = [...set].sort();
    const gk = keys.join('\u0001');
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { addrs: keys, ports: [] }));
    if (port) g.ports.push(port);
  }
  const subsets: EndpointSubset[] = [];
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const k of g.addrs) {
      const a = addrs.get(k)!;
      (a.ready ? ready : notReady).push(a.address);
    }
    const ss: EndpointSubset = {};
    if (ready.length) ss.addresses = ready.sort(lessAddress);
    if (notReady.length) ss.notReadyAddresses = notReady.sort(lessAddress);
    if (g.ports.length) ss.ports = g.ports.sort((a, b) => (portKey(a) < portKey(b) ? -1 : portKey(a) > portKey(b) ? 1 : 0));
    subsets.push(ss);
  }
  const first = (ss: EndpointSubset) => ss.addresses?.[0] ?? ss.notReadyAddresses?.[0];
  return subsets.sort((a, b) => {
    const fa = first(a);
    const fb = first(b);
    const c = fa && fb ? lessAddress(fa, fb) : 0;
    if (c !== 0) return c;
    return JSON.stringify(a.ports ?? []) < JSON.stringify(b.ports ?? []) ? -1 : 1;
  });
}

/** The subsets of the Service's Endpoints for these pods (the Service's namespace, matching its selector). */
export function computeSubsets(svc: KObject, pods: readonly KObject[]): EndpointSubset[] {
  const spec = o(svc.spec);
  const tolerateUnready = spec.publishNotReadyAddresses === true;
  const family = serviceIPFamily(svc);
  const ports = list(spec.ports);
  const entries: { address: EndpointAddress; ready: boolean; port?: JsonObject }[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const ip = podIPForFamily(pod, family);
    if (!ip) continue;
    const address = podAddress(pod, ip, svc);
    const ready = tolerateUnready || isPodReady(pod);
    if (ports.length === 0) {
      // Headless services may have no ports: the address is listed without any.
      if (isHeadless(svc)) entries.push({ address, ready });
      continue;
    }
    for (const sp of ports) {
      const n = findPort(pod, sp);
      if (n === undefined) continue;
      entries.push({ address, ready, port: endpointPort(sp, n) });
    }
  }
  return repackSubsets(entries);
}

/**
 * truncateEndpoints: at most 1000 addresses, spread over the subsets in proportion, ready ones
 * first (not-ready ones go before any ready one does). Returns whether anything was cut.
 */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): boolean {
  let totalReady = 0;
  let totalNotReady = 0;
  for (const ss of subsets) {
    totalReady += ss.addresses?.length ?? 0;
    totalNotReady += ss.notReadyAddresses?.length ?? 0;
  }
  if (totalReady + totalNotReady <= max) return false;
  const truncateReady = totalReady > max;
  const room = truncateReady ? max : max - totalReady;
  const numTotal = truncateReady ? totalReady : totalNotReady;
  let canBeAdded = room;
  for (const ss of subsets) {
    const inSubset = truncateReady ? (ss.addresses?.length ?? 0) : (ss.notReadyAddresses?.length ?? 0);
    const toBeAdded = Math.min(Math.ceil((inSubset / numTotal) * room), canBeAdded);
    if (truncateReady) {
      ss.addresses = (ss.addresses ?? []).slice(0, toBeAdded);
      delete ss.notReadyAddresses;
      canBeAdded -= ss.addresses.length;
    } else {
      ss.notReadyAddresses = (ss.notReadyAddresses ?? []).slice(0, toBeAdded);
      canBeAdded -= ss.notReadyAddresses.length;
    }
    if (ss.addresses?.length === 0) delete ss.addresses;
    if (ss.notReadyAddresses?.length === 0) delete ss.notReadyAddresses;
  }
  // A subset left without any address is dropped (validation requires one).
  for (let i = subsets.length - 1; i >= 0; i--) if (!subsets[i]!.addresses && !subsets[i]!.notReadyAddresses) subsets.splice(i, 1);
  return true;
}
