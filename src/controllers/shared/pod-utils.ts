// Pod predicates every workload controller uses (k8s.io/kubernetes pkg/api/v1/pod/util.go and
// pkg/controller/controller_utils.go, v1.32) and the pod a controller creates from its template
// (GetPodFromTemplate). Pure functions of the objects and an explicit `now`.

import { cloneJson } from '../../api/equality.js';
import type { KObject, OwnerReference } from '../../api/types.js';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string | null;
  lastProbeTime?: string | null;
  reason?: string;
  message?: string;
}

/** The pod's Ready condition, if it has one (GetPodReadyCondition). */
export function podReadyCondition(pod: KObject): PodCondition | undefined {
  const conds = pod.status?.conditions as PodCondition[] | undefined;
  if (!conds) return undefined;
  for (const c of conds) if (c.type === 'Ready') return c;
  return undefined;
}

/** Ready condition True (IsPodReady). */
export function isPodReady(pod: KObject): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * Counts for a controller: not Succeeded, not Failed, and not being deleted (IsPodActive /
 * FilterActivePods). A pod without a phase yet is active.
 */
export function isPodActive(pod: KObject): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** Parses a metav1.Time; 0 (Go's zero time) when absent or unparsable. */
export function timeMs(t: string | null | undefined): number {
  if (!t) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
}

/**
 * Ready for at least minReadySeconds (IsPodAvailable). As upstream, the Ready transition plus
 * minReadySeconds must lie strictly before `now`, and a zero transition time never counts unless
 * minReadySeconds is 0.
 */
export function isPodAvailable(pod: KObject, minReadySeconds: number, now: Date): boolean {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const ltt = timeMs(c.lastTransitionTime);
  return ltt !== 0 && ltt + minReadySeconds * 1000 < now.getTime();
}

/**
 * How long until a Ready pod becomes available (ms, >0), or undefined when it is not Ready or
 * already available. Controllers requeue after this to notice availability without a pod event.
 */
export function msUntilAvailable(pod: KObject, minReadySeconds: number, now: Date): number | undefined {
  const c = podReadyCondition(pod);
  if (c?.status !== 'True' || !minReadySeconds) return undefined;
  const ltt = timeMs(c.lastTransitionTime);
  if (ltt === 0) return undefined;
  const at = ltt + minReadySeconds * 1000 + 1; // strictly after, see isPodAvailable
  const d = at - now.getTime();
  return d > 0 ? d : undefined;
}

/** `namespace/name`, the key expectations track pods by (controller.PodKey). */
export function podKey(pod: KObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/** A pod's name prefix for generateName: `<owner>-`, or the owner's name if that would be invalid (getPodsPrefix). */
export function podNamePrefix(ownerName: string): string {
  // ValidatePodName(prefix, true) only fails here for over-long names (the owner's name is
  // already a valid DNS subdomain); the API server truncates generateName to fit anyway.
  const prefix = `${ownerName}-`;
  return prefix.length > 253 ? ownerName : prefix;
}

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; [k: string]: unknown };
  spec?: Record<string, unknown>;
}

/**
 * The pod a controller creates from its template (GetPodFromTemplate): the template's labels,
 * annotations and finalizers (copied; templates normally have none), generateName `<owner>-`,
 * the controller ownerReference, and a deep copy of the spec. Nothing else of the template's
 * metadata (name, uid...) is carried over.
 */
export function newPodFromTemplate(template: PodTemplateSpec, owner: KObject, controllerRef?: OwnerReference): KObject {
  const tm = template.metadata ?? {};
  const metadata: KObject['metadata'] = {
    generateName: podNamePrefix(owner.metadata.name ?? ''),
    namespace: owner.metadata.namespace,
  };
  if (tm.labels) metadata.labels = { ...tm.labels };
  if (tm.annotations) metadata.annotations = { ...tm.annotations };
  if (tm.finalizers?.length) metadata.finalizers = [...tm.finalizers];
  if (controllerRef) metadata.ownerReferences = [{ ...controllerRef }];
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: cloneJson(template.spec ?? {}) };
}
