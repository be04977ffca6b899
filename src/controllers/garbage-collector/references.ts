// Object identities and ownerReference helpers of the garbage collector (upstream graph.go,
// graph_builder.go and patch.go): an identity is an owner reference's coordinates (apiVersion,
// kind, name, uid) plus the namespace, '' for cluster-scoped objects. Pure functions only.

import { deepEqual } from '../../api/equality.js';
import type { KObject, OwnerReference } from '../../api/types.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface Identity {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  /** '' for cluster-scoped objects (and for virtual owners of cluster-scoped dependents). */
  namespace: string;
}

/** The identity of an observed object of the given apiVersion/kind (the informer's, not the object's fields). */
export function identityOf(obj: KObject, apiVersion: string, kind: string): Identity {
  const m = obj.metadata;
  return { apiVersion, kind, name: m.name ?? '', uid: m.uid ?? '', namespace: m.namespace ?? '' };
}

/** An owner reference's coordinates seen from a dependent in `namespace` (a virtual owner's identity). */
export function ownerIdentity(ref: OwnerReference, namespace: string): Identity {
  return { apiVersion: ref.apiVersion, kind: ref.kind, name: ref.name, uid: ref.uid, namespace };
}

export function sameIdentity(a: Identity, b: Identity): boolean {
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.namespace === b.namespace;
}

/** ownerReferenceMatchesCoordinates: uid, name, kind and apiVersion agree (namespace is not part of a reference). */
export function refMatchesCoordinates(ref: OwnerReference, id: Identity): boolean {
  return ref.uid === id.uid && ref.name === id.name && ref.kind === id.kind && ref.apiVersion === id.apiVersion;
}

/** A map key for an identity (absent-owner cache, logs). */
export function identityKey(id: Identity): string {
  return `${id.apiVersion}\u0000${id.kind}\u0000${id.namespace}\u0000${id.name}\u0000${id.uid}`;
}

/** objectReference.String() as upstream prints it in events and logs. */
export function formatIdentity(id: Identity): string {
  return `[${id.apiVersion}/${id.kind}, namespace: ${id.namespace}, name: ${id.name}, uid: ${id.uid}]`;
}

/** Upstream's ordering of identities: kind, apiVersion, namespace, name, uid. */
export function identityLess(a: Identity, b: Identity): boolean {
  for (const k of ['kind', 'apiVersion', 'namespace', 'name', 'uid'] as const) {
    if (a[k] !== b[k]) return a[k] < b[k];
  }
  return false;
}

export interface RefChange {
  oldRef: OwnerReference;
  newRef: OwnerReference;
}

/** referencesDiffs: references added, removed and changed (same uid, other content) between two lists. */
export function referencesDiffs(
  oldRefs: readonly OwnerReference[],
  newRefs: readonly OwnerReference[],
): { added: OwnerReference[]; removed: OwnerReference[]; changed: RefChange[] } {
  const old = new Map<string, OwnerReference>();
  for (const r of oldRefs) old.set(r.uid, r);
  const added: OwnerReference[] = [];
  const changed: RefChange[] = [];
  for (const r of newRefs) {
    const o = old.get(r.uid);
    if (o === undefined) {
      added.push(r);
      continue;
    }
    if (!deepEqual(o, r)) changed.push({ oldRef: o, newRef: r });
    old.delete(r.uid);
  }
  return { added, removed: [...old.values()], changed };
}

export function isBlocking(ref: OwnerReference): boolean {
  return ref.blockOwnerDeletion === true;
}

export function hasFinalizer(obj: KObject, f: string): boolean {
  return obj.metadata.finalizers?.includes(f) ?? false;
}

export function beingDeleted(obj: KObject): boolean {
  return !!obj.metadata.deletionTimestamp;
}

/**
 * deletionStartsWithFinalizer: `obj` is being deleted with finalizer `f`, and `old` (the previous
 * state seen, if any) was not. Resyncs (old === new) therefore never start anything twice.
 */
export function deletionStartsWithFinalizer(old: KObject | undefined, obj: KObject, f: string): boolean {
  if (!beingDeleted(obj) || !hasFinalizer(obj, f)) return false;
  return old === undefined || !beingDeleted(old) || !hasFinalizer(old, f);
}

/** Strategic merge patch removing the references to `ownerUids` (GenerateDeleteOwnerRefStrategicMergeBytes). */
export function deleteOwnerRefsPatch(dependentUid: string, ownerUids: readonly string[]): object {
  return { metadata: { ownerReferences: ownerUids.map((uid) => ({ $patch: 'delete', uid })), uid: dependentUid } };
}

/** Strategic merge patch turning every blocking reference of `owners` non-blocking (unblockOwnerReferencesStrategicMergePatch). */
export function unblockOwnerRefsPatch(dependentUid: string, owners: readonly OwnerReference[]): object {
  const refs = owners.filter(isBlocking).map((r) => ({ ...r, blockOwnerDeletion: false }));
  return { metadata: { ownerReferences: refs, uid: dependentUid } };
}
