// The built-in local-path provisioner (after rancher's local-path-provisioner): a claim of a class
// whose provisioner is ours gets a PV named `pvc-<claim uid>` of the requested size, backed by the
// directory `<dataDir>/volumes/<namespace>_<claim>_<pv>` (mode 0777, as local-path's setup
// script makes it). The PV is a hostPath volume; for a claim whose class waits for the first
// consumer, it also carries node affinity to the selected node. The name depends only on the
// claim's uid, so the same claim always gets the same directory, and a pod that restarts or moves
// to another node of this host finds its data. Deleting removes the directory, and never anything
// outside `<dataDir>/volumes`.

import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, relative, resolve, sep, isAbsolute } from 'node:path';
import type { JsonObject, KObject } from '../../api/types.js';
import { ANN_DYNAMICALLY_PROVISIONED, ANN_LOCAL_PATH_SELECTED_NODE, HOSTNAME_LABEL, LOCAL_PATH_PROVISIONERS, PV_PROTECTION_FINALIZER } from './constants.js';
import { claimRefFor } from './binding.js';
import { claimClass } from './volume-matching.js';

export const isLocalPathProvisioner = (provisioner: unknown): boolean => typeof provisioner === 'string' && LOCAL_PATH_PROVISIONERS.has(provisioner);

/** The name of the PV provisioned for a claim (getProvisionedVolumeNameForClaim). */
export const provisionedVolumeName = (claim: KObject): string => `pvc-${claim.metadata.uid}`;

/** Where the volumes live. */
export const volumesRoot = (dataDir: string): string => join(resolve(dataDir), 'volumes');

/** The directory of a claim's volume. */
export function localPathVolumeDir(dataDir: string, claim: KObject, pvName: string): string {
  return join(volumesRoot(dataDir), `${claim.metadata.namespace}_${claim.metadata.name}_${pvName}`);
}

/** Why the provisioner refuses a claim (becomes a ProvisioningFailed event), or undefined. */
export function localPathRefusal(claim: KObject): string | undefined {
  if (claim.spec?.selector) return 'claim.Spec.Selector is not supported';
  if (claim.spec?.volumeMode === 'Block') return 'volumeMode Block is not supported';
  if (claim.spec?.dataSource || claim.spec?.dataSourceRef) return 'claim.Spec.DataSource is not supported';
  return undefined;
}

export interface SelectedNode {
  name: string;
  labels: Record<string, string>;
}

/**
 * The PV for a claim: its size, access modes and class; the class's reclaim policy and mount
 * options; claimRef pre-bound to the claim (with its uid), so no other claim can take it.
 */
export function localPathVolume(claim: KObject, storageClass: KObject, dir: string, node?: SelectedNode): KObject {
  const annotations: Record<string, string> = { [ANN_DYNAMICALLY_PROVISIONED]: String(storageClass.provisioner) };
  const spec: JsonObject = {
    accessModes: [...(claim.spec?.accessModes ?? [])],
    capacity: { storage: claim.spec?.resources?.requests?.storage },
    claimRef: claimRefFor(claim),
    hostPath: { path: dir, type: 'DirectoryOrCreate' },
    persistentVolumeReclaimPolicy: storageClass.reclaimPolicy || 'Delete',
    storageClassName: claimClass(claim),
    volumeMode: 'Filesystem',
  };
  if (Array.isArray(storageClass.mountOptions) && storageClass.mountOptions.length) spec.mountOptions = [...storageClass.mountOptions];
  if (node) {
    annotations[ANN_LOCAL_PATH_SELECTED_NODE] = node.name;
    spec.nodeAffinity = {
      required: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node.labels[HOSTNAME_LABEL] ?? node.name] }] }] },
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: provisionedVolumeName(claim), annotations, finalizers: [PV_PROTECTION_FINALIZER] },
    spec,
  };
}

/** The host path a PV points at (hostPath or local), if any. */
export function volumePath(pv: KObject): string | undefined {
  const p = pv.spec?.hostPath?.path ?? pv.spec?.local?.path;
  return typeof p === 'string' && p ? p : undefined;
}

/** Whether `path` lies strictly inside `root`. */
export function isStrictlyInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}

/** Creates the volume directory (idempotent), world-writable as local-path makes it. */
export async function createVolumeDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o777 });
  // mkdir's mode is filtered by the umask; the containers' users must be able to write.
  await chmod(dir, 0o777);
}

/** Removes a provisioned volume's directory; refuses any path outside `<dataDir>/volumes`. */
export async function removeVolumeDir(dataDir: string, path: string): Promise<void> {
  const root = volumesRoot(dataDir);
  if (!isStrictlyInside(root, path)) throw new Error(`refusing to delete ${path}: not a local-path volume under ${root}`);
  await rm(path, { recursive: true, force: true });
}
