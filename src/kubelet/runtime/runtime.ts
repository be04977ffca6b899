import type { IpAllocator } from './ip-allocator.js';

// The container runtime interface the node agent talks to. It is shaped after the CRI
// (RuntimeService + ImageService): one sandbox per pod holds the pod's network identity, the
// pod's containers live in it, and the agent only ever asks for state, never assumes it.
//
// Contracts every implementation keeps (test/contract/runtime-contract.ts checks them):
// - Ids are opaque, unique for the runtime's lifetime, and never reused.
// - A sandbox gets an IP from the pod CIDR given to updateRuntimeConfig (unless hostNetwork);
//   IPs are unique among live sandboxes (of all runtimes sharing the config's pool) and come
//   back to the pool when the sandbox stops.
// - createContainer leaves the container `created`; startContainer moves it to `running`
//   (possibly later: a runtime may report `created` for a while, then emit `started`).
// - stopContainer(id, t) delivers SIGTERM semantics: the container may exit on its own; after t
//   seconds it is killed (exit code 137). Calling it again with a smaller timeout shortens the
//   deadline. The returned promise resolves once the container has exited.
// - Every state change the caller did not cause synchronously (an exit, a delayed start) is
//   announced through `subscribe`, so the agent never has to poll.
// - Operations a runtime cannot do reject with NotSupportedError; capability flags say so up front.

import type { Credentials } from '../../images/registry-auth.js';

export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';
export type SandboxState = 'ready' | 'notready';

export interface RuntimeCapabilities {
  /** execSync works (exec probes, `kubectl exec` without a tty). */
  exec: boolean;
  /** readLogs works. */
  logs: boolean;
  /** Pod IPs are real and reachable from the node, so the agent may dial httpGet/tcpSocket probes. */
  podNetwork: boolean;
  /** hostNetwork pods are supported. */
  hostNetwork: boolean;
  /**
   * The runtime answers probes itself (`probe`) because its workloads are simulated; the agent
   * then never dials pod IPs nor runs exec probes through execSync.
   */
  simulatedProbes: boolean;
  /** The runtime mounts host paths into containers (ContainerConfig.mounts); absent = false. */
  mounts?: boolean;
}

export interface RuntimeConfig {
  /** The node's pod CIDR (spec.podCIDR), e.g. 10.244.1.0/24. */
  podCIDR?: string;
  /** The node's own IP (hostNetwork sandboxes report it). */
  nodeIP?: string;
  /**
   * The node's pod IP pool for `podCIDR`, shared by all runtimes of the node so no two sandboxes
   * get the same IP. A runtime given one reserves the IPs its live sandboxes hold in it and
   * allocates from it; without one it keeps its own pool of podCIDR.
   */
  ips?: IpAllocator;
}

export interface PodSandboxConfig {
  /** Pod identity (CRI PodSandboxMetadata). */
  uid: string;
  name: string;
  namespace: string;
  attempt: number;
  hostname?: string;
  hostNetwork?: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Directory for container logs (runtimes writing files use it). */
  logDirectory?: string;
  /** RuntimeClass handler the pod asked for ('' = default). */
  runtimeHandler?: string;
  /** The pod's resolv.conf (CRI DNSConfig); absent: the node's. See kubelet/pod-dns.ts. */
  dnsConfig?: DnsConfig;
}

/** CRI DNSConfig: name servers, search domains and resolver options of a sandbox. */
export interface DnsConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

export interface PodSandboxStatus {
  id: string;
  uid: string;
  name: string;
  namespace: string;
  state: SandboxState;
  createdAt: Date;
  /** Pod IP (the node IP for hostNetwork sandboxes). */
  ip?: string;
}

export interface KeyValue {
  name: string;
  value: string;
}

/** A host path made visible in the container (CRI Mount): volumes resolved by the agent. */
export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
}

export interface ContainerConfig {
  name: string;
  attempt: number;
  image: string;
  /** Kubernetes meaning: command replaces the image entrypoint, args its cmd. */
  command: string[];
  args: string[];
  workingDir?: string;
  env: KeyValue[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Log file path relative to the sandbox log directory (CRI LogPath). */
  logPath?: string;
  tty?: boolean;
  stdin?: boolean;
  /** Volumes, only for runtimes with capabilities.mounts. */
  mounts?: Mount[];
  /** Limits and requests from the container spec, for runtimes that enforce them (cgroups). */
  resources?: { memoryLimitBytes?: number; cpuLimitMillicores?: number; cpuRequestMillicores?: number };
}

export interface ContainerStatus {
  id: string;
  sandboxId: string;
  name: string;
  attempt: number;
  /** Image as the runtime knows it, and its resolved reference (digest). */
  image: string;
  imageRef: string;
  state: ContainerState;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  signal?: number;
  /** Completed, Error, OOMKilled, ContainerCannotRun ... (runtime's words, as CRI reports them). */
  reason?: string;
  message?: string;
  logPath?: string;
}

export interface ImageInfo {
  /** Resolved reference (repo@sha256:...), reported as containerStatuses[].imageID. */
  ref: string;
  size: number;
}

/**
 * Registry credentials for a pull (CRI PullImageRequest.auth): the pod's imagePullSecrets as
 * decoded docker config documents, looked up by the image's registry, or explicit credentials.
 * Runtimes that do not talk to registries ignore it.
 */
export interface PullAuth {
  credentials?: Credentials;
  /** Decoded `.dockerconfigjson` / `.dockercfg` documents, the first with an entry winning. */
  dockerConfigs?: unknown[];
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut?: boolean;
}

export interface LogEntry {
  time: Date;
  stream: 'stdout' | 'stderr';
  line: string;
  /** The time as the log file recorded it (RFC 3339 with nanoseconds), when it has one. */
  timestamp?: string;
}

export interface LogOptions {
  follow?: boolean;
  tailLines?: number;
  sinceTime?: Date;
  signal?: AbortSignal;
}

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A probe the agent asks a simulating runtime to answer (capabilities.simulatedProbes). */
export interface ProbeRequest {
  kind: ProbeKind;
  /** The container's probe from the pod spec (exec / httpGet / tcpSocket / grpc + timing). */
  probe: Record<string, unknown>;
  /** The pod's annotations right now (read live on every probe). */
  annotations: Record<string, string>;
}

export interface ProbeOutcome {
  result: 'success' | 'failure';
  /** Text for the Unhealthy event ("HTTP probe failed with statuscode: 503"). */
  output: string;
}

export interface SimulatedReadiness {
  ready: boolean;
  /** When the answer may change by itself (epoch ms); the agent re-evaluates then. */
  recheckAt?: number;
}

export interface StreamOptions {
  /** Give the command a stdin stream (kubectl exec -i). */
  stdin: boolean;
  /** Run it on a pseudo-terminal: stdout carries both output streams, resize works. */
  tty: boolean;
}

/**
 * An interactive command (exec) or a connection to a container's main process (attach).
 * Output streams end when the command's output is drained; `exit` resolves after that.
 */
export interface StreamSession {
  stdin?: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  /** Absent with a tty (stderr goes to the terminal). */
  stderr?: NodeJS.ReadableStream;
  resize(cols: number, rows: number): void;
  /** The exit code (attach: the container's, or 0 when the session was closed first). */
  exit: Promise<{ exitCode: number }>;
  /** Ends the session early: an exec'd command is killed, an attach only detaches. */
  close(): void;
}

export type RuntimeEvent =
  | { type: 'ContainerStarted'; containerId: string; sandboxId: string; podUid: string }
  | { type: 'ContainerExited'; containerId: string; sandboxId: string; podUid: string };

export interface ContainerRuntime {
  /** Short name, the prefix of container ids in pod status ("sim" gives sim://<id>). */
  readonly type: string;
  readonly version: string;
  readonly capabilities: RuntimeCapabilities;

  updateRuntimeConfig(config: RuntimeConfig): void;

  imageStatus(image: string): Promise<ImageInfo | undefined>;
  /**
   * Pulls an image. A runtime that parses image references rejects a reference it cannot
   * parse with an error whose `reason` is 'InvalidImageName' (imageStatus too).
   */
  pullImage(image: string, auth?: PullAuth): Promise<ImageInfo>;

  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus | undefined>;
  listPodSandboxes(): Promise<PodSandboxStatus[]>;
  /** Refreshes the sandbox's labels/annotations (the pod's metadata changed). Optional. */
  updatePodSandbox?(id: string, update: { annotations?: Record<string, string>; labels?: Record<string, string> }): void;

  createContainer(sandboxId: string, config: ContainerConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  containerStatus(id: string): Promise<ContainerStatus | undefined>;
  listContainers(filter?: { sandboxId?: string }): Promise<ContainerStatus[]>;

  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
  readLogs(id: string, opts?: LogOptions): AsyncIterable<LogEntry>;
  /** Interactive exec (kubectl exec); absent: the agent falls back to execSync without stdin or tty. */
  execStream?(id: string, cmd: string[], opts: StreamOptions): Promise<StreamSession>;
  /** Attaches to the container's main process (kubectl attach). Optional. */
  attach?(id: string, opts: StreamOptions): Promise<StreamSession>;

  /** Only when capabilities.simulatedProbes. */
  probe?(containerId: string, req: ProbeRequest): Promise<ProbeOutcome>;
  /**
   * Only for simulating runtimes: readiness of a running container that has no readiness
   * probe (the sim's annotations can delay or deny it). Absent = ready once running.
   */
  simulatedReadiness?(containerId: string, annotations: Record<string, string>): SimulatedReadiness;

  /** Registers for asynchronous state changes; returns the unsubscribe function. */
  subscribe(listener: (ev: RuntimeEvent) => void): () => void;
  /** Releases timers and resources; containers stop existing for in-process runtimes. */
  close(): Promise<void>;
}

/** Thrown for operations a runtime does not offer (see its capabilities). */
export class NotSupportedError extends Error {
  constructor(
    readonly runtime: string,
    readonly operation: string,
  ) {
    super(`runtime "${runtime}" does not support ${operation}`);
    this.name = 'NotSupportedError';
  }
}

/** Thrown when an id names no sandbox or container (CRI NotFound). */
export class RuntimeNotFoundError extends Error {
  constructor(
    readonly what: 'sandbox' | 'container',
    readonly id: string,
  ) {
    super(`${what} "${id}" not found`);
    this.name = 'RuntimeNotFoundError';
  }
}
