// What the agent remembers about each pod it runs. The runtime holds the containers; the
// record maps container names to the runtime's instances and keeps the agent-side facts the
// runtime cannot know (restart decisions in flight, back-off reasons, termination deadline).

import type { KObject } from '../api/types.js';
import type { ContainerKind } from './pod-spec-helpers.js';
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
  /** The instance whose Started event was sent. */
  startedEventFor?: string;
  /** finishedAt of the exit whose BackOff event was sent. */
  backoffEventFor?: number;
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
