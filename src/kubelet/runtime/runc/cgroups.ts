// Container resources and cgroups, v1 (the hybrid layout of these machines) and v2.
//
// runc creates each container's cgroup at /k8ts/<pod>/<container> (its cgroupsPath) with the
// limits of its config (linux.resources, built here): memory limit, no swap beyond it, CPU quota
// from the limit (millicores x 100 per 100 ms period) and shares from the request (millicores x
// 1024 / 1000, at least 2; runc turns them into cpu.weight on v2). Containers run with `runc run
// --keep`, so the cgroup outlives the container until the agent deletes it: its OOM kill counter
// (v1 memory.oom_control, v2 memory.events) is read first and tells OOMKilled apart from another
// SIGKILL. The pod's directory is removed by the agent once its containers are deleted.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface ContainerResources {
  memoryLimitBytes?: number;
  cpuLimitMillicores?: number;
  cpuRequestMillicores?: number;
}

const CPU_PERIOD = 100_000;

export function cpuShares(requestMillicores: number | undefined): number {
  if (!requestMillicores) return 2;
  return Math.max(2, Math.floor((requestMillicores * 1024) / 1000));
}

export function cpuQuota(limitMillicores: number | undefined): number | undefined {
  if (!limitMillicores) return undefined;
  return Math.max(1000, Math.floor((limitMillicores * CPU_PERIOD) / 1000));
}

export class Cgroups {
  readonly version: 1 | 2;
  private readonly hierarchies: string[];
  /** Whether swap can be limited (memsw accounting on v1, swap devices on v2). */
  private readonly swapLimit: boolean;

  constructor(
    private readonly root = '/sys/fs/cgroup',
    readonly prefix = 'k8ts',
  ) {
    this.version = existsSync(join(root, 'cgroup.controllers')) ? 2 : 1;
    this.hierarchies = this.version === 2 ? [root] : listHierarchies(root);
    this.swapLimit = this.version === 1 ? existsSync(join(root, 'memory', 'memory.memsw.limit_in_bytes')) : hasSwap();
  }

  /** runc's cgroupsPath for a container. */
  runcPath(pod: string, container: string): string {
    return `/${this.prefix}/${pod}/${container}`;
  }

  /** linux.resources of the OCI spec (without devices). */
  ociResources(res: ContainerResources): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (res.memoryLimitBytes) {
      const memory: Record<string, number> = { limit: res.memoryLimitBytes };
      if (this.swapLimit) memory.swap = res.memoryLimitBytes;
      out.memory = memory;
    }
    const cpu: Record<string, number> = { shares: cpuShares(res.cpuRequestMillicores) };
    const quota = cpuQuota(res.cpuLimitMillicores);
    if (quota) {
      cpu.quota = quota;
      cpu.period = CPU_PERIOD;
    }
    out.cpu = cpu;
    return out;
  }

  /** Whether the kernel's OOM killer killed a process of this container (its cgroup still exists). */
  async oomKilled(pod: string, container: string): Promise<boolean> {
    const rel = this.runcPath(pod, container);
    const file = this.version === 2 ? join(this.root, rel, 'memory.events') : join(this.root, 'memory', rel, 'memory.oom_control');
    const m = /^oom_kill (\d+)$/m.exec(await readFile(file, 'utf8').catch(() => ''));
    return !!m && Number(m[1]) > 0;
  }

  /** Removes what is left of a container's cgroup (runc delete removes it; this is the fallback). */
  async removeContainer(pod: string, container: string): Promise<void> {
    const rel = this.runcPath(pod, container);
    for (const h of this.hierarchies) await rmdir(join(h, rel)).catch(() => undefined);
  }

  /** Removes the pod's cgroup directories (its containers' must be gone). */
  async removePod(pod: string): Promise<void> {
    for (const h of this.hierarchies) {
      const dir = join(h, this.prefix, pod);
      if (!existsSync(dir)) continue;
      for (const c of readdirSync(dir, { withFileTypes: true })) if (c.isDirectory()) await rmdir(join(dir, c.name)).catch(() => undefined);
      await rmdir(dir).catch(() => undefined);
      // The top directory too once it is empty (it is created again with the next pod).
      await rmdir(join(h, this.prefix)).catch(() => undefined);
    }
  }

  /** The pod's cgroup directories that still exist (leftover checks). */
  leftovers(pod: string): string[] {
    return this.hierarchies.map((h) => join(h, this.prefix, pod)).filter((d) => existsSync(d));
  }
}

function hasSwap(): boolean {
  try {
    return readFileSync('/proc/swaps', 'utf8').trim().split('\n').length > 1;
  } catch {
    return false;
  }
}

/** The cgroup v1 hierarchies mounted under `root` (memory, cpu, ..., name=systemd, unified). */
function listHierarchies(root: string): string[] {
  let mounts = '';
  try {
    mounts = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const line of mounts.split('\n')) {
    const f = line.split(' ');
    const mp = f[4];
    const sep = f.indexOf('-');
    const fstype = sep > 0 ? f[sep + 1] : '';
    if (mp && mp.startsWith(`${root}/`) && (fstype === 'cgroup' || fstype === 'cgroup2')) out.add(mp);
  }
  return [...out];
}
