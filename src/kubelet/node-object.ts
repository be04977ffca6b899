// The Node object a node agent registers and keeps reporting, as a pure function of the node's
// facts: labels, pod CIDR, capacity and allocatable (allocatable = capacity minus the kubelet's
// default hard eviction thresholds: memory.available 100Mi, nodefs.available 10%), addresses,
// nodeInfo and the four conditions with their heartbeat times.

import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseQuantity, Quantity } from '../api/quantity.js';
import type { JsonObject, KObject } from '../api/types.js';
import { rfc3339 } from '../util/clock.js';

export const KUBELET_VERSION = 'v1.32.4-k8ts';
// The kubelet's default hard eviction thresholds (evictionHard): memory.available<100Mi, nodefs.available<10%.
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
const EVICTION_NODEFS_FRACTION = 0.1;

export interface NodeFacts {
  name: string;
  labels: Record<string, string>;
  podCIDR?: string;
  nodeIP: string;
  cpu: string;
  memoryBytes: number;
  ephemeralStorageBytes: number;
  pods: number;
  containerRuntimeVersion: string;
  osImage: string;
  kernelVersion: string;
  architecture: string;
  machineID: string;
  systemUUID: string;
  bootID: string;
  /** Port of the node's kubelet API (status.daemonEndpoints), default 10250. */
  kubeletPort?: number;
  /** Annotations the agent keeps on its Node (e.g. its serving certificate's fingerprint). */
  annotations?: Record<string, string>;
}

export interface NodeFactOptions {
  name: string;
  labels?: Record<string, string>;
  controlPlane?: boolean;
  podCIDR?: string;
  nodeIP?: string;
  /** The configured capacity (a simulating node's); pods (max pods) applies to every node. */
  capacity?: { cpu?: string; memory?: string; pods?: number; ephemeralStorage?: string };
  /**
   * The node runs real workloads (process, runc runtimes): cpu, memory and ephemeral-storage are
   * the machine's whatever is configured, the storage that of the file system of `dataDir`.
   */
  machine?: { dataDir?: string };
  containerRuntimeVersion: string;
  kubeletPort?: number;
  annotations?: Record<string, string>;
}

/** GOARCH for Node's os.arch(). */
export function goArch(arch: string = os.arch()): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' } as Record<string, string>)[arch] ?? arch;
}

function osImage(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const m = /^PRETTY_NAME=(.*)$/m.exec(text);
    if (m) return m[1].trim().replace(/^"(.*)"$/, '$1');
  } catch {
    /* not Linux, or no os-release */
  }
  return `${os.type()} ${os.release()}`;
}

/** Size of the file system holding `path` (its nearest existing ancestor), as cAdvisor's RootFsInfo. */
export function diskBytes(path = '/'): number {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      const s = statfsSync(p);
      return Number(s.bsize) * Number(s.blocks);
    } catch {
      if (p === dirname(p)) return 100 * 1024 ** 3;
    }
  }
}

/** The first non-internal IPv4 address of the machine, or loopback. */
export function defaultNodeIP(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

function hashHex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function bytesOf(q: string): number {
  return parseQuantity(q).value();
}

export function nodeFacts(o: NodeFactOptions): NodeFacts {
  const arch = goArch();
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': o.name,
    'kubernetes.io/os': 'linux',
    ...(o.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    ...(o.labels ?? {}),
  };
  const u = hashHex(`${o.name}/system-uuid`);
  return {
    name: o.name,
    labels,
    podCIDR: o.podCIDR,
    nodeIP: o.nodeIP ?? defaultNodeIP(),
    cpu: (!o.machine && o.capacity?.cpu) || String(os.availableParallelism?.() ?? os.cpus().length),
    memoryBytes: !o.machine && o.capacity?.memory ? bytesOf(o.capacity.memory) : os.totalmem(),
    ephemeralStorageBytes: !o.machine && o.capacity?.ephemeralStorage ? bytesOf(o.capacity.ephemeralStorage) : diskBytes(o.machine?.dataDir),
    pods: o.capacity?.pods ?? 110,
    containerRuntimeVersion: o.containerRuntimeVersion,
    osImage: osImage(),
    kernelVersion: os.release(),
    architecture: arch,
    machineID: hashHex(`${o.name}/machine-id`).slice(0, 32),
    systemUUID: `${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20, 32)}`,
    bootID: randomUUID(),
    kubeletPort: o.kubeletPort,
    annotations: o.annotations,
  };
}

/** A byte count as the kubelet's resource.Quantity (BinarySI) prints it: 16318412Ki, 1Gi, 94580335255. */
const bytesQuantity = (bytes: number) => Quantity.fromNumber(Math.max(0, Math.floor(bytes)), 'BinarySI').toString();

const CONDITIONS: [string, boolean, string, string][] = [
  ['MemoryPressure', false, 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'],
  ['DiskPressure', false, 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'],
  ['PIDPressure', false, 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'],
  ['Ready', true, 'KubeletReady', 'kubelet is posting ready status'],
];

/** Node conditions; transition times carry over from `previous` when a status did not change. */
export function nodeConditions(now: Date, previous: JsonObject[] = []): JsonObject[] {
  const t = rfc3339(now);
  return CONDITIONS.map(([type, ok, reason, message]) => {
    const status = ok ? 'True' : 'False';
    const old = previous.find((c) => c.type === type);
    return { type, status, lastHeartbeatTime: t, lastTransitionTime: old && old.status === status && old.lastTransitionTime ? old.lastTransitionTime : t, reason, message };
  });
}

export function nodeStatus(f: NodeFacts, now: Date, previousConditions: JsonObject[] = []): JsonObject {
  const capacity: JsonObject = {
    cpu: f.cpu,
    'ephemeral-storage': bytesQuantity(f.ephemeralStorageBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: bytesQuantity(f.memoryBytes),
    pods: String(f.pods),
  };
  const allocatable: JsonObject = {
    cpu: f.cpu,
    // The nodefs.available<10% threshold: capacity minus int64(capacity × 0.1), as upstream.
    'ephemeral-storage': bytesQuantity(f.ephemeralStorageBytes - Math.floor(f.ephemeralStorageBytes * EVICTION_NODEFS_FRACTION)),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: bytesQuantity(f.memoryBytes - EVICTION_MEMORY_BYTES),
    pods: String(f.pods),
  };
  return {
    capacity,
    allocatable,
    conditions: nodeConditions(now, previousConditions),
    addresses: [
      { type: 'InternalIP', address: f.nodeIP },
      { type: 'Hostname', address: f.name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: f.kubeletPort ?? 10250 } },
    nodeInfo: {
      machineID: f.machineID,
      systemUUID: f.systemUUID,
      bootID: f.bootID,
      kernelVersion: f.kernelVersion,
      osImage: f.osImage,
      containerRuntimeVersion: f.containerRuntimeVersion,
      kubeletVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: f.architecture,
    },
  };
}

export function nodeObject(f: NodeFacts, now: Date): KObject {
  const spec: JsonObject = {};
  if (f.podCIDR) {
    spec.podCIDR = f.podCIDR;
    spec.podCIDRs = [f.podCIDR];
  }
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: f.name, labels: { ...f.labels }, annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true', ...(f.annotations ?? {}) } },
    spec,
    status: nodeStatus(f, now),
  };
}

/** The status fields compared to decide whether a report is due (heartbeat times aside). */
export function statusFingerprint(status: JsonObject | undefined): string {
  if (!status) return '';
  const conds = (Array.isArray(status.conditions) ? status.conditions : []).map((c: JsonObject) => `${c.type}=${c.status}/${c.reason ?? ''}`);
  return JSON.stringify([status.capacity, status.allocatable, conds, status.addresses, status.nodeInfo, status.daemonEndpoints]);
}
