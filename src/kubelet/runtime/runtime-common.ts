// What the sim, process and runc runtimes do alike: ids, pod IPs from the node's pod CIDR, CRI
// log directories, event listeners, and the waiting/kill-deadline bookkeeping of containers
// that are real processes. Each runtime keeps its own state; these helpers only act on it.

import { randomBytes } from 'node:crypto';
import { basename, join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import { IpAllocator } from './ip-allocator.js';
import { RuntimeNotFoundError, type PodSandboxConfig, type RuntimeConfig, type PodSandboxStatus, type RuntimeEvent } from './runtime.js';

/** A 64-hex id, as containerd's. */
export function newRuntimeId(): string {
  return randomBytes(32).toString('hex');
}

/** What a sandbox holds of the pod CIDR (only allocator IPs are reserved again). */
export interface PodIpHolder {
  ip?: string;
  holdsIp: boolean;
}

/**
 * The allocator for a (re)configured pod CIDR: the current one when the CIDR did not change,
 * otherwise a new one with the IPs live sandboxes hold (and that are in range) kept reserved.
 */
export function podCidrAllocator(current: IpAllocator | undefined, podCIDR: string | undefined, sandboxes: Iterable<PodIpHolder>): IpAllocator | undefined {
  if (!podCIDR || podCIDR === current?.cidr) return current;
  const next = new IpAllocator(podCIDR);
  for (const sb of sandboxes) if (sb.holdsIp && sb.ip && next.contains(sb.ip)) next.reserve(sb.ip);
  return next;
}

/**
 * The allocator after updateRuntimeConfig: the node's shared pool when the config brings one
 * (the IPs this runtime's live sandboxes hold are reserved in it), else podCidrAllocator's.
 */
export function configuredAllocator(current: IpAllocator | undefined, config: RuntimeConfig, sandboxes: Iterable<PodIpHolder>): IpAllocator | undefined {
  if (!config.ips) return podCidrAllocator(current, config.podCIDR, sandboxes);
  for (const sb of sandboxes) if (sb.holdsIp && sb.ip && config.ips.contains(sb.ip)) config.ips.reserve(sb.ip);
  return config.ips;
}

/** A new sandbox's IP: the node's for hostNetwork, else one from the pod CIDR (held until stop). */
export function allocatePodIp(hostNetwork: boolean, nodeIP: string, ips: IpAllocator | undefined): { ip: string; holdsIp: boolean } {
  if (hostNetwork) return { ip: nodeIP, holdsIp: false };
  if (!ips) throw new Error('failed to set up pod network: no pod CIDR is configured for this node (network plugin is not ready)');
  return { ip: ips.allocate(), holdsIp: true };
}

/** Gives a stopped sandbox's IP back to the allocator (once). */
export function releasePodIp(sb: PodIpHolder, ips: IpAllocator | undefined): void {
  if (sb.holdsIp && sb.ip) ips?.release(sb.ip);
  sb.holdsIp = false;
}

/** The pod's CRI log directory under `logDir`: the kubelet's choice, else `<ns>_<name>_<uid>`. */
export function podLogDir(logDir: string, c: PodSandboxConfig): string {
  return join(logDir, c.logDirectory ? basename(c.logDirectory) : `${c.namespace}_${c.name}_${c.uid}`);
}

/** CRI status of a sandbox whose record keeps its creation time as an ISO string. */
export function storedSandboxStatus(sb: PodIpHolder & { id: string; config: PodSandboxConfig; state: 'ready' | 'notready'; createdAt: string }): PodSandboxStatus {
  return { id: sb.id, uid: sb.config.uid, name: sb.config.name, namespace: sb.config.namespace, state: sb.state, createdAt: new Date(sb.createdAt), ip: sb.ip };
}

/** The container `id` of `containers`, or the CRI's not-found error. */
export function requireContainer<C>(containers: Map<string, C>, id: string): C {
  const c = containers.get(id);
  if (!c) throw new RuntimeNotFoundError('container', id);
  return c;
}

/** The runtime's event subscribers. */
export class RuntimeListeners {
  private readonly listeners = new Set<(ev: RuntimeEvent) => void>();

  subscribe(listener: (ev: RuntimeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(ev: RuntimeEvent): void {
    for (const l of this.listeners) l(ev);
  }

  clear(): void {
    this.listeners.clear();
  }
}

/** A container that is a supervised host process (process and runc runtimes). */
export interface SupervisedContainer {
  state: 'created' | 'running' | 'exited';
  exit?: { exitCode: number };
  waiters: (() => void)[];
  killAt?: number;
  cancelKill?: () => void;
  termSent?: boolean;
  /** The supervisor, when this agent started it (its exit event tells the container's); ref() keeps the agent alive. */
  child?: { ref(): void; unref(): void };
  /** Set while this agent has no child handle on the supervisor (re-adopted after a restart). */
  poll?: ReturnType<typeof setInterval>;
}

/**
 * Resolves when the container's exit is recorded. Supervisors and polls do not keep the agent's
 * event loop alive, except while someone waits for an exit (a stop in progress must finish even
 * if nothing else is pending).
 */
export function waitExit(c: SupervisedContainer): Promise<void> {
  const p = new Promise<void>((resolve) => c.waiters.push(resolve));
  c.child?.ref();
  c.poll?.ref?.();
  return p;
}

/** The container's exit code once it has exited (attach sessions end with it). */
export function exitedCode(c: SupervisedContainer): Promise<{ exitCode: number }> {
  const code = () => ({ exitCode: c.exit?.exitCode ?? 0 });
  return new Promise((resolve) => (c.state === 'exited' ? resolve(code()) : c.waiters.push(() => resolve(code()))));
}

/**
 * Sets (or brings forward) the SIGKILL deadline of a stop: `timeoutSeconds` from now, when
 * `kill` runs if the container still runs. A later deadline never replaces an earlier one.
 */
export function scheduleKill(c: SupervisedContainer, clock: Clock, timeoutSeconds: number, kill: () => void): void {
  const at = clock.now().getTime() + Math.max(0, timeoutSeconds) * 1000;
  if (c.killAt !== undefined && at >= c.killAt) return;
  c.cancelKill?.();
  c.killAt = at;
  c.cancelKill = clock.setTimer(Math.max(0, at - clock.now().getTime()), () => {
    c.cancelKill = undefined;
    if (c.state === 'running') kill();
  });
}

/** Stops watching a container (agent closing): its timers and poll end, its waiters are released. */
export function unwatch(c: SupervisedContainer): void {
  c.cancelKill?.();
  if (c.poll) clearInterval(c.poll);
  for (const w of c.waiters.splice(0)) w();
}

/** Moves a container's bookkeeping to exited: deadline and poll cancelled, supervisor unreferenced. */
export function settleExited<E extends { exitCode: number }>(c: SupervisedContainer & { exit?: E }, exit: E): void {
  c.state = 'exited';
  c.exit = exit;
  c.cancelKill?.();
  c.cancelKill = undefined;
  if (c.poll) clearInterval(c.poll);
  c.poll = undefined;
  c.child?.unref();
}
