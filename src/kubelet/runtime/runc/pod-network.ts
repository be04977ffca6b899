// Pod namespaces and networking with iproute2 and util-linux, the equivalent of the CNI bridge +
// host-local + loopback plugins:
// - one bridge per node pod CIDR, holding the range's first address (the pods' gateway), so the
//   node reaches every pod and pods on the node reach each other;
// - per pod, network, UTS and IPC namespaces held by bind mounts of nsfs files in the sandbox's
//   directory (`unshare --net=FILE ...`), so no pause process is needed and the namespaces live
//   exactly as long as the sandbox; the UTS namespace carries the pod's hostname;
// - a veth pair per pod: the host end on the bridge, `eth0` with the pod IP and a default route
//   in the pod. Traffic is not masqueraded: pods talk to the node and to each other only.
// hostNetwork pods get only an IPC namespace; network and hostname are the node's.

import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { hostCommand, HostCommandError } from './host-command.js';

export interface NetworkTools {
  ip: string;
  unshare: string;
  nsenter: string;
  umount: string;
}

export const DEFAULT_TOOLS: NetworkTools = { ip: 'ip', unshare: 'unshare', nsenter: 'nsenter', umount: 'umount' };

export interface Cidr {
  network: number;
  prefix: number;
}

export function parseCidr(cidr: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr.trim());
  if (!m) throw new Error(`invalid IPv4 CIDR "${cidr}"`);
  const addr = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const prefix = Number(m[5]);
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
  return { network: (addr & mask) >>> 0, prefix };
}

export function ipString(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** The bridge of a pod CIDR: k8b + network address and prefix in hex (at most 15 characters). */
export function bridgeName(cidr: string): string {
  const c = parseCidr(cidr);
  return `k8b${c.network.toString(16).padStart(8, '0')}${c.prefix.toString(16).padStart(2, '0')}`;
}

export function gatewayOf(cidr: string): string {
  return ipString(parseCidr(cidr).network + 1);
}

/** The host end of a pod's veth pair. */
export function vethName(sandboxId: string): string {
  return `k8v${sandboxId.slice(0, 12)}`;
}

export interface PodNamespaces {
  /** nsfs files; `net` and `uts` are absent for hostNetwork pods. */
  net?: string;
  uts?: string;
  ipc: string;
}

function ignoreMissing(err: unknown): void {
  if (err instanceof HostCommandError && /Cannot find device|does not exist|not mounted|no mount point|No such file/i.test(err.stderr)) return;
  throw err;
}

export class PodNetwork {
  /** Bridges set up by this process, per CIDR (one setup at a time; checked again if it vanished). */
  private readonly bridges = new Map<string, Promise<string>>();

  /**
   * `shim`: k8ts-shim, whose pod mode creates the namespaces and runs both `ip -batch` steps in
   * one process (one spawn from the agent per pod instead of three).
   */
  constructor(
    private readonly tools: NetworkTools = DEFAULT_TOOLS,
    private readonly shim?: string,
    /** Runs the programs without input (hostCommand, or a Spawner's run). */
    private readonly exec: (cmd: string, args: string[]) => Promise<string> = hostCommand,
  ) {}

  /** Creates the node's bridge for `cidr` with the gateway address (idempotent). */
  ensureBridge(cidr: string): Promise<string> {
    const known = this.bridges.get(cidr);
    if (known && existsSync(`/sys/class/net/${bridgeName(cidr)}`)) return known;
    const p = this.createBridge(cidr);
    this.bridges.set(cidr, p);
    p.catch(() => this.bridges.delete(cidr));
    return p;
  }

  private async createBridge(cidr: string): Promise<string> {
    const br = bridgeName(cidr);
    const { prefix } = parseCidr(cidr);
    const gw = gatewayOf(cidr);
    const exists = (e: unknown) => e instanceof HostCommandError && /File exists|already assigned/i.test(e.stderr);
    if (!existsSync(`/sys/class/net/${br}`)) {
      await this.exec(this.tools.ip, ['link', 'add', br, 'type', 'bridge']).catch((e: unknown) => {
        if (!exists(e)) throw e;
      });
    }
    const addrs = await this.exec(this.tools.ip, ['-o', '-4', 'addr', 'show', 'dev', br]);
    if (!addrs.includes(` ${gw}/${prefix} `)) {
      await this.exec(this.tools.ip, ['addr', 'add', `${gw}/${prefix}`, 'dev', br]).catch((e: unknown) => {
        if (!exists(e)) throw e;
      });
    }
    await this.exec(this.tools.ip, ['link', 'set', br, 'up']);
    return br;
  }

  /** Deletes the bridge of `cidr` (no pod may still use it). */
  async deleteBridge(cidr: string): Promise<void> {
    this.bridges.delete(cidr);
    await this.exec(this.tools.ip, ['link', 'del', bridgeName(cidr)]).catch(ignoreMissing);
  }

  /**
   * Creates the pod's namespaces under `dir` and, unless hostNetwork, its network: veth on the
   * bridge, `ip`/prefix on eth0, default route via the gateway, loopback up. Three programs in
   * a row (namespaces with the hostname, host side, pod side), each step batched.
   */
  async setUp(
    dir: string,
    o: { sandboxId: string; hostname: string; hostNetwork: boolean; ip?: string; cidr?: string; trace?: (stage: string) => void; files?: [string, string][] },
  ): Promise<PodNamespaces> {
    // Small synchronous file operations: in a burst the thread pool's queue makes the async ones slower.
    mkdirSync(dir, { recursive: true });
    const ns: PodNamespaces = { ipc: join(dir, 'ipc') };
    if (!o.hostNetwork) {
      ns.net = join(dir, 'net');
      ns.uts = join(dir, 'uts');
    }
    // `files` (path, content): the pod's own files, written here (by k8ts-shim, off the agent's event loop).
    const fileArgs = (o.files ?? []).flat();
    if (!this.shim) {
      for (const [path, text] of o.files ?? []) writeFileSync(path, text);
      for (const f of [ns.net, ns.uts, ns.ipc]) if (f) writeFileSync(f, '');
    }
    if (o.hostNetwork) {
      if (this.shim) await this.exec(this.shim, ['pod', ns.ipc, '', '', '', this.tools.ip, '', '', ...fileArgs]);
      else await this.exec(this.tools.unshare, [`--ipc=${ns.ipc}`, 'true']);
      return ns;
    }
    if (!o.ip || !o.cidr) throw new Error('a pod network needs an IP and the pod CIDR');
    const br = await this.ensureBridge(o.cidr);
    const veth = vethName(o.sandboxId);
    const { prefix } = parseCidr(o.cidr);
    const hostBatch = `link add ${veth} type veth peer name eth0 netns "${ns.net}"\nlink set ${veth} master ${br} up\n`;
    const podBatch = `link set lo up\naddr add ${o.ip}/${prefix} dev eth0\nlink set eth0 up\nroute add default via ${gatewayOf(o.cidr)}\n`;
    if (this.shim) {
      try {
        await this.exec(this.shim, ['pod', ns.ipc, ns.net!, ns.uts!, o.hostname, this.tools.ip, hostBatch, podBatch, ...fileArgs]);
        o.trace?.('netns');
      } catch (err) {
        await this.tearDown(dir, o.sandboxId).catch(() => undefined);
        throw new Error(`failed to set up the pod network: ${(err as Error).message}`);
      }
      return ns;
    }
    try {
      await this.exec(this.tools.unshare, [`--net=${ns.net}`, `--uts=${ns.uts}`, `--ipc=${ns.ipc}`, 'hostname', o.hostname]);
      o.trace?.('unshare');
      await hostCommand(this.tools.ip, ['-batch', '-'], { input: hostBatch });
      o.trace?.('ip-host');
      await hostCommand(this.tools.nsenter, [`--net=${ns.net}`, this.tools.ip, '-batch', '-'], {
        input: podBatch,
      });
      o.trace?.('ip-pod');
    } catch (err) {
      await this.tearDown(dir, o.sandboxId).catch(() => undefined);
      throw new Error(`failed to set up the pod network: ${(err as Error).message}`);
    }
    return ns;
  }

  /** Removes the pod's veth (the network goes with it); idempotent. */
  async detach(sandboxId: string): Promise<void> {
    if (!existsSync(`/sys/class/net/${vethName(sandboxId)}`)) return;
    await this.exec(this.tools.ip, ['link', 'del', vethName(sandboxId)]).catch(ignoreMissing);
  }

  /** Removes the veth and the namespace files (unmounting them ends the namespaces); idempotent. */
  async tearDown(dir: string, sandboxId: string): Promise<void> {
    await this.detach(sandboxId);
    for (const f of ['net', 'uts', 'ipc']) {
      const p = join(dir, f);
      if (isMounted(p)) await this.exec(this.tools.umount, [p]).catch(ignoreMissing);
    }
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Whether `path` is a mount point of ours: an nsfs bind mount or an overlay sits on a different
 * device than the directory holding it (two stat calls; /proc/self/mountinfo is long to read
 * and parse with many pods).
 */
export function isMounted(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/** Mount points at or under `dir` (leftover checks, cleanup). */
export function mountsUnder(dir: string): string[] {
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const mp = (line.split(' ')[4] ?? '').replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (mp === dir || mp.startsWith(`${dir}/`)) out.push(mp);
  }
  return out;
}
