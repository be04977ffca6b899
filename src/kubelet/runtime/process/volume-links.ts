// Volumes without root: no mount namespace and no bind mounts, so a volume can only appear at its
// mount path as a symlink to its directory on the host. That works where the mount path does not
// exist yet and its parent is writable (e.g. /tmp/data); anywhere else the container fails to
// start with a message that says why. The links are shared by every process on the host: this is
// a documented limitation of running the process runtime unprivileged.

import { lstatSync, mkdirSync, readlinkSync, symlinkSync } from 'node:fs';
import { dirname } from 'node:path';

export function linkVolumes(mounts: { source: string; target: string }[]): void {
  for (const m of mounts) {
    let existing: string | undefined;
    try {
      existing = lstatSync(m.target).isSymbolicLink() ? readlinkSync(m.target) : '<not a link>';
    } catch {
      existing = undefined;
    }
    if (existing === m.source) continue;
    if (existing !== undefined) {
      throw new Error(`cannot mount volume at ${m.target}: the path exists on the host, and without root the process runtime can only place a volume by a symlink at a free path`);
    }
    try {
      mkdirSync(dirname(m.target), { recursive: true });
      symlinkSync(m.source, m.target);
    } catch (err) {
      throw new Error(`cannot mount volume at ${m.target} without root: ${(err as Error).message}`);
    }
  }
}
