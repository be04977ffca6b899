// persistentVolumeClaimRetentionPolicy as ownerReferences on the claims
// (pkg/controller/statefulset/stateful_set_utils.go isClaimOwnerUpToDate and
// updateClaimOwnerRefForSetAndPod, v1.32). The garbage collector does the deleting:
//   Retain/Retain:            no reference from us;
//   whenDeleted Delete:       a controller reference to the StatefulSet;
//   whenScaled Delete:        a controller reference to the Pod, once the pod is scaled away;
//   Delete/Delete:            the set while the pod is in range, the pod once it is scaled away.
// Claims with references we do not recognise (a stale uid, another controller) are left alone.

import type { KObject, OwnerReference } from '../../api/types.js';
import { newControllerRef, type GvkLike } from '../shared/controller-ref.js';
import { POD_GVK, STATEFULSET_GVK } from './constants.js';
import { claimNamesForPod, podInOrdinalRange } from './identity.js';

export type RetentionType = 'Retain' | 'Delete';

export interface RetentionPolicy {
  whenDeleted: RetentionType;
  whenScaled: RetentionType;
}

/** getPersistentVolumeClaimRetentionPolicy: Retain/Retain unless set. */
export function retentionPolicy(set: KObject): RetentionPolicy {
  const p = set.spec?.persistentVolumeClaimRetentionPolicy;
  return { whenDeleted: p?.whenDeleted ?? 'Retain', whenScaled: p?.whenScaled ?? 'Retain' };
}

function apiVersionOf(g: GvkLike): string {
  return 'apiVersion' in g ? g.apiVersion : g.group ? `${g.group}/${g.version}` : g.version;
}

/** matchesRef: same apiVersion, kind and name (uid not compared). */
export function matchesRef(ref: OwnerReference, obj: KObject, gvk: GvkLike): boolean {
  return ref.apiVersion === apiVersionOf(gvk) && ref.kind === gvk.kind && ref.name === obj.metadata.name;
}

/** hasOwnerRef: a reference with the owner's uid. */
export function hasOwnerRef(target: KObject, owner: KObject): boolean {
  return (target.metadata.ownerReferences ?? []).some((r) => r.uid === owner.metadata.uid);
}

/** hasStaleOwnerRef: the first reference matching the object by name has another uid. */
export function hasStaleOwnerRef(target: KObject, obj: KObject, gvk: GvkLike): boolean {
  for (const r of target.metadata.ownerReferences ?? []) if (matchesRef(r, obj, gvk)) return r.uid !== obj.metadata.uid;
  return false;
}

/** hasUnexpectedController: with a Delete policy, a controller that is neither our set nor our pod (or one of them under a stale uid). */
export function hasUnexpectedController(claim: KObject, set: KObject, pod: KObject): boolean {
  const p = retentionPolicy(set);
  if (p.whenScaled === 'Retain' && p.whenDeleted === 'Retain') return false;
  for (const r of claim.metadata.ownerReferences ?? []) {
    if (matchesRef(r, set, STATEFULSET_GVK)) {
      if (r.uid !== set.metadata.uid) return true;
      continue;
    }
    if (matchesRef(r, pod, POD_GVK)) {
      if (r.uid !== pod.metadata.uid) return true;
      continue;
    }
    if (r.controller) return true;
  }
  return false;
}

/** hasNonControllerOwner: our set or pod references the claim without being its controller. */
export function hasNonControllerOwner(claim: KObject, set: KObject, pod: KObject): boolean {
  return (claim.metadata.ownerReferences ?? []).some((r) => (r.uid === set.metadata.uid || r.uid === pod.metadata.uid) && !r.controller);
}

/** isClaimOwnerUpToDate: whether the claim's references already say what the policy wants. */
export function isClaimOwnerUpToDate(claim: KObject, set: KObject, pod: KObject): boolean {
  if (hasStaleOwnerRef(claim, set, STATEFULSET_GVK) || hasStaleOwnerRef(claim, pod, POD_GVK)) return true;
  if (hasUnexpectedController(claim, set, pod)) return !(hasOwnerRef(claim, set) || hasOwnerRef(claim, pod));
  if (hasNonControllerOwner(claim, set, pod)) return false;
  const p = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  const onSet = hasOwnerRef(claim, set);
  const onPod = hasOwnerRef(claim, pod);
  if (p.whenScaled === 'Delete' && p.whenDeleted === 'Delete') return scaledDown !== onSet && scaledDown === onPod;
  if (p.whenScaled === 'Delete') return !onSet && scaledDown === onPod;
  if (p.whenDeleted === 'Delete') return onSet && !onPod;
  return !onSet && !onPod;
}

/** updateClaimOwnerRefForSetAndPod: the claim's references with ours replaced by what the policy wants. */
export function claimOwnerRefsForPolicy(claim: KObject, set: KObject, pod: KObject): OwnerReference[] {
  const unexpected = hasUnexpectedController(claim, set, pod);
  const refs = (claim.metadata.ownerReferences ?? []).filter((r) => !(matchesRef(r, set, STATEFULSET_GVK) || matchesRef(r, pod, POD_GVK)));
  if (unexpected) return refs;
  const add = (owner: KObject, gvk: GvkLike) => {
    if (!refs.some((r) => r.uid === owner.metadata.uid)) refs.push(newControllerRef(owner, gvk));
  };
  const p = retentionPolicy(set);
  const scaledDown = !podInOrdinalRange(pod, set);
  if (p.whenScaled === 'Delete' && scaledDown) add(pod, POD_GVK);
  if (p.whenDeleted === 'Delete' && (p.whenScaled !== 'Delete' || !scaledDown)) add(set, STATEFULSET_GVK);
  return refs;
}

/**
 * PodClaimIsStale: with whenScaled Delete, a claim of this pod that still references an earlier
 * pod of the same name (waiting for the garbage collector) blocks creating the pod.
 */
export function podClaimIsStale(set: KObject, pod: KObject, getClaim: (ns: string, name: string) => KObject | undefined): boolean {
  if (retentionPolicy(set).whenScaled === 'Retain') return false;
  for (const name of claimNamesForPod(set, pod)) {
    const existing = getClaim(set.metadata.namespace ?? '', name);
    if (existing && hasStaleOwnerRef(existing, pod, POD_GVK)) return true;
  }
  return false;
}
