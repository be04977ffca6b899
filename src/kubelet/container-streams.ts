// Which container instance a log, exec or attach request of the kubelet API means, with the
// kubelet's own error words (pkg/kubelet/kubelet_pods.go validateContainerLogStatus, GetExec):
// logs go by the pod status the agent reports (running instance, else the terminated one, or the
// last terminated one for --previous), exec and attach need a running container.

import { ApiError } from '../api/errors.js';
import type { JsonObject, KObject } from '../api/types.js';
import type { PodRecord } from './pod-record.js';
import { containersOf, initContainersOf } from './pod-spec-helpers.js';
import type { LogEntry, LogOptions, StreamOptions, StreamSession } from './runtime/runtime.js';
import { syncExecSession } from './sync-exec-session.js';

export interface StreamLookup {
  records(): Iterable<PodRecord>;
  pod(uid: string): KObject | undefined;
  /** The status the agent last reported for the pod (or undefined). */
  status(uid: string): JsonObject | undefined;
}

const badRequest = (m: string) => new ApiError(400, 'BadRequest', m);

export class ContainerStreams {
  constructor(private readonly l: StreamLookup) {}

  private find(namespace: string, name: string): { rec: PodRecord; pod: KObject } {
    for (const rec of this.l.records()) {
      if (rec.namespace !== namespace || rec.name !== name || rec.deleteSent) continue;
      const pod = this.l.pod(rec.uid);
      if (pod) return { rec, pod };
    }
    throw new ApiError(404, 'NotFound', `pod "${name}" in namespace "${namespace}" not found`);
  }

  /** The log of a container (its previous instance with `previous`). */
  logs(namespace: string, name: string, container: string, opts: LogOptions & { previous?: boolean }): AsyncIterable<LogEntry> {
    const { rec, pod } = this.find(namespace, name);
    const status = (this.l.status(rec.uid) ?? pod.status ?? {}) as JsonObject;
    const all = [...((status.containerStatuses as JsonObject[] | undefined) ?? []), ...((status.initContainerStatuses as JsonObject[] | undefined) ?? [])];
    const cs = all.find((s) => s.name === container);
    if (!cs) {
      const known = [...containersOf(pod), ...initContainersOf(pod)].some((c) => c.name === container);
      if (!known) throw badRequest(`container ${container} is not valid for pod ${name}`);
      throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    }
    const id = logContainerId(cs, container, name, opts.previous === true);
    return rec.runtime.readLogs(id, opts);
  }

  async exec(namespace: string, name: string, container: string, cmd: string[], opts: StreamOptions): Promise<StreamSession> {
    const { rec } = this.running(namespace, name, container);
    const rt = rec.runtime;
    const id = rec.containers.get(container)!.currentId!;
    if (rt.execStream) return rt.execStream(id, cmd, opts);
    if (!rt.capabilities.exec) throw badRequest(`the ${rt.type} runtime cannot run commands in containers`);
    if (opts.tty) throw badRequest(`the ${rt.type} runtime runs commands without a terminal: run kubectl exec without -t`);
    return syncExecSession(() => rt.execSync(id, cmd, 0), opts.stdin);
  }

  async attach(namespace: string, name: string, container: string, opts: StreamOptions): Promise<StreamSession> {
    const { rec } = this.running(namespace, name, container);
    const rt = rec.runtime;
    if (!rt.attach) throw badRequest(`the ${rt.type} runtime does not support attach`);
    return rt.attach(rec.containers.get(container)!.currentId!, opts);
  }

  /**
   * Where a port-forward of the pod dials: the pod IP on runtimes with their own pod network,
   * loopback for hostNetwork pods and for the process runtime, whose pods share the node's network.
   */
  portForward(namespace: string, name: string): { podId: string; netns: string; host: string } {
    const { rec, pod } = this.find(namespace, name);
    const rt = rec.runtime;
    if (rt.capabilities.simulatedProbes) {
      throw badRequest(`pod ${name} runs on the ${rt.type} runtime, whose containers are simulated and listen on no ports: port-forward needs the process or runc runtime`);
    }
    if (!rec.sandboxReady || !rec.sandboxId) throw badRequest(`unable to forward port because pod is not running. Current status=${String(pod.status?.phase ?? 'Pending')}`);
    const hostNetwork = pod.spec?.hostNetwork === true;
    if (rt.capabilities.podNetwork && !hostNetwork) {
      if (!rec.podIP) throw badRequest(`pod ${name} has no IP yet`);
      return { podId: rec.sandboxId, netns: `${rt.type} sandbox ${rec.sandboxId}`, host: rec.podIP };
    }
    return { podId: rec.sandboxId, netns: 'host', host: '127.0.0.1' };
  }

  private running(namespace: string, name: string, container: string): { rec: PodRecord } {
    const { rec, pod } = this.find(namespace, name);
    if (![...containersOf(pod), ...initContainersOf(pod)].some((c) => c.name === container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    const status = (this.l.status(rec.uid) ?? pod.status ?? {}) as JsonObject;
    const all = [...((status.containerStatuses as JsonObject[] | undefined) ?? []), ...((status.initContainerStatuses as JsonObject[] | undefined) ?? [])];
    const cs = all.find((s) => s.name === container);
    if (!cs?.state?.running || !rec.containers.get(container)?.currentId) throw new ApiError(404, 'NotFound', `container not found ("${container}")`);
    return { rec };
  }
}

/** validateContainerLogStatus: the runtime id whose log to read, or the kubelet's error. */
function logContainerId(cs: JsonObject, container: string, pod: string, previous: boolean): string {
  const state = (cs.state ?? {}) as JsonObject;
  const last = (cs.lastState ?? {}) as JsonObject;
  const strip = (id: unknown) => String(id ?? '').replace(/^[a-z0-9-]+:\/\//, '');
  if (previous) {
    if (!last.terminated?.containerID) throw badRequest(`previous terminated container "${container}" in pod "${pod}" not found`);
    return strip(last.terminated.containerID);
  }
  if (state.running) return strip(cs.containerID);
  if (state.terminated) {
    if (state.terminated.containerID) return strip(state.terminated.containerID);
    if (last.terminated?.containerID) return strip(last.terminated.containerID);
    throw badRequest(`container "${container}" in pod "${pod}" is terminated`);
  }
  if (last.terminated) {
    if (!last.terminated.containerID) throw badRequest(`container "${container}" in pod "${pod}" is terminated`);
    return strip(last.terminated.containerID);
  }
  const reason = state.waiting?.reason;
  if (reason === 'ErrImagePull') throw badRequest(`container "${container}" in pod "${pod}" is waiting to start: image can't be pulled`);
  if (reason === 'ImagePullBackOff') throw badRequest(`container "${container}" in pod "${pod}" is waiting to start: trying and failing to pull image`);
  if (reason) throw badRequest(`container "${container}" in pod "${pod}" is waiting to start: ${reason}`);
  throw badRequest(`container "${container}" in pod "${pod}" is waiting to start - no logs yet`);
}
