// A container's OCI bundle: what it runs (container-process.ts), as which user (image-user.ts),
// its overlay root file system prepared (container-rootfs.ts), and config.json joining the pod's
// namespaces and files, the volumes and the container's cgroup and limits (oci-spec.ts).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageConfig } from '../../../images/manifest.js';
import type { ContainerConfig } from '../runtime.js';
import { containerProcess, NoCommandError } from './container-process.js';
import { prepareRootfs, type RootfsDirs } from './container-rootfs.js';
import { resolveImageUser } from './image-user.js';
import { buildSpec } from './oci-spec.js';
import type { RuncSandboxRecord } from './runc-state.js';

export interface BundleInput {
  /** The container's id (named in errors) and directory (the bundle is `<dir>/bundle`). */
  id: string;
  dir: string;
  rootfs: RootfsDirs;
  config: ContainerConfig;
  image: ImageConfig;
  sandbox: RuncSandboxRecord;
  /** runc's cgroupsPath and the OCI linux.resources (cgroups.ts). */
  cgroupsPath: string;
  resources: Record<string, unknown>;
}

/**
 * Mounts the root file system and writes `<dir>/bundle/config.json`. A container with no command
 * from its spec or image fails in containerd's words. On error the caller unmounts and removes.
 */
export async function writeBundle(b: BundleInput): Promise<void> {
  let proc;
  try {
    proc = containerProcess(b.config, b.image, b.sandbox.hostname);
  } catch (err) {
    if (err instanceof NoCommandError) throw new Error(`failed to generate container "${b.id}" spec: no command specified`);
    throw err;
  }
  const user = await resolveImageUser(b.rootfs.lower, b.image.config?.User);
  if (user.home && !proc.env.some((e) => e.startsWith('HOME='))) proc.env.push(`HOME=${user.home}`);
  // Mounted when the container starts (runc-runtime.ts).
  prepareRootfs(b.rootfs);
  const sb = b.sandbox;
  const spec = buildSpec({
    ...proc,
    user,
    rootfs: b.rootfs.merged,
    netns: sb.namespaces.net,
    utsns: sb.namespaces.uts,
    ipcns: sb.namespaces.ipc,
    etcHosts: sb.files.hosts,
    etcHostname: sb.files.hostname,
    resolvConf: sb.files.resolvConf,
    mounts: (b.config.mounts ?? []).map((m) => ({ destination: m.containerPath, source: m.hostPath, readOnly: m.readOnly })),
    cgroupsPath: b.cgroupsPath,
    resources: b.resources,
  });
  writeFileSync(join(b.dir, 'bundle', 'config.json'), JSON.stringify(spec));
}
