// The pod status the agent reports, as a pure function of what it knows: the spec, the runtime's
// view of each container (latest and previous instance), probe results, and the status it
// reported last. It follows the kubelet's generateAPIPodStatus (pkg/kubelet/kubelet_pods.go),
// getPhase, pkg/kubelet/status/generate.go and the status manager's TerminatePod.

import type { JsonObject, KObject } from '../api/types.js';
import { rfc3339 } from '../util/clock.js';
import type { ContainerStatus as RuntimeContainerStatus } from './runtime/runtime.js';
import { containersOf, initContainersOf, isSidecar, restartPolicyOf, type ContainerKind } from './pod-spec-helpers.js';

export interface ContainerView {
  name: string;
  kind: ContainerKind;
  /** The image in the spec (reported until the runtime knows the container). */
  image: string;
  current?: RuntimeContainerStatus;
  previous?: RuntimeContainerStatus;
  restartCount: number;
  /** A reason the container is waiting instead (CrashLoopBackOff, ErrImageNeverPull, ...). */
  waiting?: { reason: string; message?: string };
  started: boolean;
  ready: boolean;
}

export interface StatusInput {
  pod: KObject;
  runtimeType: string;
  containers: ContainerView[];
  initContainers: ContainerView[];
  sandboxReady: boolean;
  podIP?: string;
  hostIP: string;
  /** The pod will not run anything again (completed, failed, deleted and stopped). */
  podIsTerminal: boolean;
  /** The status this agent reported last, or the API's when it reported nothing yet. */
  previous?: JsonObject;
  now: Date;
  /** status.reason/message to set with a Failed phase (DeadlineExceeded). */
  failure?: { reason: string; message: string };
}

export const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

function goList(names: string[]): string {
  return `[${names.join(' ')}]`;
}

function terminatedOf(s: RuntimeContainerStatus, runtimeType: string): JsonObject {
  const t: JsonObject = { exitCode: s.exitCode ?? 0 };
  if (s.signal) t.signal = s.signal;
  t.reason = s.reason ?? ((s.exitCode ?? 0) === 0 ? 'Completed' : 'Error');
  if (s.message) t.message = s.message;
  t.startedAt = s.startedAt ? rfc3339(s.startedAt) : null;
  t.finishedAt = s.finishedAt ? rfc3339(s.finishedAt) : null;
  if (s.id) t.containerID = `${runtimeType}://${s.id}`;
  return t;
}

function apiContainerStatus(v: ContainerView, hasInit: boolean, runtimeType: string): JsonObject {
  const cur = v.current;
  let state: JsonObject;
  let lastState: JsonObject = v.previous?.state === 'exited' ? { terminated: terminatedOf(v.previous, runtimeType) } : {};
  if (!cur) {
    state = { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  } else if (cur.state === 'running') {
    state = { running: { startedAt: cur.startedAt ? rfc3339(cur.startedAt) : null } };
  } else if (cur.state === 'exited') {
    state = { terminated: terminatedOf(cur, runtimeType) };
  } else {
    state = { waiting: { reason: 'ContainerCreating' } };
  }
  if (v.waiting) {
    if (state.terminated) lastState = state;
    state = { waiting: v.waiting.message ? { reason: v.waiting.reason, message: v.waiting.message } : { reason: v.waiting.reason } };
  }
  const out: JsonObject = {
    name: v.name,
    state,
    lastState,
    ready: v.ready,
    restartCount: v.restartCount,
    image: cur?.image || v.image,
    imageID: cur?.imageRef ?? '',
  };
  if (cur?.id) out.containerID = `${runtimeType}://${cur.id}`;
  out.started = v.started;
  return out;
}

const isTerminated = (cs: JsonObject) => !!cs.state?.terminated;
const isRunning = (cs: JsonObject) => !!cs.state?.running;
const isWaiting = (cs: JsonObject) => !!cs.state?.waiting;
const lastTerminated = (cs: JsonObject) => !!cs.lastState?.terminated;

/** kubecontainer.HasAnyRegularContainerStarted. */
function anyRegularStarted(statuses: JsonObject[]): boolean {
  return statuses.some((cs) => isRunning(cs) || isTerminated(cs) || (isWaiting(cs) && lastTerminated(cs)));
}

/** status manager's hasPodInitialized. */
function hasPodInitialized(pod: KObject, initStatuses: JsonObject[], statuses: JsonObject[]): boolean {
  const inits = initContainersOf(pod);
  if (inits.length === 0) return true;
  if (statuses.some((cs) => lastTerminated(cs) || !isWaiting(cs))) return true;
  const last = initStatuses[initStatuses.length - 1];
  const spec = inits[initStatuses.length - 1];
  if (!last || !spec) return false;
  if (isSidecar(spec)) return isRunning(last) && last.started === true;
  return last.lastState?.terminated?.reason === 'Completed' || last.state?.terminated?.reason === 'Completed';
}

/** getPhase (kubelet_pods.go), with native sidecars. */
export function podPhase(pod: KObject, initStatuses: JsonObject[], statuses: JsonObject[], podIsTerminal: boolean): string {
  const policy = restartPolicyOf(pod);
  const byName = (list: JsonObject[], n: string) => list.find((s) => s.name === n);
  let pendingInit = 0;
  let failedInit = 0;
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of initContainersOf(pod)) {
    const cs = byName(initStatuses, String(c.name));
    if (isSidecar(c)) {
      if (!cs) unknown++;
      else if (isRunning(cs)) {
        if (cs.started !== true) pendingInit++;
        running++;
      } else if (isTerminated(cs)) {
        // terminated sidecars do not count toward the phase
      } else if (isWaiting(cs) && !lastTerminated(cs)) {
        pendingInit++;
        waiting++;
      } else if (!isWaiting(cs)) {
        pendingInit++;
        unknown++;
      }
      continue;
    }
    if (!cs || isRunning(cs)) pendingInit++;
    else if (isTerminated(cs)) {
      if (cs.state.terminated.exitCode !== 0) failedInit++;
    } else if (isWaiting(cs)) {
      if (lastTerminated(cs)) {
        if (cs.lastState.terminated.exitCode !== 0) failedInit++;
      } else pendingInit++;
    } else pendingInit++;
  }
  for (const c of containersOf(pod)) {
    const cs = byName(statuses, String(c.name));
    if (!cs) unknown++;
    else if (isRunning(cs)) running++;
    else if (isTerminated(cs)) {
      stopped++;
      if (cs.state.terminated.exitCode === 0) succeeded++;
    } else if (isWaiting(cs)) {
      if (lastTerminated(cs)) stopped++;
      else waiting++;
    } else unknown++;
  }
  if (failedInit > 0 && policy === 'Never') return 'Failed';
  if ((pendingInit > 0 && !anyRegularStarted(statuses)) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, status: boolean, reason?: string, message?: string): JsonObject {
  const c: JsonObject = { type, status: status ? 'True' : 'False' };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function readinessConditions(pod: KObject, initStatuses: JsonObject[], statuses: JsonObject[], phase: string, apiConditions: JsonObject[]): JsonObject[] {
  const unknown: string[] = [];
  const unready: string[] = [];
  const check = (name: string, list: JsonObject[]) => {
    const cs = list.find((s) => s.name === name);
    if (!cs) unknown.push(name);
    else if (cs.ready !== true) unready.push(name);
  };
  for (const c of initContainersOf(pod)) if (isSidecar(c)) check(String(c.name), initStatuses);
  for (const c of containersOf(pod)) check(String(c.name), statuses);
  let cr: JsonObject;
  if ((phase === 'Succeeded' && unknown.length === 0) || phase === 'Failed') {
    cr = condition('ContainersReady', false, phase === 'Failed' ? 'PodFailed' : 'PodCompleted');
  } else {
    const msgs: string[] = [];
    if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
    if (unready.length) msgs.push(`containers with unready status: ${goList(unready)}`);
    cr = msgs.length ? condition('ContainersReady', false, 'ContainersNotReady', msgs.join(', ')) : condition('ContainersReady', true);
  }
  let ready: JsonObject;
  if (cr.status !== 'True') ready = { ...cr, type: 'Ready' };
  else {
    const gates = Array.isArray(pod.spec?.readinessGates) ? (pod.spec.readinessGates as JsonObject[]) : [];
    const msgs: string[] = [];
    for (const g of gates) {
      const c = apiConditions.find((x) => x.type === g.conditionType);
      if (!c) msgs.push(`corresponding condition of pod readiness gate "${g.conditionType}" does not exist.`);
      else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${g.conditionType}" is not "True", but ${c.status}`);
    }
    ready = msgs.length ? condition('Ready', false, 'ReadinessGatesNotReady', msgs.join(', ')) : condition('Ready', true);
  }
  return [ready, cr];
}

function initializedCondition(pod: KObject, initStatuses: JsonObject[], statuses: JsonObject[], phase: string): JsonObject {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of initContainersOf(pod)) {
    const cs = initStatuses.find((s) => s.name === c.name);
    if (!cs) {
      unknown.push(String(c.name));
      continue;
    }
    const done = isSidecar(c) ? cs.started === true : cs.ready === true;
    if (!done) incomplete.push(String(c.name));
  }
  if (phase === 'Succeeded' && unknown.length === 0) return condition('Initialized', true, 'PodCompleted');
  if (anyRegularStarted(statuses)) return condition('Initialized', true);
  const msgs: string[] = [];
  if (unknown.length) msgs.push(`containers with unknown status: ${goList(unknown)}`);
  if (incomplete.length) msgs.push(`containers with incomplete status: ${goList(incomplete)}`);
  return msgs.length ? condition('Initialized', false, 'ContainersNotInitialized', msgs.join(', ')) : condition('Initialized', true);
}

const UNKNOWN_TERMINATED = { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' };

export function generatePodStatus(input: StatusInput): JsonObject {
  const { pod } = input;
  const nowText = rfc3339(input.now);
  const api = (pod.status ?? {}) as JsonObject;
  const prev = input.previous ?? api;
  const hasInit = input.initContainers.length > 0;
  const initStatuses = input.initContainers.map((v) => apiContainerStatus(v, true, input.runtimeType));
  const statuses = input.containers.map((v) => apiContainerStatus(v, hasInit, input.runtimeType)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  if (input.podIsTerminal) {
    // TerminatePod: once the pod initialized, a container with no final state failed as far as
    // anyone can tell; so did every init container but the trailing ones that never left waiting.
    if (hasPodInitialized(pod, initStatuses, statuses)) {
      for (const cs of statuses) if (!isTerminated(cs)) cs.state = { terminated: { ...UNKNOWN_TERMINATED } };
    }
    let end = initStatuses.length;
    while (end > 0 && isWaiting(initStatuses[end - 1])) end--;
    if (end === 0 && initStatuses.length > 0) end = 1;
    for (let i = 0; i < end; i++) if (!isTerminated(initStatuses[i])) initStatuses[i].state = { terminated: { ...UNKNOWN_TERMINATED } };
  }

  let phase = podPhase(pod, initStatuses, statuses, input.podIsTerminal);
  if (input.failure) phase = 'Failed';
  if (input.podIsTerminal && phase !== 'Succeeded' && phase !== 'Failed') phase = 'Failed';
  // Pods never leave a terminal phase.
  if (prev.phase === 'Failed' || prev.phase === 'Succeeded') phase = prev.phase;
  if (api.phase === 'Failed' || api.phase === 'Succeeded') phase = api.phase;

  const apiConditions: JsonObject[] = Array.isArray(api.conditions) ? api.conditions : [];
  const prevConditions: JsonObject[] = Array.isArray(prev.conditions) ? prev.conditions : [];
  const owned = [
    condition('PodReadyToStartContainers', input.sandboxReady),
    initializedCondition(pod, initStatuses, statuses, phase),
    ...readinessConditions(pod, initStatuses, statuses, phase, apiConditions),
    condition('PodScheduled', true),
  ];
  const conditions: JsonObject[] = [];
  for (const c of apiConditions) if (!KUBELET_CONDITIONS.includes(c.type)) conditions.push(c);
  for (const c of owned) {
    const old = prevConditions.find((x) => x.type === c.type) ?? apiConditions.find((x) => x.type === c.type);
    const keep = old && old.status === c.status && old.lastTransitionTime;
    conditions.push({ type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: keep ? old.lastTransitionTime : nowText, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) });
  }

  const status: JsonObject = { phase, conditions };
  if (input.failure) {
    status.reason = input.failure.reason;
    status.message = input.failure.message;
  } else if (prev.phase === phase) {
    if (prev.reason ?? api.reason) status.reason = prev.reason ?? api.reason;
    if (prev.message ?? api.message) status.message = prev.message ?? api.message;
  }
  status.hostIP = input.hostIP;
  status.hostIPs = [{ ip: input.hostIP }];
  const podIP = input.podIP ?? prev.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  status.startTime = prev.startTime ?? api.startTime ?? nowText;
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  status.containerStatuses = statuses;
  if (api.qosClass) status.qosClass = api.qosClass;
  return status;
}
