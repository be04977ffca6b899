// The Node object a node agent registers and keeps reporting, as a pure function of the node's
// facts: labels, pod CIDR, capacity and allocatable (allocatable = capacity minus the kubelet's
// default hard eviction thresholds: memory.available 100Mi, nodefs.available 10%), addresses,
// nodeInfo and the four conditions with their heartbeat times.

import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import { parseQuantity } from '../api/quantity.js';
import type { JsonObject, KObject } from '../api/types.js';
import { rfc3339 } from '../util/clock.js';

export const KUBELET_VERSION = 'v1.32.4-k8ts';
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;

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
  capacity?: { cpu?: string; memory?: string; pods?: number; ephemeralStorage?: string };
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

function diskBytes(): number {
  try {
    const s = statfsSync('/');
    return Number(s.bsize) * Number(s.blocks);
  } catch {
    return 100 * 1024 ** 3;
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
    cpu: o.capacity?.cpu ?? String(os.availableParallelism?.() ?? os.cpus().length),
    memoryBytes: o.capacity?.memory ? bytesOf(o.capacity.memory) : os.totalmem(),
    ephemeralStorageBytes: o.capacity?.ephemeralStorage ? bytesOf(o.capacity.ephemeralStorage) : diskBytes(),
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

const ki = (bytes: number) => `${Math.floor(bytes / 1024)}Ki`;

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
    'ephemeral-storage': ki(f.ephemeralStorageBytes),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(f.memoryBytes),
    pods: String(f.pods),
  };
  const allocatable: JsonObject = {
    cpu: f.cpu,
    'ephemeral-storage': String(Math.floor(f.ephemeralStorageBytes * 0.9)),
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: ki(Math.max(0, f.memoryBytes - EVICTION_MEMORY_BYTES)),
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
