// Controller references and claiming (k8s.io/kubernetes pkg/controller/controller_ref_manager.go,
// v1.32). A controller owns the objects whose controller ownerReference carries its uid. Claiming
// a candidate list:
//  - owned by another controller: ignored, never touched;
//  - owned by us and matching: kept (even while we are being deleted: that takes no write);
//  - owned by us but no longer matching: released (our ownerReference removed), unless we are
//    being deleted;
//  - an orphan that matches, is not being deleted and is in our namespace: adopted (our controller
//    ownerReference added), but only after `canAdopt` confirmed with a fresh read that we are not
//    being deleted (upstream's RecheckDeletionTimestamp; a cached owner may be stale).
// Both writes are strategic-merge patches that carry the dependent's uid, so a patch never lands on
// a recreated object of the same name (the uid mismatch fails validation as immutable).

import { ApiError } from '../../api/errors.js';
import type { Selector } from '../../api/labels.js';
import { apiVersionOf, type GroupVersionKind, type KObject, type OwnerReference } from '../../api/types.js';
import type { ResourceClient } from '../../client/resources.js';

/** The controller ownerReference of `obj`, if any (GetControllerOfNoCopy). */
export function getControllerOf(obj: KObject): OwnerReference | undefined {
  const refs = obj.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller) return r;
  return undefined;
}

export type GvkLike = GroupVersionKind | { apiVersion: string; kind: string };

function apiVersionOfGvk(gvk: GvkLike): string {
  return 'apiVersion' in gvk ? gvk.apiVersion : apiVersionOf(gvk.group, gvk.version);
}

/** The ownerReference a controller puts on what it creates or adopts (metav1.NewControllerRef). */
export function newControllerRef(owner: KObject, gvk: GvkLike): OwnerReference {
  return {
    apiVersion: apiVersionOfGvk(gvk),
    kind: gvk.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * RecheckDeletionTimestamp: a `canAdopt` check that GETs the owner afresh and fails when it is
 * gone, was replaced by another object of the same name (uid differs), or is being deleted.
 */
export function recheckDeletionTimestamp(kind: string, owner: KObject, getFresh: () => Promise<KObject>): () => Promise<void> {
  return async () => {
    let fresh: KObject;
    try {
      fresh = await getFresh();
    } catch (err) {
      throw new Error(`can't recheck DeletionTimestamp: ${(err as Error).message}`);
    }
    const m = owner.metadata;
    if (fresh.metadata.uid !== m.uid) {
      throw new Error(`can't recheck DeletionTimestamp: original ${kind} ${m.namespace}/${m.name} is gone: got uid ${fresh.metadata.uid}, wanted ${m.uid}`);
    }
    if (fresh.metadata.deletionTimestamp) {
      throw new Error(`${fresh.metadata.namespace}/${fresh.metadata.name} has just been deleted at ${fresh.metadata.deletionTimestamp}`);
    }
  };
}

export interface ControllerRefManagerOptions {
  /** The controller object (as cached; its deletionTimestamp gates adoption and release). */
  owner: KObject;
  gvk: GvkLike;
  selector: Selector;
  /** Client of the claimed resource (pods for a ReplicaSet, replicasets for a Deployment). */
  resource: ResourceClient;
  /** Called at most once, before the first adoption; throws to forbid adopting. */
  canAdopt: () => Promise<void>;
  fieldManager?: string;
}

export interface ClaimResult<T> {
  /** The objects we own after claiming: kept plus adopted (adopted ones as the patch returned them). */
  claimed: T[];
  /** Errors of failed adoptions/releases (NotFound excluded); the caller should retry later. */
  errors: Error[];
}

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;

export class ControllerRefManager<T extends KObject = KObject> {
  private canAdoptOnce?: Promise<void>;

  constructor(private readonly o: ControllerRefManagerOptions) {}

  private canAdopt(): Promise<void> {
    // sync.Once semantics: one fresh GET per claim pass however many orphans there are.
    this.canAdoptOnce ??= this.o.canAdopt();
    return this.canAdoptOnce;
  }

  /** Whether `obj` is a candidate: selector matches and every extra filter passes. */
  private matches(obj: T, filters: readonly ((o: T) => boolean)[]): boolean {
    if (!this.o.selector.matches(obj.metadata.labels)) return false;
    for (const f of filters) if (!f(obj)) return false;
    return true;
  }

  /**
   * Claims `objs` (ClaimPods / ClaimReplicaSets): returns what we own. Adoptions and releases run
   * concurrently; a failure of one does not stop the others (its error is reported).
   */
  async claim(objs: readonly T[], filters: readonly ((o: T) => boolean)[] = []): Promise<ClaimResult<T>> {
    const owner = this.o.owner.metadata;
    const claimed: T[] = [];
    const errors: Error[] = [];
    const writes: Promise<void>[] = [];
    for (const obj of objs) {
      const ref = getControllerOf(obj);
      if (ref) {
        if (ref.uid !== owner.uid) continue;
        if (this.matches(obj, filters)) {
          claimed.push(obj);
          continue;
        }
        if (owner.deletionTimestamp) continue;
        writes.push(this.release(obj).catch((err) => void errors.push(err as Error)));
        continue;
      }
      if (owner.deletionTimestamp || !this.matches(obj, filters)) continue;
      if (obj.metadata.deletionTimestamp) continue;
      if (owner.namespace && owner.namespace !== obj.metadata.namespace) continue;
      writes.push(
        this.adopt(obj).then(
          (adopted) => void (adopted && claimed.push(adopted)),
          (err) => void errors.push(err as Error),
        ),
      );
    }
    await Promise.all(writes);
    return { claimed, errors };
  }

  /** Adds our controller ref; undefined when the object vanished meanwhile. */
  async adopt(obj: T): Promise<T | undefined> {
    try {
      await this.canAdopt();
    } catch (err) {
      throw new Error(`can't adopt ${kindOf(obj)} ${obj.metadata.namespace}/${obj.metadata.name} (${obj.metadata.uid}): ${(err as Error).message}`);
    }
    const patch = { metadata: { ownerReferences: [newControllerRef(this.o.owner, this.o.gvk)], uid: obj.metadata.uid } };
    try {
      return (await this.o.resource.patch(obj.metadata.namespace, obj.metadata.name!, 'strategic', patch, { fieldManager: this.o.fieldManager })) as T;
    } catch (err) {
      if (isCode(err, 404)) return undefined;
      throw err;
    }
  }

  /** Removes our ownerReference. NotFound and Invalid (already released, or recreated under the same name) are fine. */
  async release(obj: T): Promise<void> {
    const patch = { metadata: { ownerReferences: [{ $patch: 'delete', uid: this.o.owner.metadata.uid }], uid: obj.metadata.uid } };
    try {
      await this.o.resource.patch(obj.metadata.namespace, obj.metadata.name!, 'strategic', patch, { fieldManager: this.o.fieldManager });
    } catch (err) {
      if (isCode(err, 404) || isCode(err, 422)) return;
      throw err;
    }
  }
}

function kindOf(obj: KObject): string {
  return obj.kind || 'object';
}
