// The EndpointSlices of a Service, reconciled from its pods (staging/src/k8s.io/endpointslice
// reconciler.go and utils.go, v1.32). Pure: given the Service, its pods, the nodes and the slices
// this controller owns, it says which slices to create, update and delete.
//
// Endpoints are grouped by their resolved port set (pods whose named targetPorts resolve
// differently land in different slices); a slice holds at most 100 endpoints. An endpoint that
// stays keeps its slice; new ones fill slices with room before new slices are made; a slice left
// empty is deleted. A Service without any endpoint keeps one placeholder slice (no endpoints, no
// ports), as upstream.

import { deepEqual } from '../../api/equality.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isPodReady } from '../shared/pod-utils.js';
import { findPort, HEADLESS_LABEL, isHeadless, LAST_CHANGE_TRIGGER_TIME, podIPForFamily, rfc3339Nano, serviceIPFamily, shouldPodBeInEndpoints, shouldSetHostname } from '../endpoint/pod-endpoints.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** names.MaxGeneratedNameLength */
const MAX_GENERATE_NAME_PREFIX = 58;

const o = (v: unknown): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.map(o) : []);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');

export interface SliceChanges {
  create: KObject[];
  update: KObject[];
  delete: KObject[];
}

/** getEndpointSlicePrefix: `<service>-`, cut to fit a generated name. */
export function slicePrefix(serviceName: string): string {
  const p = `${serviceName}-`;
  return p.length > MAX_GENERATE_NAME_PREFIX ? p.slice(0, MAX_GENERATE_NAME_PREFIX) : p;
}

/** setEndpointSliceLabels: the Service's labels (less the reserved ones) plus service name, manager and headless. */
export function sliceLabels(svc: KObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

export function ownerRefTo(svc: KObject): JsonObject {
  return { apiVersion: 'v1', kind: 'Service', name: svc.metadata.name, uid: svc.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** podToEndpoint */
export function podToEndpoint(pod: KObject, svc: KObject, ip: string, node: KObject | undefined): JsonObject {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  const ready = o(svc.spec).publishNotReadyAddresses === true || (serving && !terminating);
  const ep: JsonObject = {
    addresses: [ip],
    conditions: { ready, serving, terminating },
  };
  if (shouldSetHostname(pod, svc)) ep.hostname = o(pod.spec).hostname;
  ep.targetRef = { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid };
  const nodeName = s(o(pod.spec).nodeName);
  if (nodeName) {
    ep.nodeName = nodeName;
    const zone = node?.metadata.labels?.[ZONE_LABEL];
    if (zone) ep.zone = zone;
  }
  return ep;
}

/** getEndpointPorts: the Service's ports as this pod resolves them (unresolvable ones left out). */
export function endpointPorts(svc: KObject, pod: KObject): JsonObject[] {
  const out: JsonObject[] = [];
  for (const sp of list(o(svc.spec).ports)) {
    const n = findPort(pod, sp);
    if (n === undefined) continue;
    const p: JsonObject = { name: s(sp.name), port: n, protocol: s(sp.protocol) || 'TCP' };
    if (typeof sp.appProtocol === 'string') p.appProtocol = sp.appProtocol;
    out.push(p);
  }
  return out;
}

const portsKey = (ports: JsonObject[]) =>
  JSON.stringify(
    ports
      .map((p) => [s(p.name), p.port ?? null, s(p.protocol) || 'TCP', p.appProtocol ?? null])
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );

const endpointKey = (ep: JsonObject) => {
  const ref = o(ep.targetRef);
  return ref.name ? `${s(ref.namespace)}/${s(ref.name)}` : JSON.stringify(ep.addresses);
};

function ipSortKey(ep: JsonObject): string {
  const ip = s((ep.addresses as unknown[] | undefined)?.[0]);
  return ip.includes(':') ? ip : ip.split('.').map((n) => n.padStart(3, '0')).join('.');
}

interface Group {
  ports: JsonObject[];
  endpoints: Map<string, JsonObject>;
}

/** The endpoints the Service should have, grouped by port set. */
export function desiredGroups(svc: KObject, pods: readonly KObject[], nodeByName: (name: string) => KObject | undefined): Map<string, Group> {
  const family = serviceIPFamily(svc);
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ip = podIPForFamily(pod, family);
    if (!ip) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, endpoints: new Map() }));
    const ep = podToEndpoint(pod, svc, ip, nodeByName(s(o(pod.spec).nodeName)));
    g.endpoints.set(endpointKey(ep), ep);
  }
  return groups;
}

/**
 * What to write so that `existing` (the slices of this Service the controller manages) match
 * the pods. `triggerTime` goes into the last-change-trigger-time annotation of written slices.
 */
export function reconcileSlices(
  svc: KObject,
  pods: readonly KObject[],
  nodeByName: (name: string) => KObject | undefined,
  existing: readonly KObject[],
  triggerTime: string | undefined,
  maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
): SliceChanges {
  const addressType = serviceIPFamily(svc);
  const labels = sliceLabels(svc);
  const groups = desiredGroups(svc, pods, nodeByName);
  const changes: SliceChanges = { create: [], update: [], delete: [] };
  const stamp = (slice: KObject) => {
    const annotations: Record<string, string> = { ...(slice.metadata.annotations ?? {}) };
    if (triggerTime) annotations[LAST_CHANGE_TRIGGER_TIME] = rfc3339Nano(triggerTime);
    else delete annotations[LAST_CHANGE_TRIGGER_TIME];
    if (Object.keys(annotations).length) slice.metadata.annotations = annotations;
    else delete slice.metadata.annotations;
    slice.metadata.labels = { ...labels };
    return slice;
  };
  const newSlice = (ports: JsonObject[], endpoints: JsonObject[]): KObject =>
    stamp({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { generateName: slicePrefix(svc.metadata.name!), namespace: svc.metadata.namespace, ownerReferences: [ownerRefTo(svc)] as never },
      addressType,
      endpoints,
      ports: structuredClone(ports),
    });

  let total = 0;
  for (const g of groups.values()) total += g.endpoints.size;
  const ofType = existing.filter((sl) => sl.addressType === addressType);
  for (const sl of existing) if (sl.addressType !== addressType) changes.delete.push(sl);

  if (total === 0) {
    // One placeholder: keep an existing empty one, else create it.
    const keep = ofType.find((sl) => list(sl.endpoints).length === 0 && list(sl.ports).length === 0);
    for (const sl of ofType) if (sl !== keep) changes.delete.push(sl);
    if (!keep) changes.create.push(newSlice([], []));
    else if (!deepEqual(keep.metadata.labels ?? {}, labels)) changes.update.push(stamp(structuredClone(keep)));
    return changes;
  }

  const placed = new Set<string>();
  // Slices still in use after their stale endpoints are dropped, with room to fill, per port set.
  const kept = new Map<string, { slice: KObject; changed: boolean }[]>();
  for (const sl of ofType) {
    const key = portsKey(list(sl.ports));
    const g = groups.get(key);
    if (!g) {
      changes.delete.push(sl);
      continue;
    }
    const eps: JsonObject[] = [];
    for (const ep of list(sl.endpoints)) {
      const k = endpointKey(ep);
      const want = g.endpoints.get(k);
      if (!want || placed.has(`${key}\u0000${k}`) || eps.length >= maxPerSlice) continue;
      placed.add(`${key}\u0000${k}`);
      eps.push(want);
    }
    if (eps.length === 0) {
      changes.delete.push(sl);
      continue;
    }
    const changed = !deepEqual(eps, sl.endpoints) || !deepEqual(sl.metadata.labels ?? {}, labels);
    const next = structuredClone(sl);
    next.endpoints = eps;
    let arr = kept.get(key);
    if (!arr) kept.set(key, (arr = []));
    arr.push({ slice: next, changed });
  }

  for (const [key, g] of groups) {
    const missing = [...g.endpoints.entries()].filter(([k]) => !placed.has(`${key}\u0000${k}`)).map(([, ep]) => ep);
    missing.sort((a, b) => (ipSortKey(a) < ipSortKey(b) ? -1 : ipSortKey(a) > ipSortKey(b) ? 1 : 0));
    const slices = kept.get(key) ?? [];
    // Fill slices that are being written anyway first, then the others with room.
    slices.sort((a, b) => Number(b.changed) - Number(a.changed));
    for (const entry of slices) {
      const eps = entry.slice.endpoints as JsonObject[];
      while (missing.length && eps.length < maxPerSlice) {
        eps.push(missing.shift()!);
        entry.changed = true;
      }
    }
    while (missing.length) changes.create.push(newSlice(g.ports, missing.splice(0, maxPerSlice)));
    for (const entry of slices) if (entry.changed) changes.update.push(stamp(entry.slice));
  }
  return changes;
}
