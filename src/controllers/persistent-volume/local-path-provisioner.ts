// The local-path provisioner as an "external" provisioner would behave (sig-storage-lib-external-
// provisioner + rancher's local-path): it provisions a claim the PV controller annotated with its
// name (volume.kubernetes.io/storage-provisioner), once the claim has a selected node when its
// class waits for the first consumer; it deletes the directory of a Released volume it made whose
// reclaim policy is Delete. It runs inside the PV controller's sync (one process), but keeps its
// own event source so `kubectl describe pvc` reads as on k3s.

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { EventRecorder } from '../../client/event-recorder.js';
import type { ResourceClient } from '../../client/resources.js';
import { ANN_BETA_STORAGE_PROVISIONER, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, PROVISIONER_FIELD_MANAGER, Reasons } from './constants.js';
import {
  createVolumeDir,
  localPathRefusal,
  localPathVolume,
  localPathVolumeDir,
  provisionedVolumeName,
  removeVolumeDir,
  volumePath,
  type SelectedNode,
} from './local-path.js';

export interface LocalPathProvisionerDeps {
  dataDir: string;
  volumes: ResourceClient;
  recorder: EventRecorder;
  /** The controller's cached volume of that name, if any. */
  cachedVolume(name: string): KObject | undefined;
  node(name: string): SelectedNode | undefined;
}

const claimSubject = (c: KObject): KObject => ({ ...c, apiVersion: 'v1', kind: 'PersistentVolumeClaim' });

export class LocalPathProvisioner {
  constructor(private readonly d: LocalPathProvisionerDeps) {}

  /** shouldProvision: the claim is unbound, annotated for this class's provisioner, and placed when it must be. */
  shouldProvision(claim: KObject, storageClass: KObject): boolean {
    if (claim.spec?.volumeName) return false;
    const ann = claim.metadata.annotations ?? {};
    const wanted = ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER];
    if (wanted !== storageClass.provisioner) return false;
    if (storageClass.volumeBindingMode === 'WaitForFirstConsumer' && !ann[ANN_SELECTED_NODE]) return false;
    return true;
  }

  /**
   * Creates the directory and the PV (or finds the one made earlier). Returns the PV, or
   * undefined when the claim is not ours to provision or was refused (an event says why).
   * Throws on a transient failure, so the caller retries.
   */
  async provision(claim: KObject, storageClass: KObject): Promise<KObject | undefined> {
    if (!this.shouldProvision(claim, storageClass)) return undefined;
    const pvName = provisionedVolumeName(claim);
    const existing = this.d.cachedVolume(pvName);
    if (existing) return existing;
    const subject = claimSubject(claim);
    const className = storageClass.metadata.name;
    this.d.recorder.event(subject, 'Normal', Reasons.Provisioning, `External provisioner is provisioning volume for claim "${claim.metadata.namespace}/${claim.metadata.name}"`);
    const fail = (why: string) => this.d.recorder.event(subject, 'Warning', Reasons.ProvisioningFailed, `failed to provision volume with StorageClass "${className}": ${why}`);
    const refusal = localPathRefusal(claim);
    if (refusal) {
      fail(refusal);
      return undefined;
    }
    let node: SelectedNode | undefined;
    if (storageClass.volumeBindingMode === 'WaitForFirstConsumer') {
      const nodeName = claim.metadata.annotations![ANN_SELECTED_NODE];
      node = this.d.node(nodeName);
      if (!node) {
        fail(`failed to get target node: node "${nodeName}" not found`);
        return undefined;
      }
    }
    const dir = localPathVolumeDir(this.d.dataDir, claim, pvName);
    try {
      await createVolumeDir(dir);
    } catch (err) {
      fail((err as Error).message);
      throw err;
    }
    let pv: KObject;
    try {
      pv = await this.d.volumes.create(undefined, localPathVolume(claim, storageClass, dir, node), { fieldManager: PROVISIONER_FIELD_MANAGER });
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) {
        fail((err as Error).message);
        throw err;
      }
      // Made by an earlier attempt whose answer we did not see.
      pv = await this.d.volumes.get(undefined, pvName);
    }
    this.d.recorder.event(subject, 'Normal', Reasons.ProvisioningSucceeded, `Successfully provisioned volume ${pvName}`);
    return pv;
  }

  /** Deletes the backing directory of a volume this provisioner made (a Retain volume keeps it). */
  async delete(pv: KObject): Promise<void> {
    if (pv.spec?.persistentVolumeReclaimPolicy === 'Retain') return;
    const path = volumePath(pv);
    if (path) await removeVolumeDir(this.d.dataDir, path);
  }
}
