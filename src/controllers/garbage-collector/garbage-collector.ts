// The garbage collector (pkg/controller/garbagecollector, v1.32). Informer events build the
// dependency graph; the graph queues uids to look at. Two rate-limited work queues, keyed by uid:
//  - attemptToDelete: re-reads the item with a live GET (never trusting the cache), looks every
//    owner up live too, and deletes the item when no owner is left (Background, or Foreground when
//    an owner waits for it and it has dependents), or drops its references to dead owners when a
//    live owner remains; for an owner deleting its dependents in the foreground, removes the
//    foregroundDeletion finalizer once no dependent with blockOwnerDeletion=true is left;
//  - attemptToOrphan: removes an owner's reference from each of its dependents, then its orphan
//    finalizer.
// Errors requeue the uid with per-key exponential back-off; nothing polls.

import { deepEqual } from '../../api/equality.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import { ResourceClient, type ResourceRef } from '../../client/resources.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { AbsentOwnerCache } from './absent-owner-cache.js';
import { classifyOwner, decide, type ClassifiedRef, type Propagation } from './decisions.js';
import { DependencyGraph, type GraphNode, type GraphSink } from './graph.js';
import {
  deleteOwnerRefsPatch,
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  formatIdentity,
  isBlocking,
  ownerIdentity,
  unblockOwnerRefsPatch,
  type Identity,
} from './references.js';
import { ResourceMapper, type KindResource } from './resource-mapper.js';

export const GC_COMPONENT = 'garbage-collector-controller';

export interface GarbageCollectorOptions {
  /** Resources whose objects can be owners or dependents (watched through the shared informers). */
  resources: readonly KindResource[];
  /** Concurrent attemptToDelete / attemptToOrphan workers (upstream runs 20 of each). */
  deleteWorkers?: number;
  orphanWorkers?: number;
  /** Where unexpected errors go (default console.error); expected requeues are not reported. */
  onError?: (message: string, err: unknown) => void;
}

/** Thrown to requeue a key with back-off without reporting an error. */
class Requeue extends Error {}

/** A cluster-scoped object naming a namespaced owner: retrying cannot help, so the item is dropped. */
class NamespacedOwnerOfClusterScopedObject extends Error {}

function code(err: unknown): number | undefined {
  return (err as { code?: number } | null)?.code;
}

/** Runs `fn` over `items` with at most `limit` in flight; settles all. */
async function settleLimited<T>(items: readonly T[], limit: number, fn: (x: T) => Promise<void>): Promise<unknown[]> {
  const errors: unknown[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const x = items[next++];
      try {
        await fn(x);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return errors;
}

export class GarbageCollector implements Controller {
  readonly name = 'garbagecollector';
  readonly graph: DependencyGraph;
  private readonly deleteWorkers: KeyedWorkers;
  private readonly orphanWorkers: KeyedWorkers;
  private readonly absent = new AbsentOwnerCache();
  private readonly mapper: ResourceMapper;
  private readonly recorder: EventRecorder;
  private readonly clients = new Map<string, ResourceClient>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly o: GarbageCollectorOptions,
  ) {
    const onError = (key: string, err: unknown) => {
      if (err instanceof Requeue) return;
      const node = this.graph.get(key);
      this.report(`garbage collector: error syncing item ${node ? formatIdentity(node.identity) : key}:`, err);
    };
    // Leading again after a stop: fresh queues with every node whose work a lost queue may have held.
    this.deleteWorkers = new KeyedWorkers({ clock: ctx.clock, workers: o.deleteWorkers ?? 8, reconcile: (uid) => this.processAttemptToDelete(uid), allKeys: () => this.pendingDeletes(), onError });
    this.orphanWorkers = new KeyedWorkers({ clock: ctx.clock, workers: o.orphanWorkers ?? 4, reconcile: (uid) => this.processAttemptToOrphan(uid), allKeys: () => this.pendingOrphans(), onError });
    this.mapper = new ResourceMapper(ctx.client, o.resources, ctx.clock);
    this.recorder = ctx.recorder(GC_COMPONENT);
    const sink: GraphSink = {
      attemptToDelete: (uid, rateLimited) => (rateLimited ? this.deleteWorkers.queue.addRateLimited(uid) : this.deleteWorkers.queue.add(uid)),
      attemptToOrphan: (uid) => this.orphanWorkers.queue.add(uid),
      ownerAbsent: (id) => this.absent.add(id),
      invalidNamespaceOwnerRef: (dep, ref) => this.reportInvalidNamespace(dep, ref),
    };
    this.graph = new DependencyGraph(sink);
  }

  setup(): void {
    for (const r of this.o.resources) {
      this.ctx.informers.for(r.ref).addHandler({
        add: (obj) => this.graph.observe('add', obj, r.apiVersion, r.kind),
        update: (old, obj) => this.graph.observe('update', obj, r.apiVersion, r.kind, old),
        delete: (obj) => this.graph.observe('delete', obj, r.apiVersion, r.kind),
      });
    }
  }

  start(): void {
    this.deleteWorkers.start();
    this.orphanWorkers.start();
  }

  stop(): void {
    this.deleteWorkers.stop();
    this.orphanWorkers.stop();
  }

  private *pendingOrphans(): Generator<string> {
    for (const n of this.graph.all()) if (n.orphaning) yield n.identity.uid;
  }

  private *pendingDeletes(): Generator<string> {
    for (const n of this.graph.all()) {
      const ownerMissing = n.owners.some((r) => {
        const owner = this.graph.get(r.uid);
        return !owner || owner.virtual || owner.beingDeleted;
      });
      if (n.virtual || n.deletingDependents || ownerMissing) yield n.identity.uid;
    }
  }

  private report(message: string, err: unknown): void {
    (this.o.onError ?? ((m, e) => console.error(m, (e as Error)?.message ?? e)))(message, err);
  }

  private reportInvalidNamespace(dep: GraphNode, ref: OwnerReference): void {
    const id = dep.identity;
    const invalid = ownerIdentity(ref, id.namespace);
    const involved: KObject = { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace || undefined, uid: id.uid } };
    this.recorder.event(involved, 'Warning', 'OwnerRefInvalidNamespace', `ownerRef ${formatIdentity(invalid)} does not exist in namespace ${JSON.stringify(id.namespace)}`);
  }

  private client(ref: ResourceRef): ResourceClient {
    const k = `${ref.group}/${ref.version}/${ref.plural}`;
    let c = this.clients.get(k);
    if (!c) this.clients.set(k, (c = new ResourceClient(this.ctx.client, ref)));
    return c;
  }

  /** The client and request namespace for an identity. */
  private async locate(id: Identity): Promise<{ c: ResourceClient; ns: string | undefined }> {
    const ref = await this.mapper.resourceFor(id.apiVersion, id.kind);
    return { c: this.client(ref), ns: ref.namespaced ? id.namespace : undefined };
  }

  // ---- attemptToDelete ----

  private async processAttemptToDelete(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return; // removed from the graph meanwhile: nothing left to do
    try {
      if ((await this.attemptToDeleteItem(node)) === 'virtualDeleted') return;
    } catch (err) {
      if (err instanceof NamespacedOwnerOfClusterScopedObject) return;
      throw err;
    }
    // A virtual node stays in the queue (with back-off) until an informer shows it or a lookup refutes it.
    if (node.virtual && this.graph.get(uid) === node) throw new Requeue();
  }

  private virtualDelete(id: Identity): 'virtualDeleted' {
    this.graph.virtualDelete(id);
    return 'virtualDeleted';
  }

  private async attemptToDeleteItem(item: GraphNode): Promise<'done' | 'virtualDeleted'> {
    // Being deleted is a one-way trip: wait for the final delete, then deal with its dependents.
    if (item.beingDeleted && !item.deletingDependents) return 'done';
    const id = item.identity;
    const { c, ns } = await this.locate(id);
    let latest: KObject;
    try {
      latest = await c.get(ns, id.name);
    } catch (err) {
      if (code(err) === 404) return this.virtualDelete(id);
      throw err;
    }
    if (latest.metadata.uid !== id.uid) return this.virtualDelete(id);
    if (item.deletingDependents) {
      await this.processDeletingDependents(item);
      return 'done';
    }
    const refs = latest.metadata.ownerReferences ?? [];
    if (refs.length === 0) return 'done';
    const classified = await this.classifyReferences(item, refs);
    const deps = [...item.dependents];
    const decision = decide(latest, classified, { count: deps.length, anyDeletingDependents: deps.some((d) => d.deletingDependents) });
    switch (decision.action) {
      case 'none':
        return 'done';
      case 'removeRefs': {
        const gone = new Set(decision.ownerUids);
        await this.patchOwnerRefs(item, deleteOwnerRefsPatch(id.uid, decision.ownerUids), (r) => (gone.has(r.uid) ? undefined : r));
        return 'done';
      }
      case 'delete': {
        if (decision.unblockFirst) {
          // Possible cycle (an owner waits for this item, which waits for a dependent that deletes
          // its own dependents): stop blocking owners, then delete in the foreground.
          await this.patchOwnerRefs(item, unblockOwnerRefsPatch(id.uid, refs), (r) => (isBlocking(r) ? { ...r, blockOwnerDeletion: false } : r));
        }
        try {
          await this.deleteObject(id, latest.metadata.resourceVersion ?? '', refs, decision.policy);
        } catch (err) {
          if (code(err) === 404) return this.virtualDelete(id);
          throw err;
        }
        return 'done';
      }
    }
  }

  /** An owner deleting its dependents in the foreground: done when no blocking dependent is left. */
  private async processDeletingDependents(item: GraphNode): Promise<void> {
    const blocking = item.blockingDependents();
    if (blocking.length === 0) {
      await this.removeFinalizer(item, FINALIZER_FOREGROUND);
      return;
    }
    // The owner is queued again when one of them goes (graph delete or reference change).
    for (const dep of blocking) if (!dep.deletingDependents) this.deleteWorkers.queue.add(dep.identity.uid);
  }

  private async classifyReferences(item: GraphNode, refs: readonly OwnerReference[]): Promise<ClassifiedRef[]> {
    const out: ClassifiedRef[] = [];
    for (const ref of refs) out.push({ ref, cls: classifyOwner(ref, await this.liveOwner(item, ref)) });
    return out;
  }

  /**
   * isDangling: the owner a reference names, by a live GET, or undefined when it does not exist
   * (absent, or its name now belongs to another uid). Known-absent owners skip the lookup.
   */
  private async liveOwner(item: GraphNode, ref: OwnerReference): Promise<KObject | undefined> {
    const clusterKey = ownerIdentity(ref, '');
    if (this.absent.has(clusterKey)) return undefined;
    const nsKey = ownerIdentity(ref, item.identity.namespace);
    if (this.absent.has(nsKey)) return undefined;
    const res = await this.mapper.resourceFor(ref.apiVersion, ref.kind);
    const key = res.namespaced ? nsKey : clusterKey;
    if (item.identity.namespace === '' && res.namespaced) throw new NamespacedOwnerOfClusterScopedObject(`cluster-scoped objects cannot refer to namespaced owners`);
    let owner: KObject;
    try {
      owner = await this.client(res).get(res.namespaced ? item.identity.namespace : undefined, ref.name);
    } catch (err) {
      if (code(err) !== 404) throw err;
      this.absent.add(key);
      return undefined;
    }
    if (owner.metadata.uid !== ref.uid) {
      this.absent.add(key);
      return undefined;
    }
    return owner;
  }

  /**
   * Deletes with preconditions on uid and on the resourceVersion the decision was based on; when
   * that conflicts only because something other than the ownerReferences changed, deletes again
   * with the uid precondition alone. A 404 is returned to the caller (the item is gone).
   */
  private async deleteObject(id: Identity, resourceVersion: string, owners: readonly OwnerReference[], policy: Propagation): Promise<void> {
    const { c, ns } = await this.locate(id);
    try {
      await c.delete(ns, id.name, { propagationPolicy: policy, preconditions: resourceVersion ? { uid: id.uid, resourceVersion } : { uid: id.uid } });
      return;
    } catch (err) {
      if (code(err) !== 409 || !resourceVersion) throw err;
      let live: KObject;
      try {
        live = await c.get(ns, id.name);
      } catch (getErr) {
        if (code(getErr) === 404) throw getErr;
        throw err;
      }
      const m = live.metadata;
      if (m.uid === id.uid && m.resourceVersion !== resourceVersion && deepEqual(m.ownerReferences ?? [], owners)) {
        await c.delete(ns, id.name, { propagationPolicy: policy, preconditions: { uid: id.uid } });
        return;
      }
      throw err;
    }
  }

  /**
   * Patches a dependent's ownerReferences with a strategic merge patch (merging by uid); for a
   * resource without strategic merge support (415) falls back to a JSON merge patch of the whole
   * list, computed with `map` from a fresh read and guarded by its resourceVersion.
   */
  private async patchOwnerRefs(item: GraphNode, smp: object, map: (r: OwnerReference) => OwnerReference | undefined): Promise<void> {
    const id = item.identity;
    const { c, ns } = await this.locate(id);
    try {
      await c.patch(ns, id.name, 'strategic', smp);
      return;
    } catch (err) {
      if (code(err) !== 415) throw err;
    }
    const latest = await c.get(ns, id.name);
    if (latest.metadata.uid !== id.uid) return;
    const refs = (latest.metadata.ownerReferences ?? []).map(map).filter((r): r is OwnerReference => r !== undefined);
    await c.patch(ns, id.name, 'merge', { metadata: { uid: id.uid, resourceVersion: latest.metadata.resourceVersion, ownerReferences: refs.length ? refs : null } });
  }

  /** Removes one finalizer, guarded by resourceVersion and retried on conflict (retry.RetryOnConflict). */
  private async removeFinalizer(owner: GraphNode, finalizer: string): Promise<void> {
    const id = owner.identity;
    const { c, ns } = await this.locate(id);
    for (let attempt = 0; ; attempt++) {
      let obj: KObject;
      try {
        obj = await c.get(ns, id.name);
      } catch (err) {
        if (code(err) === 404) return;
        throw new Error(`cannot finalize owner ${formatIdentity(id)}, because cannot get it: ${(err as Error).message}. The garbage collector will retry later.`);
      }
      if (obj.metadata.uid !== id.uid) return;
      const finalizers = obj.metadata.finalizers ?? [];
      if (!finalizers.includes(finalizer)) return;
      const rest = finalizers.filter((f) => f !== finalizer);
      try {
        await c.patch(ns, id.name, 'merge', { metadata: { resourceVersion: obj.metadata.resourceVersion, finalizers: rest.length ? rest : null } });
        return;
      } catch (err) {
        if (code(err) === 404) return;
        if (code(err) !== 409) throw err;
        if (attempt >= 4) throw new Error(`updateMaxRetries(5) has reached. The garbage collector will retry later for owner ${formatIdentity(id)}.`);
      }
    }
  }

  // ---- attemptToOrphan ----

  private async processAttemptToOrphan(uid: string): Promise<void> {
    const owner = this.graph.get(uid);
    if (!owner) return;
    const dependents = [...owner.dependents];
    const errors = await settleLimited(dependents, 16, async (dep) => {
      try {
        await this.patchOwnerRefs(dep, deleteOwnerRefsPatch(dep.identity.uid, [uid]), (r) => (r.uid === uid ? undefined : r));
      } catch (err) {
        // A dependent that is gone needs no orphaning.
        if (code(err) === 404) return;
        throw new Error(`orphaning ${formatIdentity(dep.identity)} failed, ${(err as Error).message}`);
      }
    });
    if (errors.length > 0) {
      throw new Error(`failed to orphan dependents of owner ${formatIdentity(owner.identity)}, got errors: ${errors.map((e) => (e as Error).message).join(', ')}`);
    }
    await this.removeFinalizer(owner, FINALIZER_ORPHAN);
  }
}
