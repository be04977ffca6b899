// The default StorageClass: which class is the default (pkg/volume/util GetDefaultClass, v1.32),
// the DefaultStorageClass admission decision for new claims (plugin/pkg/admission/storage/
// storageclass/setdefault), and the `local-path` class the controller creates when missing.
// Pure functions: the API server's admission and the controller both call them.

import type { KObject } from '../../api/types.js';
import { ANN_BETA_IS_DEFAULT_CLASS, ANN_IS_DEFAULT_CLASS, LOCAL_PATH_CLASS, LOCAL_PATH_PROVISIONER } from './constants.js';
import { claimHasClass } from './volume-matching.js';

/** IsDefaultAnnotation: either spelling of the annotation set to exactly "true". */
export function isDefaultStorageClass(sc: KObject): boolean {
  const a = sc.metadata.annotations;
  return a?.[ANN_IS_DEFAULT_CLASS] === 'true' || a?.[ANN_BETA_IS_DEFAULT_CLASS] === 'true';
}

/**
 * GetDefaultClass: among classes marked default, the newest (creationTimestamp), ties broken by
 * name ascending; undefined when none is marked.
 */
export function defaultStorageClass(classes: Iterable<KObject>): KObject | undefined {
  let best: KObject | undefined;
  let bestAt = 0;
  for (const sc of classes) {
    if (!isDefaultStorageClass(sc)) continue;
    const at = Date.parse(sc.metadata.creationTimestamp ?? '') || 0;
    if (!best || at > bestAt || (at === bestAt && (sc.metadata.name ?? '') < (best.metadata.name ?? ''))) {
      best = sc;
      bestAt = at;
    }
  }
  return best;
}

/**
 * The DefaultStorageClass admission decision for a claim being created: the default class's
 * name when the claim says nothing about its class (no spec.storageClassName, not even "", and
 * no beta class annotation) and a default class exists; undefined otherwise.
 */
export function defaultStorageClassName(claim: KObject, classes: Iterable<KObject>): string | undefined {
  if (claimHasClass(claim)) return undefined;
  return defaultStorageClass(classes)?.metadata.name;
}

/**
 * Admission (create of persistentvolumeclaims, no subresource): sets spec.storageClassName to the
 * default class when defaultStorageClassName says so. Mutates `claim`; returns whether it did.
 */
export function admitDefaultStorageClass(claim: KObject, classes: Iterable<KObject>): boolean {
  const name = defaultStorageClassName(claim, classes);
  if (name === undefined) return false;
  if (!claim.spec || typeof claim.spec !== 'object') claim.spec = {};
  claim.spec.storageClassName = name;
  return true;
}

/**
 * The built-in class, as k3s ships it: binding waits for the first consumer, so the scheduler's
 * VolumeBinding plugin picks the node and the provisioner makes a volume pinned to it
 * (kubernetes.io/hostname node affinity). Existing clusters keep the class they have (classes are
 * immutable). `makeDefault` is false when another class is already the default.
 */
export function localPathStorageClass(makeDefault = true): KObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_CLASS, ...(makeDefault ? { annotations: { [ANN_IS_DEFAULT_CLASS]: 'true' } } : {}) },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}
