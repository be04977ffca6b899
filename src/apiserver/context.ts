// What request handlers share: the resource table, the object store, the cache, the clock and
// the server's own admission (namespace lifecycle: no new content in missing or terminating
// namespaces; deleting a namespace deletes what is in it).

import { ApiError, apiErr } from '../api/errors.js';
import { cloneJson } from '../api/equality.js';
import type { SchemaLookup } from '../api/schema.js';
import type { KObject } from '../api/types.js';
import type { KindDef } from '../kinds/types.js';
import { objectKey, resourcePrefix } from '../storage/store.js';
import type { WatchCache } from '../storage/watch-cache.js';
import { rfc3339, type Clock } from '../util/clock.js';
import { addDefaultTolerations } from '../controllers/node-lifecycle/default-tolerations.js';
import { admitDefaultStorageClass } from '../controllers/persistent-volume/default-storage-class.js';
import { admitPodServiceAccount, DEFAULT_SERVICE_ACCOUNT } from './service-account-admission.js';
import { ObjectStore, type DeleteOptions, type DeleteResult, type WriteContext } from './object-store.js';
import type { ResourceTable } from './resources.js';

export const PROTECTED_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Streams served by node agents (logs, exec, attach, port-forward); absent until a node provides them. */
export interface PodStreams {
  handle(kind: 'log' | 'exec' | 'attach' | 'portforward', pod: KObject, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, query: URLSearchParams, head?: Buffer): Promise<void>;
  /** Upgrade requests (exec/attach over WebSocket or SPDY) for pods; throws ApiError to refuse. */
  upgrade?(req: import('node:http').IncomingMessage, socket: import('node:net').Socket, head: Buffer, info: import('./request-info.js').ResourceRequest, query: URLSearchParams): Promise<void>;
}

export class ApiServerContext {
  readonly namespaces: KindDef;
  private terminating = new Set<string>();
  private stopped = false;
  podStreams?: PodStreams;

  constructor(
    readonly table: ResourceTable,
    readonly objects: ObjectStore,
    readonly cache: WatchCache,
    readonly clock: Clock,
    readonly schemas: SchemaLookup,
  ) {
    const ns = table.lookup('', 'v1', 'namespaces');
    if (!ns) throw new Error('the namespaces resource must be registered');
    this.namespaces = ns;
  }

  stop(): void {
    this.stopped = true;
  }

  /** DefaultTolerationSeconds admission settings (`k8ts up --default-*-toleration-seconds`). */
  tolerationSeconds = { notReadySeconds: 300, unreachableSeconds: 300 };

  /**
   * ServiceAccount admission for pod creates (on in `k8ts up`; off by default, as in upstream's
   * integration test servers, for API servers that run no ServiceAccounts controller).
   */
  serviceAccountAdmission = false;

  /**
   * How long a pod create waits for a missing `default` ServiceAccount, which the controller
   * creates right after the namespace. Upstream retries 10 times 100-200ms apart; k8ts, whose
   * whole cluster may share a loaded machine, waits up to this long, polling every 100ms.
   */
  defaultServiceAccountWaitMs = 3000;

  /**
   * Admission for creates: namespace lifecycle (no content in missing or terminating
   * namespaces), ServiceAccount for pods (after the namespace check, as upstream orders them),
   * DefaultStorageClass for claims and DefaultTolerationSeconds for pods.
   */
  async admitCreate(def: KindDef, namespace: string | undefined, _obj: KObject): Promise<void> {
    if (def.group === '' && def.plural === 'pods' && _obj && typeof _obj === 'object') {
      if (!_obj.spec || typeof _obj.spec !== 'object') _obj.spec = {};
      addDefaultTolerations(_obj, this.tolerationSeconds);
    }
    if (def.group === '' && def.plural === 'persistentvolumeclaims' && _obj && typeof _obj === 'object') {
      // DefaultStorageClass admission: claims without a class get the default one.
      const classes = this.cache.list(resourcePrefix('storage.k8s.io', 'storageclasses'), {}).items.map((e) => e.object);
      admitDefaultStorageClass(_obj, classes);
    }
    if (!def.namespaced || !namespace) return;
    const ns = this.cache.get(objectKey('', 'namespaces', undefined, namespace));
    if (!ns) throw apiErr.notFound('', 'namespaces', namespace);
    if (ns.object.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${def.plural}${def.group ? '.' + def.group : ''} "${_obj.metadata?.name ?? ''}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`, {
        name: _obj.metadata?.name,
        group: def.group || undefined,
        kind: def.plural,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }],
      });
    }
    if (this.serviceAccountAdmission && def.group === '' && def.plural === 'pods') {
      await admitPodServiceAccount(_obj, namespace, (name) => this.lookupServiceAccount(namespace, name));
    }
  }

  /**
   * The ServiceAccount from the cache; a missing `default` is waited for (see
   * defaultServiceAccountWaitMs). Real time, not the clock: the wait is for another component.
   */
  private async lookupServiceAccount(namespace: string, name: string): Promise<KObject | undefined> {
    const get = () => this.cache.get(objectKey('', 'serviceaccounts', namespace, name))?.object;
    let sa = get();
    if (sa || name !== DEFAULT_SERVICE_ACCOUNT) return sa;
    const deadline = Date.now() + this.defaultServiceAccountWaitMs;
    while (!sa && !this.stopped && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      sa = get();
    }
    return sa;
  }

  async deleteObject(def: KindDef, namespace: string | undefined, name: string, opts: DeleteOptions, w: WriteContext): Promise<DeleteResult> {
    if (def === this.namespaces) return this.deleteNamespace(name, w);
    return this.objects.delete(def, namespace, name, opts, w);
  }

  private async deleteNamespace(name: string, w: WriteContext): Promise<DeleteResult> {
    if (PROTECTED_NAMESPACES.includes(name)) {
      throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
    }
    const base = this.objects.getEntry(this.namespaces, undefined, name);
    if (w.dryRun) return { object: ObjectStore.materialize(base), deleted: false };
    if (base.object.metadata.deletionTimestamp) return { object: ObjectStore.materialize(base), deleted: false };
    const obj = cloneJson(base.object);
    obj.metadata.deletionTimestamp = rfc3339(this.clock.now());
    obj.metadata.deletionGracePeriodSeconds = 0;
    obj.status = { ...(obj.status ?? {}), phase: 'Terminating' };
    const rev = await this.objects.rawWrite(this.namespaces, base, obj);
    this.finalizeNamespace(name);
    return { object: ObjectStore.materialize({ object: obj, modRevision: rev }), deleted: false };
  }

  /** Resumes the termination of namespaces that were being deleted when the server stopped. */
  resumeTerminatingNamespaces(): void {
    const all = this.cache.list(resourcePrefix('', 'namespaces'), {});
    for (const e of all.items) if (e.object.metadata.deletionTimestamp) this.finalizeNamespace(e.object.metadata.name!);
  }

  /** Deletes everything in the namespace, then the namespace itself, retrying until done. */
  private finalizeNamespace(name: string): void {
    if (this.terminating.has(name)) return;
    this.terminating.add(name);
    const w: WriteContext = { dryRun: false, manager: 'namespace-controller', warnings: [] };
    const step = async (): Promise<void> => {
      if (this.stopped) return;
      let remaining = 0;
      for (const def of this.table.kinds) {
        // Kinds served as another version of a stored kind share its objects: deleted once.
        if (!def.namespaced || def.storedAs) continue;
        const page = this.cache.list(resourcePrefix(def.group, def.plural, name), {});
        for (const e of page.items) {
          remaining++;
          if (e.object.metadata.deletionTimestamp) continue;
          try {
            await this.objects.delete(def, name, e.object.metadata.name!, { propagationPolicy: 'Background' }, w);
          } catch (err) {
            if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) console.error(`namespace ${name}: deleting ${def.plural}/${e.object.metadata.name}:`, err);
          }
        }
      }
      if (remaining > 0) {
        this.clock.setTimer(remaining > 0 ? 250 : 0, () => void step());
        return;
      }
      const base = this.cache.get(objectKey('', 'namespaces', undefined, name));
      if (base) {
        const obj = cloneJson(base.object);
        if (obj.spec?.finalizers) obj.spec.finalizers = obj.spec.finalizers.filter((f: string) => f !== 'kubernetes');
        const done = !obj.spec?.finalizers?.length && !obj.metadata.finalizers?.length;
        try {
          await this.objects.rawWrite(this.namespaces, base, done ? undefined : obj);
        } catch (err) {
          if (err instanceof ApiError && err.code === 409) {
            this.clock.setTimer(50, () => void step());
            return;
          }
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      this.terminating.delete(name);
    };
    void step().catch((err) => {
      console.error(`namespace ${name}: termination failed:`, err);
      this.terminating.delete(name);
    });
  }
}
