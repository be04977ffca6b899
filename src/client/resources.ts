// Typed access to one resource over the REST client: paths built from group/version/plural.

import type { KObject } from '../api/types.js';
import type { RestClient, WatchEvent, WatchHandle } from './rest-client.js';

export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
}

export const R = {
  pods: { group: '', version: 'v1', plural: 'pods', namespaced: true },
  nodes: { group: '', version: 'v1', plural: 'nodes', namespaced: false },
  namespaces: { group: '', version: 'v1', plural: 'namespaces', namespaced: false },
  events: { group: '', version: 'v1', plural: 'events', namespaced: true },
  replicationcontrollers: { group: '', version: 'v1', plural: 'replicationcontrollers', namespaced: true },
  persistentvolumeclaims: { group: '', version: 'v1', plural: 'persistentvolumeclaims', namespaced: true },
  persistentvolumes: { group: '', version: 'v1', plural: 'persistentvolumes', namespaced: false },
  configmaps: { group: '', version: 'v1', plural: 'configmaps', namespaced: true },
  secrets: { group: '', version: 'v1', plural: 'secrets', namespaced: true },
  serviceaccounts: { group: '', version: 'v1', plural: 'serviceaccounts', namespaced: true },
  services: { group: '', version: 'v1', plural: 'services', namespaced: true },
  endpoints: { group: '', version: 'v1', plural: 'endpoints', namespaced: true },
  endpointslices: { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', namespaced: true },
  deployments: { group: 'apps', version: 'v1', plural: 'deployments', namespaced: true },
  replicasets: { group: 'apps', version: 'v1', plural: 'replicasets', namespaced: true },
  daemonsets: { group: 'apps', version: 'v1', plural: 'daemonsets', namespaced: true },
  statefulsets: { group: 'apps', version: 'v1', plural: 'statefulsets', namespaced: true },
  controllerrevisions: { group: 'apps', version: 'v1', plural: 'controllerrevisions', namespaced: true },
  jobs: { group: 'batch', version: 'v1', plural: 'jobs', namespaced: true },
  cronjobs: { group: 'batch', version: 'v1', plural: 'cronjobs', namespaced: true },
  poddisruptionbudgets: { group: 'policy', version: 'v1', plural: 'poddisruptionbudgets', namespaced: true },
  leases: { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', namespaced: true },
  runtimeclasses: { group: 'node.k8s.io', version: 'v1', plural: 'runtimeclasses', namespaced: false },
  storageclasses: { group: 'storage.k8s.io', version: 'v1', plural: 'storageclasses', namespaced: false },
} satisfies Record<string, ResourceRef>;

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
}

export interface ObjectList<T = KObject> {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';
const PATCH_CONTENT: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export class ResourceClient<T extends KObject = KObject> {
  constructor(
    readonly client: RestClient,
    readonly ref: ResourceRef,
  ) {}

  /** The collection path (namespace `undefined` = all namespaces, or cluster-scoped). */
  path(namespace?: string, name?: string, subresource?: string): string {
    const base = this.ref.group ? `/apis/${this.ref.group}/${this.ref.version}` : `/api/${this.ref.version}`;
    let p = this.ref.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${this.ref.plural}` : `${base}/${this.ref.plural}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  get(namespace: string | undefined, name: string): Promise<T> {
    return this.client.request<T>('GET', this.path(namespace, name));
  }

  list(namespace?: string, o: ListOptions = {}): Promise<ObjectList<T>> {
    return this.client.request<ObjectList<T>>('GET', this.path(namespace), { query: { ...o } as Record<string, string | number | undefined> });
  }

  create(namespace: string | undefined, obj: T, o: WriteOptions = {}): Promise<T> {
    return this.client.request<T>('POST', this.path(namespace), { body: obj, query: { fieldManager: o.fieldManager, dryRun: o.dryRun ? 'All' : undefined } });
  }

  update(obj: T, o: WriteOptions & { subresource?: string } = {}): Promise<T> {
    return this.client.request<T>('PUT', this.path(obj.metadata.namespace, obj.metadata.name!, o.subresource), {
      body: obj,
      query: { fieldManager: o.fieldManager, dryRun: o.dryRun ? 'All' : undefined },
    });
  }

  updateStatus(obj: T, o: WriteOptions = {}): Promise<T> {
    return this.update(obj, { ...o, subresource: 'status' });
  }

  patch(namespace: string | undefined, name: string, type: PatchType, patch: unknown, o: WriteOptions & { subresource?: string; force?: boolean } = {}): Promise<T> {
    return this.client.request<T>('PATCH', this.path(namespace, name, o.subresource), {
      body: patch,
      contentType: PATCH_CONTENT[type],
      query: { fieldManager: o.fieldManager, force: o.force ? 'true' : undefined, dryRun: o.dryRun ? 'All' : undefined },
    });
  }

  delete(namespace: string | undefined, name: string, o: { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<KObject> {
    return this.client.request('DELETE', this.path(namespace, name), { body: { kind: 'DeleteOptions', apiVersion: 'v1', ...o } });
  }

  /** POST to a subresource (binding, eviction). */
  post(namespace: string | undefined, name: string, subresource: string, body: unknown): Promise<KObject> {
    return this.client.request('POST', this.path(namespace, name, subresource), { body });
  }

  watch(namespace: string | undefined, o: ListOptions & { allowWatchBookmarks?: boolean; timeoutSeconds?: number }, onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    return this.client.watch<T>(this.path(namespace), { ...o } as Record<string, string | number | boolean | undefined>, onEvent);
  }
}
