// apiVersion + kind -> resource (upstream's REST mapper), for the live lookups of owners and
// dependents. Kinds the collector watches are known up front; any other kind an ownerReference
// names is looked up in the server's discovery document of its group/version, cached, and
// looked up again (at most every `refreshMs`) while unknown, so kinds served later are found.

import { ApiError } from '../../api/errors.js';
import { parseApiVersion } from '../../api/types.js';
import type { ResourceRef } from '../../client/resources.js';
import type { RestClient } from '../../client/rest-client.js';
import type { Clock } from '../../util/clock.js';

/** A resource with the apiVersion/kind of its objects. */
export interface KindResource {
  ref: ResourceRef;
  apiVersion: string;
  kind: string;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** An ownerReference names a kind the server does not serve (yet): retried with back-off. */
export class RestMappingError extends Error {
  constructor(apiVersion: string, kind: string) {
    super(`unable to get REST mapping for ${kind}.${apiVersion}`);
  }
}

export class ResourceMapper {
  private readonly byKind = new Map<string, ResourceRef>();
  private readonly fetchedAt = new Map<string, number>();

  constructor(
    private readonly client: RestClient,
    known: readonly KindResource[],
    private readonly clock: Clock,
    private readonly refreshMs = 10_000,
  ) {
    for (const k of known) this.byKind.set(`${k.apiVersion}\u0000${k.kind}`, k.ref);
  }

  /** The resource serving `kind` objects of `apiVersion`; throws RestMappingError when none does. */
  async resourceFor(apiVersion: string, kind: string): Promise<ResourceRef> {
    const key = `${apiVersion}\u0000${kind}`;
    const hit = this.byKind.get(key);
    if (hit) return hit;
    const now = this.clock.now().getTime();
    const last = this.fetchedAt.get(apiVersion);
    if (last === undefined || now - last >= this.refreshMs) {
      this.fetchedAt.set(apiVersion, now);
      await this.discover(apiVersion);
      const found = this.byKind.get(key);
      if (found) return found;
    }
    throw new RestMappingError(apiVersion, kind);
  }

  private async discover(apiVersion: string): Promise<void> {
    const { group, version } = parseApiVersion(apiVersion);
    if (!version) return;
    const path = group ? `/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}` : `/api/${encodeURIComponent(version)}`;
    let list: ApiResourceList;
    try {
      list = await this.client.request<ApiResourceList>('GET', path);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return;
      throw err;
    }
    for (const r of list?.resources ?? []) {
      if (r.name.includes('/')) continue; // subresources
      const k = `${apiVersion}\u0000${r.kind}`;
      if (!this.byKind.has(k)) this.byKind.set(k, { group, version, plural: r.name, namespaced: r.namespaced });
    }
  }
}
