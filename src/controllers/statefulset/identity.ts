// Stable identity of StatefulSet pods (pkg/controller/statefulset/stateful_set_utils.go, v1.32):
// ordinal names `<set>-<i>`, hostname/subdomain, the pod-name/pod-index/revision labels, the
// claims `<template>-<set>-<i>` and the volumes pointing at them, and the pod predicates the
// update loop uses. Pure functions.

import { cloneJson } from '../../api/equality.js';
import type { KObject } from '../../api/types.js';
import { CONTROLLER_REVISION_HASH_LABEL_KEY, templateOfRevision, type ControllerRevision } from '../history/revision.js';
import { newControllerRef } from '../shared/controller-ref.js';
import { isPodAvailable, isPodReady, newPodFromTemplate, type PodTemplateSpec } from '../shared/pod-utils.js';
import { POD_INDEX_LABEL, POD_NAME_LABEL, STATEFULSET_GVK } from './constants.js';

const DIGITS = /^[0-9]+$/;

/**
 * getParentNameAndOrdinal (upstream's `(.*)-([0-9]+)$`: the split is at the last dash): `web-3` ->
 * ["web", 3]; no parent and ordinal -1 for names without one; ordinal -1 beyond int32.
 */
export function parentNameAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const dash = podName.lastIndexOf('-');
  const digits = podName.slice(dash + 1);
  if (dash < 0 || !DIGITS.test(digits)) return { parent: '', ordinal: -1 };
  const n = Number(digits);
  return { parent: podName.slice(0, dash), ordinal: n <= 2147483647 ? n : -1 };
}

export function getOrdinal(pod: KObject): number {
  return parentNameAndOrdinal(pod.metadata.name ?? '').ordinal;
}

/** spec.ordinals.start (0 without it). */
export function startOrdinal(set: KObject): number {
  const s = set.spec?.ordinals?.start;
  return typeof s === 'number' ? s : 0;
}

export function specReplicas(set: KObject): number {
  const r = set.spec?.replicas;
  return typeof r === 'number' ? r : 1;
}

/** The last ordinal of the set (inclusive). */
export function endOrdinal(set: KObject): number {
  return startOrdinal(set) + specReplicas(set) - 1;
}

export function podInOrdinalRange(pod: KObject, set: KObject): boolean {
  const o = getOrdinal(pod);
  return o >= startOrdinal(set) && o <= endOrdinal(set);
}

export function podName(set: KObject, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** getPersistentVolumeClaimName: `<template>-<set>-<ordinal>`. */
export function claimName(set: KObject, templateName: string, ordinal: number): string {
  return `${templateName}-${set.metadata.name}-${ordinal}`;
}

/** isMemberOf: the pod's name says it belongs to the set. */
export function isMemberOf(set: KObject, pod: KObject): boolean {
  return parentNameAndOrdinal(pod.metadata.name ?? '').parent === set.metadata.name;
}

/** identityMatches: name, namespace and pod-name label agree with the ordinal. */
export function identityMatches(set: KObject, pod: KObject): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod.metadata.name ?? '');
  return (
    ordinal >= 0 &&
    set.metadata.name === parent &&
    pod.metadata.name === podName(set, ordinal) &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name
  );
}

function claimTemplates(set: KObject): KObject[] {
  return Array.isArray(set.spec?.volumeClaimTemplates) ? set.spec.volumeClaimTemplates : [];
}

/** storageMatches: every claim template has a volume of its name pointing at the pod's claim. */
export function storageMatches(set: KObject, pod: KObject): boolean {
  const ordinal = getOrdinal(pod);
  if (ordinal < 0) return false;
  const volumes = new Map<string, KObject>();
  for (const v of (pod.spec?.volumes ?? []) as KObject[]) volumes.set(v.name, v);
  for (const t of claimTemplates(set)) {
    const v = volumes.get(t.metadata?.name ?? '');
    if (!v || v.persistentVolumeClaim?.claimName !== claimName(set, t.metadata?.name ?? '', ordinal)) return false;
  }
  return true;
}

/** The names of the claims the pod needs (cheap: no copies), in template order. */
export function claimNamesForPod(set: KObject, pod: KObject): string[] {
  const ordinal = getOrdinal(pod);
  return claimTemplates(set).map((t) => claimName(set, t.metadata?.name ?? '', ordinal));
}

/**
 * getPersistentVolumeClaims: the claims the pod needs, by template name: each template copied,
 * renamed for the ordinal, in the set's namespace, labelled with the selector's matchLabels.
 */
export function claimsForPod(set: KObject, pod: KObject): Map<string, KObject> {
  const ordinal = getOrdinal(pod);
  const matchLabels = (set.spec?.selector?.matchLabels ?? {}) as Record<string, string>;
  const out = new Map<string, KObject>();
  for (const t of claimTemplates(set)) {
    const templateName = t.metadata?.name ?? '';
    const meta = cloneJson(t.metadata ?? {}) as KObject['metadata'];
    delete meta.creationTimestamp;
    const claim: KObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { ...meta, name: claimName(set, templateName, ordinal), namespace: set.metadata.namespace, labels: { ...(meta.labels ?? {}), ...matchLabels } },
      spec: cloneJson(t.spec ?? {}),
    };
    out.set(templateName, claim);
  }
  return out;
}

/** updateStorage: the pod's volumes for its claims first (template order), then its other volumes. */
export function updateStorage(set: KObject, pod: KObject): void {
  const claims = claimsForPod(set, pod);
  const volumes: KObject[] = [];
  for (const [name, claim] of claims) volumes.push({ name, persistentVolumeClaim: { claimName: claim.metadata.name } } as unknown as KObject);
  for (const v of (pod.spec?.volumes ?? []) as KObject[]) if (!claims.has(v.name)) volumes.push(v);
  pod.spec = { ...(pod.spec ?? {}), volumes };
  if (!volumes.length) delete pod.spec.volumes;
}

/** updateIdentity: name, namespace and the pod-name and pod-index labels from the ordinal. */
export function updateIdentity(set: KObject, pod: KObject): void {
  const ordinal = getOrdinal(pod);
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** initIdentity: updateIdentity plus the fields only set at creation: hostname and subdomain. */
export function initIdentity(set: KObject, pod: KObject): void {
  updateIdentity(set, pod);
  pod.spec = { ...(pod.spec ?? {}), hostname: pod.metadata.name };
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
}

/** getPodRevision: the controller-revision-hash label (a revision name), "" when absent. */
export function getPodRevision(pod: KObject): string {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL_KEY] ?? '';
}

export function setPodRevision(pod: KObject, revision: string): void {
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL_KEY]: revision };
}

/** newStatefulSetPod: the template's pod with the ordinal identity and the claim volumes. */
export function newStatefulSetPod(set: KObject, ordinal: number): KObject {
  const pod = newPodFromTemplate((set.spec?.template ?? {}) as PodTemplateSpec, set, newControllerRef(set, STATEFULSET_GVK));
  pod.metadata.name = podName(set, ordinal);
  initIdentity(set, pod);
  updateStorage(set, pod);
  return pod;
}

/** ApplyRevision: the set with the pod template its revision holds. */
export function applyRevision(set: KObject, revision: ControllerRevision): KObject {
  const template = templateOfRevision(revision);
  return template ? { ...set, spec: { ...set.spec, template } } : set;
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition (RollingUpdate) are built from the
 * current revision, the others from the update revision. (Upstream's condition groups as
 * `(RollingUpdate && no rollingUpdate && ord < start+currentReplicas) || (rollingUpdate && ord <
 * start+partition)`; we keep that grouping.)
 */
export function newVersionedStatefulSetPod(currentSet: KObject, updateSet: KObject, currentRevision: string, updateRevision: string, ordinal: number): KObject {
  const us = currentSet.spec?.updateStrategy ?? {};
  const start = startOrdinal(currentSet);
  const fromCurrent =
    (us.type === 'RollingUpdate' && !us.rollingUpdate && ordinal < start + (currentSet.status?.currentReplicas ?? 0)) ||
    (!!us.rollingUpdate && ordinal < start + (us.rollingUpdate.partition ?? 0));
  const pod = newStatefulSetPod(fromCurrent ? currentSet : updateSet, ordinal);
  setPodRevision(pod, fromCurrent ? currentRevision : updateRevision);
  return pod;
}

// ---- pod predicates -------------------------------------------------------------------------------

/** isCreated: the API server has it (a created pod always has a phase). */
export const isCreated = (pod: KObject) => !!pod.status?.phase;
export const isPending = (pod: KObject) => pod.status?.phase === 'Pending';
export const isFailed = (pod: KObject) => pod.status?.phase === 'Failed';
export const isSucceeded = (pod: KObject) => pod.status?.phase === 'Succeeded';
export const isTerminating = (pod: KObject) => !!pod.metadata.deletionTimestamp;
export const isRunningAndReady = (pod: KObject) => pod.status?.phase === 'Running' && isPodReady(pod);
export const isRunningAndAvailable = (pod: KObject, minReadySeconds: number, now: Date) => isPodAvailable(pod, minReadySeconds, now);
/** isHealthy: running, ready and not terminating. */
export const isHealthy = (pod: KObject) => isRunningAndReady(pod) && !isTerminating(pod);
/** allowsBurst: podManagementPolicy Parallel. */
export const allowsBurst = (set: KObject) => set.spec?.podManagementPolicy === 'Parallel';

export function minReadySeconds(set: KObject): number {
  const m = set.spec?.minReadySeconds;
  return typeof m === 'number' && m > 0 ? m : 0;
}

/** Sorts by ordinal, highest first (descendingOrdinal); a sorted copy. */
export function descendingOrdinal(pods: readonly KObject[]): KObject[] {
  return [...pods].sort((a, b) => getOrdinal(b) - getOrdinal(a));
}
