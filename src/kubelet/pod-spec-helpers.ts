// Small readers over a pod's spec as the node agent needs them. Pods reach the agent already
// defaulted by the API server, but the readers still fall back to the API defaults so a
// hand-written object behaves the same.

import type { JsonObject, KObject } from '../api/types.js';

export type ContainerKind = 'init' | 'sidecar' | 'regular';
export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface ProbeSpec {
  kind: 'liveness' | 'readiness' | 'startup';
  raw: JsonObject;
  initialDelayMs: number;
  periodMs: number;
  timeoutSeconds: number;
  successThreshold: number;
  failureThreshold: number;
  terminationGracePeriodSeconds?: number;
}

export function spec(pod: KObject): JsonObject {
  return (pod.spec ?? {}) as JsonObject;
}

export function containersOf(pod: KObject): JsonObject[] {
  return Array.isArray(spec(pod).containers) ? (spec(pod).containers as JsonObject[]) : [];
}

export function initContainersOf(pod: KObject): JsonObject[] {
  return Array.isArray(spec(pod).initContainers) ? (spec(pod).initContainers as JsonObject[]) : [];
}

/** A native sidecar: an init container with restartPolicy Always. */
export function isSidecar(c: JsonObject): boolean {
  return c.restartPolicy === 'Always';
}

export function restartPolicyOf(pod: KObject): RestartPolicy {
  const p = spec(pod).restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

/** Whether a regular container that exited with `exitCode` is started again. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

export function terminationGraceSeconds(pod: KObject): number {
  const g = spec(pod).terminationGracePeriodSeconds;
  return typeof g === 'number' && g >= 0 ? g : 30;
}

/** format.Pod: name_namespace(uid), as kubelet messages print a pod. */
export function podDescription(pod: KObject): string {
  return `${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
}

export function fieldPathOf(kind: ContainerKind, name: string): string {
  return kind === 'regular' ? `spec.containers{${name}}` : `spec.initContainers{${name}}`;
}

const str = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);

export function commandOf(c: JsonObject): { command: string[]; args: string[] } {
  return { command: str(c.command), args: str(c.args) };
}

/** imagePullPolicy with the API default (Always for :latest or no tag, else IfNotPresent). */
export function pullPolicyOf(c: JsonObject): 'Always' | 'IfNotPresent' | 'Never' {
  const p = c.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const image = String(c.image ?? '');
  if (image.includes('@')) return 'IfNotPresent';
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > slash ? image.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function num(v: unknown, dflt: number, min: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min ? v : dflt;
}

export function probeOf(c: JsonObject, kind: ProbeSpec['kind']): ProbeSpec | undefined {
  const raw = c[`${kind}Probe`];
  if (!raw || typeof raw !== 'object') return undefined;
  const p = raw as JsonObject;
  return {
    kind,
    raw: p,
    initialDelayMs: num(p.initialDelaySeconds, 0, 0) * 1000,
    periodMs: num(p.periodSeconds, 10, 1) * 1000,
    timeoutSeconds: num(p.timeoutSeconds, 1, 1),
    successThreshold: kind === 'readiness' ? num(p.successThreshold, 1, 1) : 1,
    failureThreshold: num(p.failureThreshold, 3, 1),
    terminationGracePeriodSeconds: typeof p.terminationGracePeriodSeconds === 'number' ? p.terminationGracePeriodSeconds : undefined,
  };
}

/** The environment a container gets from its spec (literal values; references are not resolved). */
export function envOf(c: JsonObject): { name: string; value: string }[] {
  const env = Array.isArray(c.env) ? (c.env as JsonObject[]) : [];
  return env.filter((e) => typeof e.name === 'string').map((e) => ({ name: String(e.name), value: typeof e.value === 'string' ? e.value : '' }));
}
