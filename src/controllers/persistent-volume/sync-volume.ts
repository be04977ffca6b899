// syncVolume (pv_controller.go, v1.32) plus pv-protection: what to do with one volume.
//   - Deleted volume still holding `kubernetes.io/pv-protection`: drop the finalizer unless Bound.
//   - No claimRef, or a claimRef without uid (pre-bound by the user): Available.
//   - Its claim is gone (checked against the API server before acting): Released, then the
//     reclaim policy: Retain keeps it; Delete removes the local-path directory and the PV (or, for
//     volumes nobody here provisioned, what upstream's in-tree deleters would do).
//   - Its claim is bound to it: Bound. Its claim went elsewhere: unbind (or delete a volume
//     provisioned for it).

import { rm } from 'node:fs/promises';
import type { KObject } from '../../api/types.js';
import { hasAnnotation, unbindVolumeEdit } from './binding.js';
import { ANN_DYNAMICALLY_PROVISIONED, PV_PROTECTION_FINALIZER, Reasons } from './constants.js';
import { isLocalPathProvisioner, volumePath } from './local-path.js';
import { isDeletionCandidate, needsFinalizer, volumeInUse, withFinalizer } from './protection.js';
import type { PersistentVolumeController } from './pv-controller.js';
import { volumeModeMismatch } from './volume-matching.js';

type Ctl = PersistentVolumeController;

const releasedOrFailed = (v: KObject) => v.status?.phase === 'Released' || v.status?.phase === 'Failed';

export async function syncVolume(c: Ctl, name: string): Promise<void> {
  let volume = c.volumes.get(name);
  if (!volume) return;
  if (isDeletionCandidate(volume, PV_PROTECTION_FINALIZER) && !volumeInUse(volume)) {
    await c.writeVolume(withFinalizer(volume, PV_PROTECTION_FINALIZER, false));
    return;
  }
  await syncVolumeBinding(c, volume);
  volume = c.volumes.get(name);
  if (volume && needsFinalizer(volume, PV_PROTECTION_FINALIZER)) await c.writeVolume(volume);
}

async function syncVolumeBinding(c: Ctl, volume: KObject): Promise<void> {
  const ref = volume.spec?.claimRef;
  if (!ref || !ref.uid) {
    const before = volume.status?.phase;
    await c.updateVolumePhase(volume, 'Available');
    // k8ts: pending claims try the new volume now instead of at the next periodic resync.
    if (before !== 'Available') c.enqueueUnboundClaims();
    if (ref?.name) c.claimQueue.add(`${ref.namespace ?? ''}/${ref.name}`);
    return;
  }
  const claimKey = `${ref.namespace ?? ''}/${ref.name}`;
  let claim = c.claims.get(claimKey);
  // A provisioner or another binder may have just created the claim/volume pair: ask the API
  // server before reclaiming anything.
  if (!claim && !releasedOrFailed(volume)) claim = await c.getClaimLive(ref.namespace ?? '', ref.name);
  if (claim && claim.metadata.uid !== ref.uid) {
    claim = await c.getClaimLive(ref.namespace ?? '', ref.name);
    if (claim && claim.metadata.uid !== ref.uid) claim = undefined;
  }
  if (!claim) {
    if (!releasedOrFailed(volume)) volume = await c.updateVolumePhase(volume, 'Released');
    await reclaimVolume(c, volume);
    return;
  }
  const bound = claim.spec?.volumeName;
  if (!bound) {
    if (volumeModeMismatch(claim, volume)) {
      c.volumeEvent(volume, 'Warning', Reasons.VolumeMismatch, `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata.name}" due to incompatible volumeMode.`);
      c.claimEvent(claim, 'Warning', Reasons.VolumeMismatch, `Cannot bind PersistentVolume "${volume.metadata.name}" to requested PersistentVolumeClaim due to incompatible volumeMode.`);
      return;
    }
    // Half-bound (or just provisioned): the claim's sync finishes the binding.
    c.claimQueue.add(claimKey);
    return;
  }
  if (bound === volume.metadata.name) {
    await c.updateVolumePhase(volume, 'Bound');
    return;
  }
  // The claim is bound to another volume.
  if (hasAnnotation(volume, ANN_DYNAMICALLY_PROVISIONED) && volume.spec?.persistentVolumeReclaimPolicy === 'Delete') {
    if (!releasedOrFailed(volume)) volume = await c.updateVolumePhase(volume, 'Released');
    await reclaimVolume(c, volume);
    return;
  }
  await unbindVolume(c, volume);
}

/** unbindVolume: roll back our binding (or only the uid of a user's pre-binding); Available. */
async function unbindVolume(c: Ctl, volume: KObject): Promise<void> {
  const updated = await c.writeVolume(unbindVolumeEdit(volume));
  await c.updateVolumePhase(updated, 'Available');
}

async function reclaimVolume(c: Ctl, volume: KObject): Promise<void> {
  switch (volume.spec?.persistentVolumeReclaimPolicy) {
    case 'Retain':
      return;
    case 'Delete':
      return deleteVolumeOperation(c, volume);
    case 'Recycle':
      // The recycler runs a scrubber pod upstream; there is no such plugin here.
      await c.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
      return;
    default:
      await c.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', Reasons.VolumeUnknownReclaimPolicy, 'Volume has unrecognized PersistentVolumeReclaimPolicy');
  }
}

/** isVolumeReleased: bound (with uid) to a claim that is gone, or that is bound elsewhere. */
function isVolumeReleased(c: Ctl, volume: KObject): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref?.uid) return false;
  const claim = c.claims.get(`${ref.namespace ?? ''}/${ref.name}`);
  if (claim && claim.metadata.uid === ref.uid) return !!claim.spec?.volumeName && claim.spec.volumeName !== volume.metadata.name;
  return true;
}

/**
 * deleteVolumeOperation: re-read the volume, make sure it is still released, delete the storage
 * and then the PV object. A failure marks the volume Failed (VolumeFailedDelete) and the next
 * sync tries again.
 */
async function deleteVolumeOperation(c: Ctl, cached: KObject): Promise<void> {
  const volume = await c.getVolumeLive(cached.metadata.name!);
  if (!volume || !isVolumeReleased(c, volume)) return;
  const provisionedBy = volume.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
  let failure: string | undefined;
  if (provisionedBy !== undefined && provisionedBy !== '') {
    // Provisioned by someone: that provisioner deletes it. Only local-path is ours.
    if (!isLocalPathProvisioner(provisionedBy)) return;
    try {
      await c.provisioner.delete(volume);
    } catch (err) {
      failure = (err as Error).message;
    }
  } else if (volume.spec?.csi) {
    return; // an external CSI deleter's job
  } else if (volume.spec?.hostPath) {
    failure = await deleteHostPath(volume);
  } else {
    failure = `error getting deleter volume plugin for volume "${volume.metadata.name}": no deletable volume plugin matched`;
  }
  if (failure !== undefined) {
    await c.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', Reasons.VolumeFailedDelete, failure);
    return;
  }
  await c.deleteVolume(volume);
}

/**
 * The in-tree hostPath deleter: only directories under /tmp are removed (upstream matches the
 * pattern anywhere in the path; we require the prefix, to never touch a user's files elsewhere).
 */
async function deleteHostPath(volume: KObject): Promise<string | undefined> {
  const path = volumePath(volume) ?? '';
  if (!/^\/tmp\/.+/.test(path)) return `host_path deleter only supports /tmp/.+ but received provided ${path}`;
  try {
    await rm(path, { recursive: true, force: true });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
