// What the runc runtime keeps on disk so a restarted agent finds its pods again:
//   sandboxes/<id>/sandbox.json   the sandbox record; ns/{net,uts,ipc} its namespaces; hosts, ...
//   containers/<id>/container.json  the container record; bundle/ (config.json, rootfs overlay
//                                 mount), upper/ work/, spec (supervisor), pid (runc's pid file),
//                                 exit (written by the supervisor), runc.log
//   runc/                         runc's own state (--root)
//   pods/<ns>_<name>_<uid>/<container>/<attempt>.log   CRI logs
// Records are replaced whole (write aside, rename).

import type { ContainerConfig, ContainerState, ContainerStatus, PodSandboxConfig } from '../runtime.js';
import type { ExitRecord } from '../process/process-state.js';
import type { PodFiles } from './pod-files.js';
import type { PodNamespaces } from './pod-network.js';

export interface RuncSandboxRecord {
  id: string;
  config: PodSandboxConfig;
  annotations: Record<string, string>;
  state: 'ready' | 'notready';
  createdAt: string;
  ip?: string;
  /** The IP is held in the allocator (released when the sandbox stops). */
  holdsIp: boolean;
  /** The pod CIDR the IP came from (the bridge it is attached to). */
  cidr?: string;
  hostname: string;
  namespaces: PodNamespaces;
  files: PodFiles;
}

export interface RuncContainerRecord {
  id: string;
  sandboxId: string;
  config: ContainerConfig;
  createdAt: string;
  logPath: string;
  /** Image id (platform manifest digest), the lease's key, and the repo digest reported as imageID. */
  imageId: string;
  imageRef: string;
  /** The image root (the overlay's lower layer), mounted when the container starts. */
  rootfsLower?: string;
  startedAt?: string;
  /** Host PID of the container's init (runc's pid file). */
  initPid?: number;
  /** The supervisor's PID and start time in clock ticks, against PID reuse. */
  shimPid?: number;
  shimStart?: number;
  /** Decided once at exit from the cgroup's OOM counter (the cgroup is removed right after). */
  oomKilled?: boolean;
  /** A start failure's message (runc's own words). */
  startError?: string;
}

/** CRI status of a container; the reason as containerd words it (OOMKilled, StartError, ...). */
export function containerStatusOf(r: RuncContainerRecord, state: ContainerState, e: ExitRecord | undefined): ContainerStatus {
  const exitCode = e?.exitCode;
  let reason: string | undefined;
  if (e) reason = e.reason === 'StartError' ? 'StartError' : r.oomKilled ? 'OOMKilled' : exitCode === 0 ? 'Completed' : 'Error';
  return {
    id: r.id,
    sandboxId: r.sandboxId,
    name: r.config.name,
    attempt: r.config.attempt,
    image: r.config.image,
    imageRef: r.imageRef,
    state,
    createdAt: new Date(r.createdAt),
    startedAt: r.startedAt ? new Date(r.startedAt) : undefined,
    finishedAt: e?.finishedAt,
    exitCode,
    signal: e?.signal,
    reason,
    message: e?.message,
    logPath: r.logPath,
  };
}
