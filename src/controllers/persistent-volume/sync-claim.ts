// syncClaim (pv_controller.go, v1.32) plus pvc-protection: what to do with one claim.
//   - Deleted claim still holding `kubernetes.io/pvc-protection`: drop the finalizer once no
//     scheduled pod uses it (asking the API server before trusting an empty cache).
//   - Not bind-completed: find the volume pre-bound to it or the best Available match and bind;
//     else give it the default class (retroactively), wait for a consumer (WaitForFirstConsumer),
//     ask the class's provisioner (the built-in local-path one provisions right here), or report
//     FailedBinding when there is no class.
//   - Bind-completed: keep both sides consistent; a vanished or stolen volume makes it Lost.

import type { KObject } from '../../api/types.js';
import { bindClaimToVolume, bindVolumeToClaim, hasAnnotation } from './binding.js';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, PVC_PROTECTION_FINALIZER, Reasons } from './constants.js';
import { defaultStorageClass } from './default-storage-class.js';
import { isLocalPathProvisioner } from './local-path.js';
import { isDeletionCandidate, needsFinalizer, podUsesClaim, withFinalizer } from './protection.js';
import { claimKeyOf, type PersistentVolumeController } from './pv-controller.js';
import { claimClass, claimHasClass, findBestMatchForClaim, isVolumeBoundToClaim, volumeUnsatisfiedReason } from './volume-matching.js';

type Ctl = PersistentVolumeController;

const isTerminated = (pod: KObject) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';

export async function syncClaim(c: Ctl, key: string): Promise<void> {
  let claim = c.claims.get(key);
  if (!claim) return;
  if (isDeletionCandidate(claim, PVC_PROTECTION_FINALIZER) && !(await claimInUse(c, claim))) {
    await c.writeClaim(withFinalizer(claim, PVC_PROTECTION_FINALIZER, false));
    return;
  }
  if (!hasAnnotation(claim, ANN_BIND_COMPLETED)) await syncUnboundClaim(c, claim);
  else await syncBoundClaim(c, claim);
  // Writes on the way add the protection finalizer; a claim nothing was written to gets it now.
  claim = c.claims.get(key);
  if (claim && needsFinalizer(claim, PVC_PROTECTION_FINALIZER)) await c.writeClaim(claim);
}

/** pvc-protection: a scheduled pod uses the claim (cache first, then a live list as upstream). */
async function claimInUse(c: Ctl, claim: KObject): Promise<boolean> {
  if (c.podsUsingClaimKey(claimKeyOf(claim)).some((p) => podUsesClaim(p, claim))) return true;
  const live = await c.podClient.list(claim.metadata.namespace);
  return live.items.some((p) => podUsesClaim(p, claim));
}

/** bind: volume first (claimRef, phase), then the claim (volumeName + annotations, status). */
export async function bind(c: Ctl, volume: KObject, claim: KObject): Promise<void> {
  const v = bindVolumeToClaim(volume, claim);
  if (v.dirty) volume = await c.writeVolume(v.obj);
  volume = await c.updateVolumePhase(volume, 'Bound');
  const e = bindClaimToVolume(claim, volume);
  if (e.dirty) claim = await c.writeClaim(e.obj);
  await c.updateClaimStatus(claim, 'Bound', volume);
}

async function syncUnboundClaim(c: Ctl, claim: KObject): Promise<void> {
  // k8ts: a claim on its way out gets no new volume (it would only be Released again).
  if (claim.metadata.deletionTimestamp) return;
  const volumeName: string | undefined = claim.spec?.volumeName || undefined;
  if (volumeName) return syncPreBoundClaim(c, claim, volumeName);

  const className = claimClass(claim);
  const sc = className ? c.storageClass(className) : undefined;
  const delayBinding = sc?.volumeBindingMode === 'WaitForFirstConsumer';
  const match = findBestMatchForClaim(claim, c.volumes.values(), { delayBinding });
  if (match) return bind(c, match, claim);

  if (!claimHasClass(claim)) {
    // Retroactive default StorageClass assignment (GA in 1.28); the update re-queues the claim.
    const def = defaultStorageClass(c.storageClasses());
    if (def) {
      await c.writeClaim({ ...claim, spec: { ...claim.spec, storageClassName: def.metadata.name } });
      return;
    }
  }

  if (delayBinding && !hasAnnotation(claim, ANN_SELECTED_NODE)) {
    const placed = await placeOnConsumerNode(c, claim);
    if (placed === 'bound') return;
    if (!placed) {
      emitWaitingForConsumer(c, claim);
      await c.updateClaimStatus(claim, 'Pending');
      return;
    }
    claim = placed;
  }
  if (className) return provisionClaim(c, claim, className);
  c.claimEvent(claim, 'Normal', Reasons.FailedBinding, 'no persistent volumes available for this claim and no storage class is set');
  await c.updateClaimStatus(claim, 'Pending');
}

/**
 * What the scheduler's VolumeBinding plugin does for pods it schedules, for consumer pods that
 * reached a node without it (spec.nodeName set directly, or another scheduler): bind a fitting
 * volume reachable from that node, or record the node on the claim
 * (volume.kubernetes.io/selected-node) so the provisioner makes one there. Returns the updated
 * claim, 'bound', or undefined when no consumer pod is on a node yet.
 */
async function placeOnConsumerNode(c: Ctl, claim: KObject): Promise<KObject | 'bound' | undefined> {
  const pods = c
    .podsUsingClaimKey(claimKeyOf(claim))
    .filter((p) => !isTerminated(p) && p.spec?.nodeName)
    .sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  if (!pods.length) return undefined;
  const nodeName: string = pods[0].spec.nodeName;
  const node = c.node(nodeName) ?? { name: nodeName, labels: {} };
  const match = findBestMatchForClaim(claim, c.volumes.values(), { delayBinding: true, node });
  if (match) {
    await bind(c, match, claim);
    return 'bound';
  }
  return c.writeClaim({ ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: nodeName } } });
}

/** emitEventForUnboundDelayBindingClaim. */
function emitWaitingForConsumer(c: Ctl, claim: KObject): void {
  const names = c
    .podsUsingClaimKey(claimKeyOf(claim))
    .filter((p) => !isTerminated(p) && !p.spec?.nodeName)
    .map((p) => p.metadata.name!)
    .sort();
  if (names.length === 0) c.claimEvent(claim, 'Normal', Reasons.WaitForFirstConsumer, 'waiting for first consumer to be created before binding');
  else if (names.length === 1) c.claimEvent(claim, 'Normal', Reasons.WaitForPodScheduled, `waiting for pod ${names[0]} to be scheduled`);
  else c.claimEvent(claim, 'Normal', Reasons.WaitForPodScheduled, `waiting for pods ${names.join(',')} to be scheduled`);
}

/**
 * provisionClaim: the class's provisioner is asked through the claim's storage-provisioner
 * annotations (ExternalProvisioning event); ours then provisions and the claim is bound at once.
 */
async function provisionClaim(c: Ctl, claim: KObject, className: string): Promise<void> {
  const sc = c.storageClass(className);
  if (!sc) {
    c.claimEvent(claim, 'Warning', Reasons.ProvisioningFailed, `storageclass.storage.k8s.io "${className}" not found`);
    return;
  }
  const provisioner = String(sc.provisioner ?? '');
  if (provisioner.startsWith('kubernetes.io/')) {
    // In-tree provisioners do not exist here.
    c.claimEvent(claim, 'Warning', Reasons.ProvisioningFailed, `no volume plugin matched name: ${provisioner}`);
    return;
  }
  const ann = claim.metadata.annotations ?? {};
  if (ann[ANN_STORAGE_PROVISIONER] !== provisioner || ann[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
    try {
      claim = await c.writeClaim({ ...claim, metadata: { ...claim.metadata, annotations: { ...ann, [ANN_STORAGE_PROVISIONER]: provisioner, [ANN_BETA_STORAGE_PROVISIONER]: provisioner } } });
    } catch (err) {
      c.claimEvent(claim, 'Warning', Reasons.ProvisioningFailed, `Error saving claim: ${(err as Error).message}`);
      throw err;
    }
  }
  c.claimEvent(
    claim,
    'Normal',
    Reasons.ExternalProvisioning,
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  );
  if (!isLocalPathProvisioner(provisioner)) return;
  const pv = await c.provisioner.provision(claim, sc);
  if (pv) {
    c.volumes.put(pv.metadata.name!, pv);
    await bind(c, pv, claim);
  }
}

/** The claim names its volume (spec.volumeName) but the binding has not completed. */
async function syncPreBoundClaim(c: Ctl, claim: KObject, volumeName: string): Promise<void> {
  const volume = c.volumes.get(volumeName);
  if (!volume) {
    // The volume may be created later: stay Pending.
    await c.updateClaimStatus(claim, 'Pending');
    return;
  }
  if (!volume.spec?.claimRef) {
    const why = volumeUnsatisfiedReason(volume, claim);
    if (why) {
      c.claimEvent(claim, 'Warning', Reasons.VolumeMismatch, `Cannot bind to requested volume "${volumeName}": ${why}`);
      await c.updateClaimStatus(claim, 'Pending');
      return;
    }
    return bind(c, volume, claim);
  }
  if (isVolumeBoundToClaim(volume, claim)) return bind(c, volume, claim);
  c.claimEvent(claim, 'Warning', Reasons.FailedBinding, `volume "${volumeName}" already bound to a different claim.`);
  if (!hasAnnotation(claim, ANN_BOUND_BY_CONTROLLER)) {
    // The user asked for this volume: wait until it is free.
    await c.updateClaimStatus(claim, 'Pending');
    return;
  }
  const ref = volume.spec.claimRef;
  throw new Error(`invalid binding of claim "${claimKeyOf(claim)}" to volume "${volumeName}": volume already claimed by "${ref.namespace}/${ref.name}"`);
}

async function syncBoundClaim(c: Ctl, claim: KObject): Promise<void> {
  const volumeName: string | undefined = claim.spec?.volumeName || undefined;
  if (!volumeName) {
    await c.updateClaimStatusWithEvent(claim, 'Lost', 'Warning', Reasons.ClaimLost, 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
    return;
  }
  const volume = c.volumes.get(volumeName);
  if (!volume) {
    await c.updateClaimStatusWithEvent(claim, 'Lost', 'Warning', Reasons.ClaimLost, 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    return;
  }
  const ref = volume.spec?.claimRef;
  // Unbound volume (or an update not seen yet) or the right one: (re)bind, usually a no-op.
  if (!ref || ref.uid === claim.metadata.uid) return bind(c, volume, claim);
  await c.updateClaimStatusWithEvent(claim, 'Lost', 'Warning', Reasons.ClaimMisbound, 'Two claims are bound to the same volume, this one is bound incorrectly');
}
