// The object edits of a bind, as upstream's pv_controller makes them (v1.32). Binding is two
// writes per side, volume first: PV spec.claimRef (+ bound-by-controller when the controller
// chose the volume), PV status.phase Bound, PVC spec.volumeName (+ bound-by-controller when the
// controller chose it) and bind-completed, PVC status {phase Bound, accessModes, capacity}. Each
// function returns a copy and whether anything changed, so a sync that finds everything in place
// writes nothing. Inputs are never mutated (they are shared with the informer caches).

import { cloneJson, deepEqual } from '../../api/equality.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER } from './constants.js';
import { isVolumeBoundToClaim, storageQuantity } from './volume-matching.js';

export interface Edit {
  obj: KObject;
  dirty: boolean;
}

export const hasAnnotation = (o: KObject, key: string): boolean => o.metadata.annotations?.[key] !== undefined;

/** ref.GetReference(claim): the ObjectReference a PV's claimRef holds, in upstream's field order. */
export function claimRefFor(claim: KObject): JsonObject {
  return {
    kind: 'PersistentVolumeClaim',
    namespace: claim.metadata.namespace,
    name: claim.metadata.name,
    uid: claim.metadata.uid,
    apiVersion: 'v1',
    resourceVersion: claim.metadata.resourceVersion,
  };
}

/** GetBindVolumeToClaim: point the volume at the claim. */
export function bindVolumeToClaim(volume: KObject, claim: KObject): Edit {
  const byController = !isVolumeBoundToClaim(volume, claim);
  const ref = volume.spec?.claimRef;
  const out = cloneJson(volume);
  let dirty = false;
  if (!ref || ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace || ref.uid !== claim.metadata.uid) {
    out.spec = { ...(out.spec ?? {}), claimRef: claimRefFor(claim) };
    dirty = true;
  }
  if (byController && !hasAnnotation(out, ANN_BOUND_BY_CONTROLLER)) {
    out.metadata.annotations = { ...(out.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
    dirty = true;
  }
  return { obj: out, dirty };
}

/** bindClaimToVolume: set spec.volumeName (if not yet) and the bind-completed annotation. */
export function bindClaimToVolume(claim: KObject, volume: KObject): Edit {
  const out = cloneJson(claim);
  let dirty = false;
  const ann = { ...(out.metadata.annotations ?? {}) };
  if (claim.spec?.volumeName !== volume.metadata.name) {
    out.spec = { ...(out.spec ?? {}), volumeName: volume.metadata.name };
    if (ann[ANN_BOUND_BY_CONTROLLER] === undefined) ann[ANN_BOUND_BY_CONTROLLER] = 'yes';
    dirty = true;
  }
  if (ann[ANN_BIND_COMPLETED] === undefined) {
    ann[ANN_BIND_COMPLETED] = 'yes';
    dirty = true;
  }
  if (dirty) out.metadata.annotations = ann;
  return { obj: out, dirty };
}

/**
 * updateClaimStatus: the phase, and the volume's access modes and capacity (capacity only when
 * the claim is entering the phase: a later difference may be a deliberate resize). Without a
 * volume both are cleared.
 */
export function claimStatusEdit(claim: KObject, phase: string, volume?: KObject): Edit {
  const status = { ...(claim.status ?? {}) };
  let dirty = false;
  if (status.phase !== phase) {
    status.phase = phase;
    dirty = true;
  }
  if (!volume) {
    if (status.accessModes !== undefined) {
      delete status.accessModes;
      dirty = true;
    }
    if (status.capacity !== undefined) {
      delete status.capacity;
      dirty = true;
    }
  } else {
    const modes = volume.spec?.accessModes;
    if (!deepEqual(status.accessModes ?? null, modes ?? null)) {
      if (modes === undefined) delete status.accessModes;
      else status.accessModes = cloneJson(modes);
      dirty = true;
    }
    if (claim.status?.phase !== phase) {
      const cap = volume.spec?.capacity;
      const had = status.capacity?.storage;
      if (had === undefined || storageQuantity(had).cmp(storageQuantity(cap?.storage)) !== 0) {
        status.capacity = cloneJson(cap ?? {});
        dirty = true;
      }
    }
  }
  return { obj: dirty ? { ...claim, status } : claim, dirty };
}

/** updateVolumePhase: the phase, and the message (cleared when none is given). */
export function volumePhaseEdit(volume: KObject, phase: string, message = ''): Edit {
  if (volume.status?.phase === phase) return { obj: volume, dirty: false };
  const status: KObject = { ...(volume.status ?? {}), phase };
  if (message) status.message = message;
  else delete status.message;
  return { obj: { ...volume, status }, dirty: true };
}

/**
 * unbindVolume (spec part): a volume the controller bound forgets the claim entirely; one the
 * user pre-bound keeps its claimRef minus the uid, so it stays reserved for that claim name.
 */
export function unbindVolumeEdit(volume: KObject): KObject {
  const out = cloneJson(volume);
  if (hasAnnotation(volume, ANN_BOUND_BY_CONTROLLER)) {
    delete out.spec.claimRef;
    delete out.metadata.annotations![ANN_BOUND_BY_CONTROLLER];
    if (Object.keys(out.metadata.annotations!).length === 0) delete out.metadata.annotations;
  } else if (out.spec?.claimRef) {
    delete out.spec.claimRef.uid;
  }
  return out;
}
