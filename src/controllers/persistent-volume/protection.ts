// Storage object in-use protection (v1.32): the `kubernetes.io/pvc-protection` finalizer keeps a
// deleted claim while a scheduled pod still uses it (pkg/controller/volume/pvcprotection); the
// `kubernetes.io/pv-protection` finalizer keeps a deleted volume while it is Bound
// (pkg/controller/volume/pvprotection). The StorageObjectInUseProtection admission plugin adds the
// finalizers on create; the controllers add them to objects that lack them. Pure helpers.

import type { KObject } from '../../api/types.js';
import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER } from './constants.js';

/**
 * The finalizer StorageObjectInUseProtection admission adds to a new object of this resource
 * (`persistentvolumeclaims` or `persistentvolumes`), or undefined for other resources.
 */
export function protectionFinalizerFor(plural: string): string | undefined {
  if (plural === 'persistentvolumeclaims') return PVC_PROTECTION_FINALIZER;
  if (plural === 'persistentvolumes') return PV_PROTECTION_FINALIZER;
  return undefined;
}

/** Admission: adds the protection finalizer to a new claim/volume if missing. Returns whether it did. */
export function admitProtectionFinalizer(plural: string, obj: KObject): boolean {
  const f = protectionFinalizerFor(plural);
  if (!f || obj.metadata.finalizers?.includes(f)) return false;
  obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), f];
  return true;
}

export const hasFinalizer = (o: KObject, f: string): boolean => o.metadata.finalizers?.includes(f) ?? false;

/** NeedToAddFinalizer: not being deleted and the finalizer is missing. */
export const needsFinalizer = (o: KObject, f: string): boolean => !o.metadata.deletionTimestamp && !hasFinalizer(o, f);

/** IsDeletionCandidate: being deleted and still holding the finalizer. */
export const isDeletionCandidate = (o: KObject, f: string): boolean => !!o.metadata.deletionTimestamp && hasFinalizer(o, f);

/** A copy of `o` with finalizer `f` added or removed. */
export function withFinalizer(o: KObject, f: string, present: boolean): KObject {
  const cur = o.metadata.finalizers ?? [];
  const finalizers = present ? (cur.includes(f) ? cur : [...cur, f]) : cur.filter((x) => x !== f);
  const metadata = { ...o.metadata, finalizers };
  if (finalizers.length === 0) delete (metadata as { finalizers?: string[] }).finalizers;
  return { ...o, metadata };
}

/** The claim name of a generic ephemeral volume: `<pod>-<volume>`. */
export const ephemeralClaimName = (pod: KObject, volumeName: string): string => `${pod.metadata.name}-${volumeName}`;

/** Names of the claims a pod's volumes reference (persistentVolumeClaim and ephemeral). */
export function claimNamesOfPod(pod: KObject): string[] {
  const out: string[] = [];
  const vols = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
  for (const v of vols) {
    if (typeof v?.persistentVolumeClaim?.claimName === 'string') out.push(v.persistentVolumeClaim.claimName);
    else if (v?.ephemeral && typeof v.name === 'string') out.push(ephemeralClaimName(pod, v.name));
  }
  return out;
}

/**
 * podIsShutDown: deletion was confirmed by the kubelet (grace period 0) or forced; such a pod no
 * longer holds its ephemeral claims (breaks a pod-finalizer <-> claim-finalizer cycle).
 */
export function podIsShutDown(pod: KObject): boolean {
  return !!pod.metadata.deletionTimestamp && pod.metadata.deletionGracePeriodSeconds === 0;
}

/**
 * podUsesPVC: only scheduled pods count (the kubelet never starts a pod whose claim is being
 * deleted). A persistentVolumeClaim volume counts whatever the pod's phase, as upstream; an
 * ephemeral one while the pod is not shut down and the claim is the pod's own.
 */
export function podUsesClaim(pod: KObject, claim: KObject): boolean {
  if (!pod.spec?.nodeName) return false;
  if ((pod.metadata.namespace ?? '') !== (claim.metadata.namespace ?? '')) return false;
  const vols = Array.isArray(pod.spec?.volumes) ? pod.spec.volumes : [];
  for (const v of vols) {
    if (v?.persistentVolumeClaim?.claimName === claim.metadata.name) return true;
    if (v?.ephemeral && !podIsShutDown(pod) && ephemeralClaimName(pod, String(v.name)) === claim.metadata.name) {
      const owner = claim.metadata.ownerReferences?.find((r) => r.controller);
      if (owner?.kind === 'Pod' && owner.uid === pod.metadata.uid) return true;
    }
  }
  return false;
}

/** pv-protection: a volume is in use while Bound. */
export const volumeInUse = (pv: KObject): boolean => pv.status?.phase === 'Bound';
