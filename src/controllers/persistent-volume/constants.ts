// Names the PersistentVolume controller, the protection finalizers and the built-in local-path
// provisioner share with Kubernetes v1.32 (component-helpers/storage/volume, pkg/volume/util) and
// with rancher's local-path-provisioner, so objects look the same as on a k3s cluster.

/** PVC: the binding has completed at least once (the controller then treats the claim as bound). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
/** PV and PVC: the binding was made by the controller rather than pre-bound by the user. */
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
/** PV: the provisioner that created it (decides who deletes it). */
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
/** PVC: the provisioner asked to provision a volume for it (GA and beta spellings, both written). */
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
/** PVC: the node the scheduler picked for a WaitForFirstConsumer claim. */
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
/** PVC/PV: the deprecated class annotation, which still wins over spec.storageClassName. */
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
/** StorageClass: marks the default class (GA and beta spellings). */
export const ANN_IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/**
 * The provisioner name of the built-in local-path class. We use rancher's name so StorageClass
 * manifests written for k3s (e.g. a Retain variant of local-path) work unchanged; the k8ts alias
 * is accepted as well.
 */
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
export const LOCAL_PATH_PROVISIONERS: ReadonlySet<string> = new Set([LOCAL_PATH_PROVISIONER, 'k8ts.dev/local-path']);
export const LOCAL_PATH_CLASS = 'local-path';
/** Annotation rancher's provisioner puts on a PV it made for a WaitForFirstConsumer claim. */
export const ANN_LOCAL_PATH_SELECTED_NODE = 'local.path.provisioner/selected-node';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** Event sources (the FROM column of `kubectl describe`). */
export const PV_CONTROLLER_COMPONENT = 'persistentvolume-controller';
export const LOCAL_PATH_COMPONENT = `${LOCAL_PATH_PROVISIONER}_k8ts-local-path-provisioner`;
export const FIELD_MANAGER = 'kube-controller-manager';
export const PROVISIONER_FIELD_MANAGER = 'local-path-provisioner';

/** Event reasons (pkg/controller/volume/events). */
export const Reasons = {
  FailedBinding: 'FailedBinding',
  VolumeMismatch: 'VolumeMismatch',
  ClaimLost: 'ClaimLost',
  ClaimMisbound: 'ClaimMisbound',
  WaitForFirstConsumer: 'WaitForFirstConsumer',
  WaitForPodScheduled: 'WaitForPodScheduled',
  ExternalProvisioning: 'ExternalProvisioning',
  Provisioning: 'Provisioning',
  ProvisioningFailed: 'ProvisioningFailed',
  ProvisioningSucceeded: 'ProvisioningSucceeded',
  VolumeFailedDelete: 'VolumeFailedDelete',
  VolumeUnknownReclaimPolicy: 'VolumeUnknownReclaimPolicy',
} as const;

/** The controller's periodic full resync (kube-controller-manager --pvclaimbinder-sync-period). */
export const RESYNC_PERIOD_MS = 15_000;
