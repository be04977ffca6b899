// Discovery documents, all generated from the resource table: legacy (/api, /apis, /api/v1,
// /apis/G/V) and aggregated (apidiscovery.k8s.io v2 and v2beta1, chosen by the Accept header).

import { createHash } from 'node:crypto';
import type { KindDef } from '../kinds/types.js';
import { type ResourceTable, verbsOf } from './resources.js';

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** Which aggregated discovery version the client asked for first, if any. */
export function aggregatedVersion(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('g=apidiscovery.k8s.io') || !p.includes('as=APIGroupDiscoveryList')) {
      if (p.startsWith('application/json') || p.startsWith('*/*')) return undefined;
      continue;
    }
    if (p.includes('v=v2beta1')) return 'v2beta1';
    if (p.includes('v=v2')) return 'v2';
  }
  return undefined;
}

function storageVersionHash(k: KindDef): string {
  return createHash('sha256').update(`${k.group}/${k.version}/${k.kind}`).digest('base64').slice(0, 11);
}

function subresourcesOf(k: KindDef): { name: string; verbs: string[]; kind: { group: string; version: string; kind: string } }[] {
  const out: { name: string; verbs: string[]; kind: { group: string; version: string; kind: string } }[] = [];
  const self = { group: k.group, version: k.version, kind: k.kind };
  if (k.status) out.push({ name: 'status', verbs: ['get', 'patch', 'update'], kind: self });
  if (k.scale) out.push({ name: 'scale', verbs: ['get', 'patch', 'update'], kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' } });
  for (const s of k.extraSubresources ?? []) out.push({ name: s.name, verbs: s.verbs, kind: s.kind ?? self });
  return out;
}

export function apiVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(group: string, versions: string[]): object {
  const vs = versions.map((v) => ({ groupVersion: `${group}/${v}`, version: v }));
  return { name: group, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(table: ResourceTable): object {
  const byGroup = new Map<string, string[]>();
  for (const gv of table.groupVersions()) {
    if (gv.group === '') continue;
    byGroup.set(gv.group, [...(byGroup.get(gv.group) ?? []), gv.version]);
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...byGroup].map(([g, vs]) => groupEntry(g, vs)) };
}

export function apiGroup(table: ResourceTable, group: string): object | undefined {
  const vs = table.groupVersions().filter((gv) => gv.group === group).map((gv) => gv.version);
  if (!vs.length) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, vs) };
}

export function apiResourceList(table: ResourceTable, group: string, version: string): object | undefined {
  const kinds = table.kindsOf(group, version);
  if (!kinds.length) return undefined;
  const resources: object[] = [];
  for (const k of kinds) {
    const r: Record<string, unknown> = {
      name: k.plural,
      singularName: k.singular,
      namespaced: k.namespaced,
      kind: k.kind,
      verbs: verbsOf(k),
    };
    if (k.shortNames?.length) r.shortNames = k.shortNames;
    if (k.categories?.length) r.categories = k.categories;
    r.storageVersionHash = storageVersionHash(k);
    resources.push(r);
    for (const s of subresourcesOf(k)) {
      const sr: Record<string, unknown> = { name: `${k.plural}/${s.name}`, singularName: '', namespaced: k.namespaced, kind: s.kind.kind, verbs: s.verbs };
      if (s.kind.group !== k.group || s.kind.version !== k.version) {
        sr.group = s.kind.group;
        sr.version = s.kind.version;
      }
      resources.push(sr);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

function aggregatedResource(k: KindDef): object {
  const r: Record<string, unknown> = {
    resource: k.plural,
    responseKind: { group: k.group, version: k.version, kind: k.kind },
    scope: k.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: k.singular,
    verbs: verbsOf(k),
  };
  if (k.shortNames?.length) r.shortNames = k.shortNames;
  if (k.categories?.length) r.categories = k.categories;
  const subs = subresourcesOf(k);
  if (subs.length) r.subresources = subs.map((s) => ({ subresource: s.name, responseKind: s.kind, verbs: s.verbs }));
  return r;
}

/** The aggregated discovery document for /api (core only) or /apis (every other group). */
export function aggregatedDiscovery(table: ResourceTable, core: boolean, version: 'v2' | 'v2beta1'): object {
  const groups = new Map<string, { version: string; resources: object[] }[]>();
  for (const gv of table.groupVersions()) {
    if ((gv.group === '') !== core) continue;
    const list = groups.get(gv.group) ?? [];
    list.push({ version: gv.version, resources: table.kindsOf(gv.group, gv.version).map(aggregatedResource) });
    groups.set(gv.group, list);
  }
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: [...groups].map(([g, versions]) => ({
      metadata: { name: g },
      versions: versions.map((v) => ({ version: v.version, resources: v.resources, freshness: 'Current' })),
    })),
  };
}
