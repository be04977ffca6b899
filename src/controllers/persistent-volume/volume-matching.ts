// Which PersistentVolume a claim may bind to, as upstream decides it (component-helpers
// storage/volume FindMatchingVolume and the PV controller's access-mode index, v1.32):
//   - a volume pre-bound to the claim (claimRef naming it, with its uid or none) wins outright;
//   - otherwise only Available volumes count, whose storageClassName, volumeMode and labels
//     (claim selector) match, whose access modes include the claim's and whose capacity is at
//     least the request;
//   - volumes are searched by access-mode set, the sets with the fewest modes first, and within a
//     set the smallest fitting volume wins.
// Everything here is pure: objects in, decision out.

import { selectorFromLabelSelector } from '../../api/labels.js';
import { parseQuantityValue, Quantity } from '../../api/quantity.js';
import type { KObject } from '../../api/types.js';
import { anyTermMatches, compileTerm } from '../../scheduler/node-selector.js';
import { ANN_BETA_STORAGE_CLASS } from './constants.js';

const ZERO = Quantity.fromNumber(0);

/** A claim's class: the beta annotation if present, else spec.storageClassName, else "". */
export function claimClass(claim: KObject): string {
  const ann = claim.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return typeof claim.spec?.storageClassName === 'string' ? claim.spec.storageClassName : '';
}

/** PersistentVolumeClaimHasClass: the user said something about the class (even ""). */
export function claimHasClass(claim: KObject): boolean {
  if (claim.spec?.storageClassName !== undefined && claim.spec?.storageClassName !== null) return true;
  return claim.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] !== undefined;
}

/** A volume's class, with the same annotation precedence. */
export function volumeClass(volume: KObject): string {
  const ann = volume.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return typeof volume.spec?.storageClassName === 'string' ? volume.spec.storageClassName : '';
}

/** Parses a storage quantity; unparsable or absent counts as zero (validation refuses those anyway). */
export function storageQuantity(v: unknown): Quantity {
  if (typeof v !== 'string' && typeof v !== 'number') return ZERO;
  try {
    return parseQuantityValue(v);
  } catch {
    return ZERO;
  }
}

export const claimRequest = (claim: KObject): Quantity => storageQuantity(claim.spec?.resources?.requests?.storage);
export const volumeCapacity = (volume: KObject): Quantity => storageQuantity(volume.spec?.capacity?.storage);

/** IsVolumeBoundToClaim: the claimRef names the claim and carries its uid or no uid at all. */
export function isVolumeBoundToClaim(volume: KObject, claim: KObject): boolean {
  const ref = volume.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '')) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** CheckVolumeModeMismatches: unset means Filesystem on both sides. */
export function volumeModeMismatch(claim: KObject, volume: KObject): boolean {
  const want = claim.spec?.volumeMode || 'Filesystem';
  const have = volume.spec?.volumeMode || 'Filesystem';
  return want !== have;
}

function modesOf(o: KObject): string[] {
  return Array.isArray(o.spec?.accessModes) ? (o.spec.accessModes as unknown[]).filter((m): m is string => typeof m === 'string') : [];
}

/** CheckAccessModes: every mode the claim asks for is offered by the volume. */
export function volumeHasClaimAccessModes(claim: KObject, volume: KObject): boolean {
  const have = new Set(modesOf(volume));
  return modesOf(claim).every((m) => have.has(m));
}

/** Node affinity of a volume against a node's labels and name (no affinity matches every node). */
export function volumeNodeAffinityMatches(volume: KObject, node: { name: string; labels: Record<string, string> }): boolean {
  const required = volume.spec?.nodeAffinity?.required;
  if (!required) return true;
  const terms = Array.isArray(required.nodeSelectorTerms) ? required.nodeSelectorTerms.map((t: KObject) => compileTerm(t)) : [];
  return anyTermMatches(terms, node.labels, node.name);
}

/**
 * checkVolumeSatisfyClaim: why a volume the claim names in spec.volumeName cannot be bound to it,
 * or undefined when it can. The messages are upstream's (they end up in a VolumeMismatch event).
 */
export function volumeUnsatisfiedReason(volume: KObject, claim: KObject): string | undefined {
  if (volume.metadata.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
  // Upstream compares Quantity.Value() (whole units, rounded up) here.
  if (volumeCapacity(volume).scaledValue(0) < claimRequest(claim).scaledValue(0)) return 'requested PV is too small';
  if (volumeClass(volume) !== claimClass(claim)) return 'storageClassName does not match';
  if (volumeModeMismatch(claim, volume)) return 'incompatible volumeMode';
  if (!volumeHasClaimAccessModes(claim, volume)) return 'incompatible accessMode';
  return undefined;
}

export interface MatchOptions {
  /** The claim's class binds WaitForFirstConsumer: without a node, only pre-bound volumes count. */
  delayBinding?: boolean;
  /** The node a consumer pod was scheduled to (the scheduler's path): volumes must fit it. */
  node?: { name: string; labels: Record<string, string> };
}

/**
 * FindMatchingVolume over one group of volumes: the volume pre-bound to the claim, else the
 * smallest Available volume that fits. Throws on an invalid claim selector (as upstream errors).
 */
export function findMatchingVolume(claim: KObject, volumes: Iterable<KObject>, o: MatchOptions = {}): KObject | undefined {
  const requested = claimRequest(claim);
  const requestedClass = claimClass(claim);
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector) : undefined;
  let smallest: KObject | undefined;
  let smallestQty: Quantity | undefined;
  for (const volume of volumes) {
    if (volume.spec?.claimRef && !isVolumeBoundToClaim(volume, claim)) continue;
    const qty = volumeCapacity(volume);
    if (qty.cmp(requested) < 0) continue;
    if (volumeModeMismatch(claim, volume)) continue;
    if ((claim.spec?.volumeAttributesClassName ?? '') !== (volume.spec?.volumeAttributesClassName ?? '')) continue;
    if (volume.metadata.deletionTimestamp) continue;
    const affinityOk = o.node ? volumeNodeAffinityMatches(volume, o.node) : true;
    if (isVolumeBoundToClaim(volume, claim)) return affinityOk ? volume : undefined;
    if (!o.node && o.delayBinding) continue;
    // Volumes not yet Available are skipped: the controller is about to update them and
    // binding now would mostly end in write conflicts.
    if (volume.status?.phase !== 'Available') continue;
    if (selector && !selector.matches(volume.metadata.labels)) continue;
    if (volumeClass(volume) !== requestedClass) continue;
    if (!affinityOk) continue;
    if (!smallest || smallestQty!.cmp(qty) > 0) {
      smallest = volume;
      smallestQty = qty;
    }
  }
  return smallest;
}

/** The access-mode set a volume is indexed under (sorted, de-duplicated, comma-joined). */
export function accessModesKey(volume: KObject): string {
  return [...new Set(modesOf(volume))].sort().join(',');
}

/**
 * findBestMatchForClaim: volumes grouped by access-mode set; the groups whose modes include all
 * the claim asks for are searched fewest-modes-first, and the first group with a match wins.
 */
export function findBestMatchForClaim(claim: KObject, volumes: Iterable<KObject>, o: MatchOptions = {}): KObject | undefined {
  const groups = new Map<string, KObject[]>();
  for (const v of volumes) {
    // Volumes claimed by someone else never match: skip them before the (costlier) grouping.
    if (v.spec?.claimRef && !isVolumeBoundToClaim(v, claim)) continue;
    const key = accessModesKey(v);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(v);
  }
  const wanted = modesOf(claim);
  const candidates = [...groups.keys()]
    .map((key) => ({ key, modes: key ? key.split(',') : [] }))
    .filter((c) => wanted.every((m) => c.modes.includes(m)))
    .sort((a, b) => a.modes.length - b.modes.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const c of candidates) {
    const best = findMatchingVolume(claim, groups.get(c.key)!, o);
    if (best) return best;
  }
  return undefined;
}
