// A container's root filesystem: an overlay whose lower layer is the image's unpacked root (shared
// by every container of the image, never written) and whose upper layer is the container's own,
// so its writes stay private and go away with it. overlayfs takes its directories in a
// comma/colon separated option string, so paths holding those characters are refused up front.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { hostCommand } from './host-command.js';
import { isMounted } from './pod-network.js';

export interface RootfsDirs {
  lower: string;
  upper: string;
  work: string;
  merged: string;
}

export function rootfsDirs(containerDir: string, imageRootfs: string): RootfsDirs {
  return { lower: imageRootfs, upper: join(containerDir, 'upper'), work: join(containerDir, 'work'), merged: join(containerDir, 'bundle', 'rootfs') };
}

/** The overlay's mount options (its directories may not hold a comma or colon). */
export function overlayOptions(d: RootfsDirs): string {
  for (const p of [d.lower, d.upper, d.work]) {
    if (/[,:]/.test(p)) throw new Error(`cannot use "${p}" in an overlay mount: the path holds a comma or colon`);
  }
  return `lowerdir=${d.lower},upperdir=${d.upper},workdir=${d.work}`;
}

/**
 * Checks the overlay's directories and returns its mount options. k8ts-shim makes the directories
 * and mounts it when the container starts (off the agent's event loop, no mount process).
 */
export function prepareRootfs(d: RootfsDirs): string {
  return overlayOptions(d);
}

export async function mountRootfs(d: RootfsDirs): Promise<void> {
  const options = prepareRootfs(d);
  for (const p of [d.upper, d.work, d.merged]) mkdirSync(p, { recursive: true });
  if (isMounted(d.merged)) return;
  try {
    await hostCommand('mount', ['-t', 'overlay', 'overlay', '-o', options, d.merged]);
  } catch (err) {
    throw new Error(`failed to mount the container root filesystem (overlay): ${(err as Error).message}`);
  }
}

export async function unmountRootfs(merged: string, exec: (cmd: string, args: string[]) => Promise<string> = hostCommand): Promise<void> {
  if (!isMounted(merged)) return;
  try {
    await exec('umount', [merged]);
  } catch {
    // Something still holds it (a process that escaped): detach it now, the kernel frees it later.
    await exec('umount', ['-l', merged]).catch(() => undefined);
  }
}
