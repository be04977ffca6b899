// The PersistentVolume controller (binding, protection finalizers, reclaim) with the built-in
// local-path provisioner and its default StorageClass, as a ControllerFactory; plus the pure
// pieces the API server's admission uses (default class, protection finalizers).

import type { ControllerFactory } from '../runtime/manager.js';
import { PersistentVolumeController, type PersistentVolumeControllerOptions } from './pv-controller.js';

/** The factory `k8ts up` registers: `persistentVolumeControllerFactory({ dataDir })`. */
export function persistentVolumeControllerFactory(opts: PersistentVolumeControllerOptions): ControllerFactory {
  return (ctx) => new PersistentVolumeController(ctx, opts);
}

export { PersistentVolumeController, type PersistentVolumeControllerOptions } from './pv-controller.js';
export { admitDefaultStorageClass, defaultStorageClass, defaultStorageClassName, isDefaultStorageClass, localPathStorageClass } from './default-storage-class.js';
export { admitProtectionFinalizer, protectionFinalizerFor } from './protection.js';
export { localPathVolumeDir, provisionedVolumeName, volumesRoot } from './local-path.js';
export * from './constants.js';
