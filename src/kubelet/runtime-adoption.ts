// An agent restart over a runtime that keeps its containers (the process runtime): at start the
// agent takes stock of the runtime's sandboxes, removes those whose pod is gone from the API
// (deleted while the agent was down: nothing of it may keep running), and gives the pod workers
// what it found for the others, so a running container is re-adopted (same id, restart count,
// previous instance for --previous) instead of being started again.

import type { KObject } from '../api/types.js';
import type { PodRecord } from './pod-record.js';
import { containerRecord } from './pod-record.js';
import { initContainersOf, isSidecar } from './pod-spec-helpers.js';
import type { ContainerRuntime, ContainerStatus, PodSandboxStatus } from './runtime/runtime.js';

export interface AdoptedPod {
  runtime: ContainerRuntime;
  sandbox: PodSandboxStatus;
  containers: ContainerStatus[];
}

/**
 * The runtimes' sandboxes by pod uid (the newest per pod). Sandboxes of pods `exists` does not
 * know, and older sandboxes of a pod, are removed with their containers.
 */
export async function takeInventory(runtimes: ContainerRuntime[], exists: (uid: string) => boolean, log: (m: string) => void): Promise<Map<string, AdoptedPod>> {
  const out = new Map<string, AdoptedPod>();
  for (const rt of runtimes) {
    const sandboxes = (await rt.listPodSandboxes()).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
    for (const sb of sandboxes) {
      if (!exists(sb.uid) || out.has(sb.uid)) {
        log(`removing sandbox ${sb.id} of pod ${sb.namespace}/${sb.name}: the pod no longer exists`);
        await rt.removePodSandbox(sb.id).catch((err) => log(`removing sandbox ${sb.id}: ${err instanceof Error ? err.message : String(err)}`));
        continue;
      }
      out.set(sb.uid, { runtime: rt, sandbox: sb, containers: await rt.listContainers({ sandboxId: sb.id }) });
    }
  }
  return out;
}

/** Rebuilds the agent's record of a pod from what its runtime still has. Returns ids to remove. */
export function adoptInto(rec: PodRecord, pod: KObject, a: AdoptedPod, nodeIP: string): string[] {
  rec.sandboxId = a.sandbox.id;
  rec.sandboxReady = a.sandbox.state === 'ready';
  rec.podIP = pod.spec?.hostNetwork === true ? nodeIP : a.sandbox.ip;
  if (!rec.sandboxReady) rec.finished = true;
  const inits = new Map(initContainersOf(pod).map((c) => [String(c.name), isSidecar(c) ? ('sidecar' as const) : ('init' as const)]));
  const byName = new Map<string, ContainerStatus[]>();
  for (const c of a.containers) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
  const stale: string[] = [];
  let regularRan = false;
  for (const [name, list] of byName) {
    list.sort((x, y) => y.attempt - x.attempt || y.createdAt.getTime() - x.createdAt.getTime());
    const kind = inits.get(name) ?? 'regular';
    if (kind === 'regular') regularRan = true;
    const cr = containerRecord(rec, name, kind);
    const [latest, prev, ...older] = list;
    cr.currentId = latest.id;
    cr.restartCount = latest.attempt;
    if (latest.state === 'running') cr.startedEventFor = latest.id;
    if (prev) {
      cr.previousId = prev.id;
      cr.previous = prev;
    }
    for (const o of older) stale.push(o.id);
  }
  rec.initialized = regularRan;
  return stale;
}
