// What the Endpoints and EndpointSlice controllers share about pods behind a Service (v1.32:
// pkg/api/v1/pod FindPort, staging/src/k8s.io/endpointslice/util ShouldPodBeInEndpoints,
// ShouldSetHostname, and pkg/controller/util/endpoint's trigger time tracker).

import type { JsonObject, KObject } from '../../api/types.js';
import { selectorFromSet } from '../../api/labels.js';
import { podReadyCondition } from '../shared/pod-utils.js';

export const LAST_CHANGE_TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

const o = (v: unknown): JsonObject => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});
const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.map(o) : []);
const s = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The Service's selector as a map, or undefined when it has none (then no controller manages its endpoints). */
export function serviceSelector(svc: KObject): Record<string, string> | undefined {
  const sel = o(svc.spec).selector;
  if (typeof sel !== 'object' || sel === null || Array.isArray(sel) || Object.keys(sel).length === 0) return undefined;
  return sel as Record<string, string>;
}

/** Services of type ExternalName get no endpoints from the controllers; selector-less ones are the user's. */
export function managesEndpoints(svc: KObject): boolean {
  return serviceSelector(svc) !== undefined && o(svc.spec).type !== 'ExternalName';
}

export function selectsPod(svc: KObject, pod: KObject): boolean {
  const sel = serviceSelector(svc);
  if (!sel || pod.metadata.namespace !== svc.metadata.namespace) return false;
  return selectorFromSet(sel).matches(pod.metadata.labels ?? {});
}

/**
 * The Services (from `services`, indexed by namespace) that select any of `pods`, each once: a
 * pod change (old and new labels) touches the endpoints of these.
 */
export function servicesSelecting(services: { byIndex(index: string, value: string): KObject[] }, pods: KObject[]): KObject[] {
  const out = new Map<string, KObject>();
  for (const pod of pods) {
    for (const svc of services.byIndex('namespace', pod.metadata.namespace ?? '')) {
      const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
      if (!out.has(key) && selectsPod(svc, pod)) out.set(key, svc);
    }
  }
  return [...out.values()];
}

export function isHeadless(svc: KObject): boolean {
  return o(svc.spec).clusterIP === 'None';
}

/** The Service's primary IP family ("IPv4" unless it says IPv6). */
export function serviceIPFamily(svc: KObject): 'IPv4' | 'IPv6' {
  const fams = o(svc.spec).ipFamilies;
  if (Array.isArray(fams) && fams[0] === 'IPv6') return 'IPv6';
  const ip = s(o(svc.spec).clusterIP);
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

/** The pod IP of the family (status.podIPs, else status.podIP), or '' when it has none. */
export function podIPForFamily(pod: KObject, family: 'IPv4' | 'IPv6'): string {
  const status = o(pod.status);
  const ips = list(status.podIPs).map((p) => s(p.ip)).filter(Boolean);
  if (ips.length === 0 && s(status.podIP)) ips.push(s(status.podIP));
  return ips.find((ip) => ip.includes(':') === (family === 'IPv6')) ?? '';
}

/** ShouldPodBeInEndpoints: has an IP, not terminal, and not being deleted unless terminating pods are included. */
export function shouldPodBeInEndpoints(pod: KObject, includeTerminating: boolean): boolean {
  const status = o(pod.status);
  if (!s(status.podIP) && list(status.podIPs).length === 0) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return status.phase !== 'Failed' && status.phase !== 'Succeeded';
}

/** ShouldSetHostname: a headless Service whose name is the pod's subdomain (and the pod has a hostname). */
export function shouldSetHostname(pod: KObject, svc: KObject): boolean {
  const spec = o(pod.spec);
  return !!s(spec.hostname) && s(spec.subdomain) === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace && isHeadless(svc);
}

/**
 * FindPort: a numeric targetPort is itself; a named one is the containerPort of that name and
 * protocol in the pod's containers (and restartable init containers), or undefined.
 */
export function findPort(pod: KObject, servicePort: JsonObject): number | undefined {
  const target = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') return target;
  if (typeof target === 'string' && /^[0-9]+$/.test(target)) return Number(target);
  const name = s(target);
  const proto = s(servicePort.protocol) || 'TCP';
  const spec = o(pod.spec);
  const containers = [...list(spec.containers), ...list(spec.initContainers).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of list(c.ports)) if (s(p.name) === name && (s(p.protocol) || 'TCP') === proto) return typeof p.containerPort === 'number' ? p.containerPort : undefined;
  }
  return undefined;
}

/** The pod's change time as the trigger time tracker sees it: its Ready condition's last transition. */
export function podTriggerTime(pod: KObject): string | undefined {
  return podReadyCondition(pod)?.lastTransitionTime ?? undefined;
}

/**
 * TriggerTimeTracker: for each Service, the earliest change (pod Ready transition, or the Service's
 * creation) not yet reflected by the controller's last sync. The annotation written with a change
 * is that time; undefined when no tracked change explains the write (e.g. a pod went away).
 */
export class TriggerTimeTracker {
  private state = new Map<string, { pods: Map<string, string | undefined>; service: string | undefined }>();

  compute(serviceKey: string, svc: KObject, pods: readonly KObject[]): string | undefined {
    const prev = this.state.get(serviceKey);
    const next = { pods: new Map<string, string | undefined>(), service: svc.metadata.creationTimestamp ?? undefined };
    let min: string | undefined;
    const consider = (t: string | undefined) => {
      if (t && (min === undefined || Date.parse(t) < Date.parse(min))) min = t;
    };
    for (const pod of pods) {
      const t = podTriggerTime(pod);
      next.pods.set(pod.metadata.name!, t);
      if (!prev || !prev.pods.has(pod.metadata.name!) || prev.pods.get(pod.metadata.name!) !== t) consider(t);
    }
    if (!prev || prev.service !== next.service) consider(next.service);
    this.state.set(serviceKey, next);
    return min;
  }

  forget(serviceKey: string): void {
    this.state.delete(serviceKey);
  }

  clear(): void {
    this.state.clear();
  }
}

/** RFC3339Nano as Go prints a time: fractional seconds only when non-zero, trailing zeros trimmed. */
export function rfc3339Nano(t: string): string {
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) return t;
  const iso = new Date(ms).toISOString();
  return iso.replace(/\.000Z$/, 'Z').replace(/(\.\d*?)0+Z$/, '$1Z');
}
