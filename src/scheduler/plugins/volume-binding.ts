// VolumeBinding (pkg/scheduler/framework/plugins/volumebinding, v1.32): the filter half.
//   PreFilter: the pod's claims (spec.volumes[].persistentVolumeClaim, and `<pod>-<volume>` for
//     generic ephemeral volumes) must exist, not be Lost nor being deleted, and every claim not
//     yet bound must wait for its first consumer: an unbound claim of an Immediate class rejects
//     the pod ("pod has unbound immediate PersistentVolumeClaims"). A pod without claims skips
//     the plugin, so pods without volumes pay one scan of spec.volumes.
//   Filter (per node): a bound claim's PV must exist and its node affinity must admit the node;
//     an unbound WaitForFirstConsumer claim needs an Available PV that fits (class, size, modes,
//     selector, node affinity; the smallest wins, and no PV twice for one pod) or else dynamic
//     provisioning by its class (a provisioner other than kubernetes.io/no-provisioner, and
//     allowedTopologies admitting the node). A claim that already names a selected node fits
//     that node only.
// What the Filter found for the chosen node is what Reserve assumes and PreBind writes
// (volume-binder.ts). Everything here reads through `VolumeListers`, which overlays the binder's
// assumptions on the informer caches, so two pods never pick the same static PV.

import type { KObject } from '../../api/types.js';
import { ANN_BIND_COMPLETED, ANN_SELECTED_NODE } from '../../controllers/persistent-volume/constants.js';
import { claimClass, findBestMatchForClaim, volumeClass, volumeNodeAffinityMatches } from '../../controllers/persistent-volume/volume-matching.js';
import { SKIP, type CycleState, type Plugin, type PodInfo } from '../framework.js';
import type { NodeInfo } from '../node-info.js';
import { status, type Status } from '../types.js';

export const VOLUME_BINDING = 'VolumeBinding';
export const ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const ERR_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
/** The provisioner name of classes that cannot provision (local volumes made by hand). */
export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

/** Read access to claims, volumes and classes (informer caches with the binder's assumptions on top). */
export interface VolumeListers {
  claim(namespace: string, name: string): KObject | undefined;
  volume(name: string): KObject | undefined;
  volumes(): Iterable<KObject>;
  storageClass(name: string): KObject | undefined;
}

/** What binding the pod's volumes on one node takes: PVs to pre-bind, claims to provision there. */
export interface PodVolumes {
  staticBindings: { pv: KObject; pvc: KObject }[];
  provisions: KObject[];
}

interface StateData {
  bound: KObject[];
  delay: KObject[];
  /** Volumes of each class that delay-binding claims ask for (narrowed once per pod). */
  candidates: Map<string, KObject[]>;
  byNode: Map<string, PodVolumes>;
}

const STATE_KEY = VOLUME_BINDING;

export interface PodClaimRef {
  name: string;
  ephemeral: boolean;
}

/** The claims a pod's volumes use, in volume order. */
export function podClaimRefs(pod: KObject): PodClaimRef[] {
  const vols = pod.spec?.volumes;
  if (!Array.isArray(vols) || vols.length === 0) return [];
  const out: PodClaimRef[] = [];
  for (const v of vols) {
    if (v?.persistentVolumeClaim) out.push({ name: String(v.persistentVolumeClaim.claimName ?? ''), ephemeral: false });
    else if (v?.ephemeral) out.push({ name: `${pod.metadata.name}-${v.name}`, ephemeral: true });
  }
  return out;
}

/** isPVCFullyBound: the claim names its volume and the binding has completed. */
export function isClaimFullyBound(claim: KObject): boolean {
  return !!claim.spec?.volumeName && claim.metadata.annotations?.[ANN_BIND_COMPLETED] !== undefined;
}

/** IsDelayBindingMode: the claim's class exists and binds WaitForFirstConsumer. */
export function isDelayBinding(claim: KObject, listers: VolumeListers): boolean {
  const cls = claimClass(claim);
  if (!cls) return false;
  return listers.storageClass(cls)?.volumeBindingMode === 'WaitForFirstConsumer';
}

/** Why the pod's claims rule it out before any node is looked at (podHasPVCs), or undefined. */
function claimProblem(pod: KObject, ref: PodClaimRef, claim: KObject | undefined): string | undefined {
  if (!claim) {
    return ref.ephemeral ? `waiting for ephemeral volume controller to create the persistentvolumeclaim "${ref.name}"` : `persistentvolumeclaim "${ref.name}" not found`;
  }
  if (claim.status?.phase === 'Lost') return `persistentvolumeclaim "${ref.name}" bound to non-existent persistentvolume "${claim.spec?.volumeName ?? ''}"`;
  if (claim.metadata.deletionTimestamp) return `persistentvolumeclaim "${ref.name}" is being deleted`;
  if (ref.ephemeral) {
    const owner = (claim.metadata.ownerReferences ?? []).find((r) => r?.controller);
    if (!owner || owner.uid !== pod.metadata.uid) {
      return `PVC ${claim.metadata.namespace}/${claim.metadata.name} was not created for pod ${pod.metadata.namespace}/${pod.metadata.name} (pod is not owner)`;
    }
  }
  return undefined;
}

/** MatchTopologySelectorTerms: no terms match every node; terms are ORed, expressions ANDed. */
export function allowedTopologiesMatch(sc: KObject, labels: Record<string, string>): boolean {
  const terms = sc.allowedTopologies;
  if (!Array.isArray(terms) || terms.length === 0) return true;
  for (const t of terms) {
    const exprs = Array.isArray(t?.matchLabelExpressions) ? t.matchLabelExpressions : [];
    let ok = true;
    for (const e of exprs) {
      const v = labels[String(e?.key ?? '')];
      if (v === undefined || !Array.isArray(e.values) || !e.values.includes(v)) {
        ok = false;
        break;
      }
    }
    if (ok) return true;
  }
  return false;
}

export class VolumeBindingError extends Error {}

/** checkVolumeProvisions for one claim: whether its class can provision on the node; throws on a broken claim. */
function canProvision(claim: KObject, node: NodeInfo, listers: VolumeListers): boolean {
  const cls = claimClass(claim);
  if (!cls) throw new VolumeBindingError(`no class for claim "${claim.metadata.namespace}/${claim.metadata.name}"`);
  const sc = listers.storageClass(cls);
  if (!sc) throw new VolumeBindingError(`failed to find storage class "${cls}"`);
  const provisioner = typeof sc.provisioner === 'string' ? sc.provisioner : '';
  if (!provisioner || provisioner === NOT_SUPPORTED_PROVISIONER) return false;
  return allowedTopologiesMatch(sc, node.labels);
}

/**
 * FindPodVolumes for one node: the conflict reasons (empty when the node fits) and, when it
 * fits, what binding would take.
 */
export function findPodVolumes(
  bound: readonly KObject[],
  delay: readonly KObject[],
  candidates: ReadonlyMap<string, readonly KObject[]>,
  node: NodeInfo,
  listers: VolumeListers,
): { reasons: string[]; podVolumes?: PodVolumes } {
  let boundOk = true;
  let pvsFound = true;
  for (const claim of bound) {
    const pv = listers.volume(String(claim.spec.volumeName));
    if (!pv) {
      pvsFound = false;
      continue;
    }
    if (!volumeNodeAffinityMatches(pv, node)) boundOk = false;
  }
  let unboundOk = true;
  const podVolumes: PodVolumes = { staticBindings: [], provisions: [] };
  if (delay.length) {
    const toMatch: KObject[] = [];
    for (const claim of delay) {
      const selected = claim.metadata.annotations?.[ANN_SELECTED_NODE];
      if (selected === undefined) toMatch.push(claim);
      else if (selected !== node.name) {
        unboundOk = false;
        break;
      } else podVolumes.provisions.push(claim);
    }
    if (unboundOk) {
      const chosen = new Set<string>();
      for (const claim of toMatch) {
        const pool = (candidates.get(claimClass(claim)) ?? []).filter((v) => !chosen.has(v.metadata.name!));
        const pv = pool.length ? findBestMatchForClaim(claim, pool, { delayBinding: true, node }) : undefined;
        if (pv) {
          chosen.add(pv.metadata.name!);
          podVolumes.staticBindings.push({ pv, pvc: claim });
        } else if (canProvision(claim, node, listers)) podVolumes.provisions.push(claim);
        else {
          unboundOk = false;
          break;
        }
      }
    }
  }
  const reasons: string[] = [];
  if (!boundOk) reasons.push(ERR_REASON_NODE_CONFLICT);
  if (!unboundOk) reasons.push(ERR_REASON_BIND_CONFLICT);
  if (!pvsFound) reasons.push(ERR_REASON_PV_NOT_EXIST);
  return reasons.length ? { reasons } : { reasons, podVolumes };
}

/** The plugin; `listers` is the binder's view. */
export function volumeBinding(listers: VolumeListers): Plugin {
  return {
    name: VOLUME_BINDING,
    preFilter(pod: PodInfo, state: CycleState) {
      const refs = podClaimRefs(pod.pod);
      if (refs.length === 0) return SKIP;
      const ns = pod.pod.metadata.namespace ?? '';
      const claims: KObject[] = [];
      for (const ref of refs) {
        const claim = listers.claim(ns, ref.name);
        const why = claimProblem(pod.pod, ref, claim);
        if (why) return status(VOLUME_BINDING, 'UnschedulableAndUnresolvable', why);
        claims.push(claim!);
      }
      const bound: KObject[] = [];
      const delay: KObject[] = [];
      let immediate = false;
      for (const claim of claims) {
        if (isClaimFullyBound(claim)) bound.push(claim);
        else if (isDelayBinding(claim, listers) && !claim.spec?.volumeName) delay.push(claim);
        else immediate = true;
      }
      if (immediate) return status(VOLUME_BINDING, 'UnschedulableAndUnresolvable', ERR_UNBOUND_IMMEDIATE);
      const candidates = new Map<string, KObject[]>();
      const needMatch = delay.filter((c) => c.metadata.annotations?.[ANN_SELECTED_NODE] === undefined);
      if (needMatch.length) {
        const classes = new Set(needMatch.map(claimClass));
        for (const c of classes) candidates.set(c, []);
        for (const v of listers.volumes()) {
          const list = candidates.get(volumeClass(v));
          if (!list) continue;
          // Volumes claimed by someone other than these claims can never match.
          const ref = v.spec?.claimRef;
          if (ref && !needMatch.some((c) => ref.name === c.metadata.name && (ref.namespace ?? '') === ns)) continue;
          list.push(v);
        }
      }
      const data: StateData = { bound, delay, candidates, byNode: new Map() };
      state.set(STATE_KEY, data);
      return undefined;
    },
    filter(_pod, node, state): Status | undefined {
      const data = state.get(STATE_KEY) as StateData;
      let r: ReturnType<typeof findPodVolumes>;
      try {
        r = findPodVolumes(data.bound, data.delay, data.candidates, node, listers);
      } catch (err) {
        return status(VOLUME_BINDING, 'UnschedulableAndUnresolvable', (err as Error).message);
      }
      if (r.reasons.length) return status(VOLUME_BINDING, 'UnschedulableAndUnresolvable', ...r.reasons);
      data.byNode.set(node.name, r.podVolumes!);
      return undefined;
    },
  };
}

/** What the Filter found for `nodeName`, if the plugin ran for this pod (Reserve's input). */
export function podVolumesFor(state: CycleState, nodeName: string): PodVolumes | undefined {
  const data = state.get(STATE_KEY) as StateData | undefined;
  return data?.byNode.get(nodeName);
}
