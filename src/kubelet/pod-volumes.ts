// The node's side of a pod's volumes, for runtimes that mount host paths (capabilities.mounts):
// each volume becomes a directory on the node and each volumeMount a (hostPath, containerPath)
// pair handed to the runtime, as the kubelet's volume manager and CRI mounts do.
// - emptyDir: <root>/pods/<uid>/volumes/kubernetes.io~empty-dir/<name> (gone with the pod);
//   `medium: Memory` mounts a tmpfs there (size: sizeLimit, else the pod's memory limit when every
//   container has one, else tmpfs' default), as the kubelet does; a node agent that is not root
//   cannot mount and keeps a plain directory;
// - hostPath: the path, created or checked according to its type;
// - persistentVolumeClaim: the bound PV's hostPath (or local) path, e.g. the local-path
//   provisioner's <dataDir>/volumes/... directory; an unbound claim waits (the container retries);
// - configMap, secret, downwardAPI and projected (those three sources): files written under the
//   pod's directory when a container starts, mounted read-only.
// Service account tokens are not mounted (k8ts issues none) and other volume types are refused.

import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseQuantity } from '../api/quantity.js';
import { dirname, join, normalize } from 'node:path';
import type { JsonObject, KObject } from '../api/types.js';
import { ContainerConfigError, podFieldValue, resourceFieldValue, type EnvSources, type PodFacts } from './container-env.js';
import type { Mount } from './runtime/runtime.js';

export interface VolumeSources extends EnvSources {
  claim(namespace: string, name: string): Promise<KObject | undefined>;
  volume(name: string): Promise<KObject | undefined>;
}

type Files = Map<string, { data: Buffer; mode?: number }>;

export class PodVolumes {
  constructor(
    private readonly rootDir: string,
    private readonly src: VolumeSources,
  ) {}

  podDir(uid: string): string {
    return join(this.rootDir, 'pods', uid);
  }

  /** Prepares the volumes `container` mounts and returns the runtime's mounts for them. */
  async mountsFor(f: PodFacts, container: JsonObject): Promise<Mount[]> {
    const volumes = new Map(((f.pod.spec?.volumes as JsonObject[] | undefined) ?? []).map((v) => [String(v.name), v]));
    const prepared = new Map<string, { path: string; readOnly: boolean }>();
    const mounts: Mount[] = [];
    for (const vm of (container.volumeMounts as JsonObject[] | undefined) ?? []) {
      const name = String(vm.name);
      const vol = volumes.get(name);
      if (!vol) throw new ContainerConfigError(`cannot find volume "${name}" to mount into container "${container.name}"`);
      let p = prepared.get(name);
      if (!p) prepared.set(name, (p = await this.prepare(f, vol)));
      let hostPath = p.path;
      if (typeof vm.subPath === 'string' && vm.subPath) {
        const sub = normalize(vm.subPath);
        if (sub.startsWith('..') || sub.startsWith('/')) throw new ContainerConfigError(`invalid subPath "${vm.subPath}": must be a relative path inside the volume`);
        hostPath = join(hostPath, sub);
        if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true, mode: 0o777 });
      }
      mounts.push({ hostPath, containerPath: String(vm.mountPath), readOnly: p.readOnly || vm.readOnly === true });
    }
    return mounts;
  }

  /** Removes the pod's own directories (emptyDir data, written files); volumes elsewhere stay. */
  async cleanup(uid: string): Promise<void> {
    // tmpfs volumes first: removing the tree would only empty them and leave the mounts behind.
    for (const m of await mountsUnder(this.podDir(uid))) await run('umount', ['-l', m]);
    await rm(this.podDir(uid), { recursive: true, force: true });
  }

  private dir(uid: string, plugin: string, name: string): string {
    return join(this.podDir(uid), 'volumes', `kubernetes.io~${plugin}`, name);
  }

  private async prepare(f: PodFacts, vol: JsonObject): Promise<{ path: string; readOnly: boolean }> {
    const uid = f.pod.metadata.uid!;
    const ns = f.pod.metadata.namespace ?? 'default';
    const name = String(vol.name);
    if (vol.emptyDir) {
      const d = this.dir(uid, 'empty-dir', name);
      mkdirSync(d, { recursive: true, mode: 0o777 });
      const ed = vol.emptyDir as JsonObject;
      if (ed.medium === 'Memory' && process.getuid?.() === 0 && !(await mountsUnder(d)).includes(d)) {
        const size = memoryVolumeSize(f.pod, ed);
        await run('mount', ['-t', 'tmpfs', '-o', `mode=0777${size ? `,size=${size}` : ''}`, 'tmpfs', d]).catch((err: Error) => {
          throw new ContainerConfigError(`volume "${name}": mounting a tmpfs for medium Memory: ${err.message}`);
        });
      } else if (ed.medium && ed.medium !== 'Memory') throw new ContainerConfigError(`volume "${name}": unknown storage medium "${ed.medium}"`);
      return { path: d, readOnly: false };
    }
    if (vol.hostPath) return { path: hostPathVolume(vol.hostPath as JsonObject), readOnly: false };
    if (vol.persistentVolumeClaim) {
      const ref = vol.persistentVolumeClaim as JsonObject;
      const claimName = String(ref.claimName);
      const claim = await this.src.claim(ns, claimName);
      if (!claim) throw new ContainerConfigError(`persistentvolumeclaim "${claimName}" not found`);
      const pvName = claim.spec?.volumeName;
      if (!pvName || claim.status?.phase !== 'Bound') throw new ContainerConfigError(`persistentvolumeclaim "${claimName}" is not bound yet`);
      const pv = await this.src.volume(String(pvName));
      const path = pv?.spec?.hostPath?.path ?? pv?.spec?.local?.path;
      if (typeof path !== 'string') throw new ContainerConfigError(`persistentvolume "${pvName}" has no hostPath or local path this node can mount`);
      if (!existsSync(path)) mkdirSync(path, { recursive: true, mode: 0o777 });
      return { path, readOnly: ref.readOnly === true };
    }
    const files: Files = new Map();
    let plugin: string;
    let mode: number | undefined;
    if (vol.configMap) {
      plugin = 'configmap';
      mode = await this.configMapFiles(ns, vol.configMap as JsonObject, files);
    } else if (vol.secret) {
      plugin = 'secret';
      mode = await this.secretFiles(ns, vol.secret as JsonObject, files);
    } else if (vol.downwardAPI) {
      plugin = 'downward-api';
      const d = vol.downwardAPI as JsonObject;
      this.downwardFiles(f, d, files);
      mode = typeof d.defaultMode === 'number' ? d.defaultMode : undefined;
    } else if (vol.projected) {
      plugin = 'projected';
      const p = vol.projected as JsonObject;
      for (const s of (p.sources as JsonObject[] | undefined) ?? []) {
        if (s.configMap) await this.configMapFiles(ns, s.configMap as JsonObject, files);
        else if (s.secret) await this.secretFiles(ns, s.secret as JsonObject, files);
        else if (s.downwardAPI) this.downwardFiles(f, s.downwardAPI as JsonObject, files);
      }
      mode = typeof p.defaultMode === 'number' ? p.defaultMode : undefined;
    } else {
      const type = Object.keys(vol).find((k) => k !== 'name') ?? 'unknown';
      throw new ContainerConfigError(`volume "${name}": ${type} volumes are not supported by this node (supported: emptyDir, hostPath, persistentVolumeClaim, configMap, secret, downwardAPI, projected)`);
    }
    const d = this.dir(uid, plugin, name);
    writeFiles(d, files, mode ?? 0o644);
    return { path: d, readOnly: true };
  }

  private async configMapFiles(ns: string, ref: JsonObject, files: Files): Promise<number | undefined> {
    const cm = await this.src.configMap(ns, String(ref.name));
    if (!cm) {
      if (ref.optional === true) return undefined;
      throw new ContainerConfigError(`configmap "${ref.name}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [k, v] of Object.entries((cm.data ?? {}) as Record<string, string>)) data.set(k, Buffer.from(v));
    for (const [k, v] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) data.set(k, Buffer.from(v, 'base64'));
    pick(data, ref, files, `configmap ${ns}/${ref.name}`);
    return typeof ref.defaultMode === 'number' ? ref.defaultMode : undefined;
  }

  private async secretFiles(ns: string, ref: JsonObject, files: Files): Promise<number | undefined> {
    const secretName = String(ref.secretName ?? ref.name);
    const s = await this.src.secret(ns, secretName);
    if (!s) {
      if (ref.optional === true) return undefined;
      throw new ContainerConfigError(`secret "${secretName}" not found`);
    }
    const data = new Map<string, Buffer>();
    for (const [k, v] of Object.entries((s.data ?? {}) as Record<string, string>)) data.set(k, Buffer.from(v, 'base64'));
    pick(data, ref, files, `secret ${ns}/${secretName}`);
    return typeof ref.defaultMode === 'number' ? ref.defaultMode : undefined;
  }

  private downwardFiles(f: PodFacts, d: JsonObject, files: Files): void {
    const containers = (f.pod.spec?.containers as JsonObject[] | undefined) ?? [];
    for (const item of (d.items as JsonObject[] | undefined) ?? []) {
      let value: string;
      if (item.fieldRef) value = podFieldValue(f, String((item.fieldRef as JsonObject).fieldPath));
      else if (item.resourceFieldRef) {
        const ref = item.resourceFieldRef as JsonObject;
        const c = containers.find((x) => x.name === ref.containerName) ?? containers[0] ?? {};
        value = resourceFieldValue(c, ref);
      } else continue;
      files.set(String(item.path), { data: Buffer.from(value), mode: typeof item.mode === 'number' ? item.mode : undefined });
    }
  }
}

/** Keys as files: all of them, or only `items` (key -> path), failing on a missing key unless optional. */
function pick(data: Map<string, Buffer>, ref: JsonObject, files: Files, what: string): void {
  const items = ref.items as JsonObject[] | undefined;
  if (!items) {
    for (const [k, v] of data) files.set(k, { data: v });
    return;
  }
  for (const it of items) {
    const v = data.get(String(it.key));
    if (v === undefined) {
      if (ref.optional === true) continue;
      throw new ContainerConfigError(`configuration error: key "${it.key}" not found in ${what}`);
    }
    files.set(String(it.path), { data: v, mode: typeof it.mode === 'number' ? it.mode : undefined });
  }
}

function writeFiles(dir: string, files: Files, defaultMode: number): void {
  mkdirSync(dir, { recursive: true });
  const keep = new Set([...files.keys()].map((p) => p.split('/')[0]));
  for (const e of readdirSync(dir)) if (!keep.has(e)) rmSync(join(dir, e), { recursive: true, force: true });
  for (const [rel, f] of files) {
    const p = normalize(rel);
    if (p.startsWith('..') || p.startsWith('/')) throw new ContainerConfigError(`invalid volume file path "${rel}"`);
    const full = join(dir, p);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, f.data);
    chmodSync(full, f.mode ?? defaultMode);
  }
}

/** hostPath volume types (pkg/volume/hostpath): create or check the path. */
function hostPathVolume(h: JsonObject): string {
  const path = String(h.path);
  const type = String(h.type ?? '');
  const st = () => {
    try {
      return statSync(path);
    } catch {
      return undefined;
    }
  };
  const s = st();
  switch (type) {
    case 'DirectoryOrCreate':
      if (!s) mkdirSync(path, { recursive: true, mode: 0o755 });
      else if (!s.isDirectory()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'Directory':
      if (!s?.isDirectory()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a directory`);
      break;
    case 'FileOrCreate':
      if (!s) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, '', { mode: 0o644 });
      } else if (!s.isFile()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a file`);
      break;
    case 'File':
      if (!s?.isFile()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a file`);
      break;
    case 'Socket':
      if (!s?.isSocket()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a socket file`);
      break;
    case 'CharDevice':
      if (!s?.isCharacterDevice()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a character device`);
      break;
    case 'BlockDevice':
      if (!s?.isBlockDevice()) throw new ContainerConfigError(`hostPath type check failed: ${path} is not a block device`);
      break;
    default:
      // "" (unset): no checks; the runtime needs the path to exist for a bind mount.
      if (!s) mkdirSync(path, { recursive: true, mode: 0o755 });
  }
  return path;
}

const execFileP = promisify(execFile);

async function run(cmd: string, args: string[]): Promise<void> {
  try {
    await execFileP(cmd, args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(e.stderr?.trim() || e.message);
  }
}

/** Mount points at or under `dir` (deepest first), from /proc/self/mountinfo. */
async function mountsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  const unescape = (p: string) => p.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
  const points = info
    .split('\n')
    .map((l) => unescape(l.split(' ')[4] ?? ''))
    .filter((m) => m === dir || m.startsWith(dir + '/'));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/**
 * The tmpfs size of a memory-backed emptyDir in bytes: sizeLimit, else the sum of the containers'
 * memory limits when every container has one (the pod's limit), else undefined (tmpfs' default).
 */
export function memoryVolumeSize(pod: KObject, emptyDir: JsonObject): number | undefined {
  if (typeof emptyDir.sizeLimit === 'string' || typeof emptyDir.sizeLimit === 'number') {
    const n = parseQuantity(String(emptyDir.sizeLimit)).value();
    if (n > 0) return n;
  }
  const containers = (pod.spec?.containers as JsonObject[] | undefined) ?? [];
  let sum = 0;
  for (const c of containers) {
    const lim = ((c.resources as JsonObject | undefined)?.limits as JsonObject | undefined)?.memory;
    if (lim === undefined) return undefined;
    sum += parseQuantity(String(lim)).value();
  }
  return sum > 0 ? sum : undefined;
}
