// What the agent remembers about each pod it runs. The runtime holds the containers; the
// record maps container names to the runtime's instances and keeps the agent-side facts the
// runtime cannot know (restart decisions in flight, back-off reasons, termination deadline).

import type { JsonObject, KObject } from '../api/types.js';
import { initContainersOf, isSidecar, type ContainerKind } from './pod-spec-helpers.js';
import type { ContainerRuntime, ContainerStatus } from './runtime/runtime.js';

export interface ContainerRecord {
  name: string;
  kind: ContainerKind;
  /** Runtime id of the latest instance. */
  currentId?: string;
  /** Runtime id and final status of the instance before it (kept for lastState and logs --previous). */
  previousId?: string;
  previous?: ContainerStatus;
  /** Attempt number of the latest instance (restartCount). */
  restartCount: number;
  /** Why the container waits instead of running (CrashLoopBackOff, ErrImageNeverPull, ...). */
  waiting?: { reason: string; message?: string };
  /** A stop the agent started on a running instance for a reason of its own (probe, spec change). */
  killing?: { id: string; restart: boolean };
  /** A stop for termination: the instance and the SIGKILL deadline asked of the runtime. */
  stopping?: { id: string; deadline: number };
  /** The instance whose preStop hook ran. */
  preStopFor?: string;
  /** The instance whose Started event was sent. */
  startedEventFor?: string;
  /** finishedAt of the exit whose BackOff event was sent. */
  backoffEventFor?: number;
  /** Known only from the API's status (agent restart); `previous` is that last instance. */
  resumed?: boolean;
}

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  runtime: ContainerRuntime;
  sandboxId?: string;
  sandboxReady: boolean;
  podIP?: string;
  /** Sandbox creation failures in a row (for the retry delay). */
  sandboxFailures: number;
  /** JSON of the annotations last given to the runtime. */
  annotationsKey: string;
  containers: Map<string, ContainerRecord>;
  /** All init containers completed once; they are not run again. */
  initialized: boolean;
  /** SIGKILL deadline (epoch ms) for stopping the pod (deletion or completion). */
  stopDeadline?: number;
  /** Nothing runs any more: every container stopped and the sandbox is down. */
  finished: boolean;
  /** The pod was already Succeeded/Failed when the agent first saw it: nothing to run or report. */
  adoptedTerminal?: boolean;
  /** Why the pod failed when the agent ended it (activeDeadlineSeconds). */
  failure?: { reason: string; message: string };
  /** The DELETE that removes the pod from the API was sent; the record waits for the watch. */
  deleteSent: boolean;
}

export function newPodRecord(pod: KObject, runtime: ContainerRuntime): PodRecord {
  return {
    uid: pod.metadata.uid!,
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name!,
    runtime,
    sandboxReady: false,
    sandboxFailures: 0,
    annotationsKey: '',
    containers: new Map(),
    initialized: false,
    finished: false,
    deleteSent: false,
  };
}

export function containerRecord(rec: PodRecord, name: string, kind: ContainerKind): ContainerRecord {
  let cr = rec.containers.get(name);
  if (!cr) rec.containers.set(name, (cr = { name, kind, restartCount: 0 }));
  return cr;
}

function terminatedFrom(t: JsonObject, name: string): ContainerStatus {
  const date = (v: unknown) => (typeof v === 'string' && v ? new Date(v) : undefined);
  const id = typeof t.containerID === 'string' ? t.containerID.replace(/^[a-z0-9-]+:\/\//, '') : '';
  return {
    id,
    sandboxId: '',
    name,
    attempt: 0,
    image: '',
    imageRef: '',
    state: 'exited',
    createdAt: date(t.startedAt) ?? new Date(0),
    startedAt: date(t.startedAt),
    finishedAt: date(t.finishedAt),
    exitCode: typeof t.exitCode === 'number' ? t.exitCode : 137,
    signal: typeof t.signal === 'number' ? t.signal : undefined,
    reason: typeof t.reason === 'string' ? t.reason : undefined,
    message: typeof t.message === 'string' ? t.message : undefined,
  };
}

/**
 * A pod the API says was running before this agent knew it (the agent restarted and its runtime
 * lost the containers): containers that had run count a restart, with the last state the API
 * had (a container that was running ends as ContainerStatusUnknown, as the kubelet reports a
 * container it cannot find), and init containers are not run again once the pod had initialized.
 */
export function resumeFromApi(rec: PodRecord, pod: KObject): void {
  const st = (pod.status ?? {}) as JsonObject;
  const statuses: JsonObject[] = Array.isArray(st.containerStatuses) ? st.containerStatuses : [];
  const initStatuses: JsonObject[] = Array.isArray(st.initContainerStatuses) ? st.initContainerStatuses : [];
  const sidecars = new Set(initContainersOf(pod).filter(isSidecar).map((c) => String(c.name)));
  const resume = (cs: JsonObject, kind: ContainerKind) => {
    const state = (cs.state ?? {}) as JsonObject;
    const last = (cs.lastState ?? {}) as JsonObject;
    let previous: ContainerStatus | undefined;
    if (state.running) previous = terminatedFrom({ exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: state.running.startedAt }, String(cs.name));
    else if (state.terminated) previous = terminatedFrom(state.terminated, String(cs.name));
    else if (last.terminated) previous = terminatedFrom(last.terminated, String(cs.name));
    if (!previous) return false;
    const cr = containerRecord(rec, String(cs.name), kind);
    cr.previous = previous;
    cr.resumed = true;
    cr.restartCount = (typeof cs.restartCount === 'number' ? cs.restartCount : 0) + 1;
    return true;
  };
  let ran = false;
  for (const cs of statuses) if (resume(cs, 'regular')) ran = true;
  for (const cs of initStatuses) if (sidecars.has(String(cs.name))) resume(cs, 'sidecar');
  rec.initialized = ran;
}
