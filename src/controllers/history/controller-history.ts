// The history.Interface of pkg/controller/history (realHistory, v1.32): ControllerRevisions read
// from the shared informer cache, written through the API. Used by the StatefulSet controller as
// upstream does, and by the DaemonSet controller for its writes.

import { ApiError } from '../../api/errors.js';
import type { Selector } from '../../api/labels.js';
import type { KObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resources.js';
import { getControllerOf, newControllerRef, type GvkLike } from '../shared/controller-ref.js';
import { controllerRevisionName, hashControllerRevision, revisionDataEqual, type ControllerRevision } from './revision.js';

const isCode = (err: unknown, code: number) => err instanceof ApiError && err.code === code;

/** Conflicts retried by UpdateControllerRevision (retry.DefaultBackoff has 4 steps). */
const UPDATE_RETRIES = 4;

export class ControllerHistory {
  constructor(
    private readonly client: ResourceClient<ControllerRevision>,
    private readonly cache: Informer<ControllerRevision>,
    private readonly fieldManager = 'kube-controller-manager',
  ) {}

  /**
   * ListControllerRevisions: the revisions in the parent's namespace that match `selector` and are
   * either controlled by the parent or orphans (the caller adopts those).
   */
  listControllerRevisions(parent: KObject, selector: Selector): ControllerRevision[] {
    const out: ControllerRevision[] = [];
    for (const r of this.cache.store.byIndex('namespace', parent.metadata.namespace ?? '')) {
      if (!selector.matches(r.metadata.labels)) continue;
      const ref = getControllerOf(r);
      if (!ref || ref.uid === parent.metadata.uid) out.push(r);
    }
    return out;
  }

  /** Every revision in the namespace whose controller is `parent` (the DaemonSet's claim candidates include non-matching ones). */
  controlledBy(parent: KObject): ControllerRevision[] {
    return this.cache.store.byIndex('controller', parent.metadata.uid ?? '');
  }

  /**
   * CreateControllerRevision: creates `revision` under `<parent>-<hash>`; when the name is taken by
   * a revision with other data, bumps `collisionCount.value` and tries the next name. A revision
   * with the same data under that name is returned as is (we created it before).
   */
  async createControllerRevision(parent: KObject, revision: ControllerRevision, collisionCount: { value: number }): Promise<ControllerRevision> {
    const ns = parent.metadata.namespace;
    for (;;) {
      const hash = hashControllerRevision(revision.data, collisionCount.value);
      const clone: ControllerRevision = { ...revision, metadata: { ...revision.metadata, name: controllerRevisionName(parent.metadata.name ?? '', hash), namespace: ns } };
      try {
        return await this.client.create(ns, clone, { fieldManager: this.fieldManager });
      } catch (err) {
        if (!isCode(err, 409)) throw err;
        const exists = await this.client.get(ns, clone.metadata.name!);
        if (revisionDataEqual(exists.data, clone.data)) return exists;
        collisionCount.value++;
      }
    }
  }

  /** UpdateControllerRevision: sets the revision number, re-reading on conflict. */
  async updateControllerRevision(revision: ControllerRevision, newRevision: number): Promise<ControllerRevision> {
    let cur = revision;
    for (let i = 0; ; i++) {
      if (cur.revision === newRevision) return cur;
      try {
        return await this.client.update({ ...withKind(cur), revision: newRevision }, { fieldManager: this.fieldManager });
      } catch (err) {
        if (!isCode(err, 409) || i >= UPDATE_RETRIES) throw err;
        cur = await this.client.get(cur.metadata.namespace, cur.metadata.name!);
      }
    }
  }

  /** AdoptControllerRevision: adds the parent's controller ref (uid-guarded strategic merge patch). */
  async adoptControllerRevision(parent: KObject, gvk: GvkLike, revision: ControllerRevision): Promise<ControllerRevision> {
    const patch = { metadata: { ownerReferences: [newControllerRef(parent, gvk)], uid: revision.metadata.uid } };
    return this.client.patch(revision.metadata.namespace, revision.metadata.name!, 'strategic', patch, { fieldManager: this.fieldManager });
  }

  /** DeleteControllerRevision; an already deleted revision is fine. */
  async deleteControllerRevision(revision: ControllerRevision): Promise<void> {
    try {
      await this.client.delete(revision.metadata.namespace, revision.metadata.name!, { preconditions: { uid: revision.metadata.uid } });
    } catch (err) {
      if (!isCode(err, 404)) throw err;
    }
  }

  /** PUT of a whole revision (label fixes). */
  update(revision: ControllerRevision): Promise<ControllerRevision> {
    return this.client.update(withKind(revision), { fieldManager: this.fieldManager });
  }
}

function withKind(r: ControllerRevision): ControllerRevision {
  return r.kind && r.apiVersion ? r : { ...r, apiVersion: 'apps/v1', kind: 'ControllerRevision' };
}
