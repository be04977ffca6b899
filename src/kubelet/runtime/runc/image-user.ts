// The user a container runs as, from the image config's User ("", "name", "uid", "name:group",
// "uid:gid"), resolved against the image's own /etc/passwd and /etc/group as Docker and
// containerd do: a numeric uid need not exist in passwd (gid then defaults to 0 or the passwd
// entry's), a name must; supplementary groups are the groups that list the user.

import { readFile } from 'node:fs/promises';
import { resolveInRoot } from '../../../images/secure-path.js';

export interface ContainerUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  /** HOME from passwd, when the user has an entry. */
  home?: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Lines of a file of the image; none when it is missing or unreadable (a link loop, say). */
async function readLines(rootfs: string, rel: string): Promise<string[]> {
  try {
    return (await readFile(await resolveInRoot(rootfs, rel, true), 'utf8')).split('\n').filter((l) => l && !l.startsWith('#'));
  } catch {
    return [];
  }
}

export function parsePasswd(lines: string[]): PasswdEntry[] {
  return lines
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? '/' }));
}

export function parseGroup(lines: string[]): GroupEntry[] {
  return lines
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 3 && /^\d+$/.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? '').split(',').filter(Boolean) }));
}

/** Answers per image root and user: image roots are never written, so they stay right. */
const resolved = new Map<string, Promise<ContainerUser>>();

/** Resolves `user` inside the root filesystem at `rootfs` (a path on the host). */
export function resolveImageUser(rootfs: string, user: string | undefined): Promise<ContainerUser> {
  const key = `${rootfs}\0${user ?? ''}`;
  let p = resolved.get(key);
  if (!p) {
    if (resolved.size >= 256) resolved.clear();
    p = resolveUncached(rootfs, user);
    resolved.set(key, p);
    p.catch(() => resolved.delete(key));
  }
  // A copy: callers may add to it.
  return p.then((u) => ({ ...u, ...(u.additionalGids ? { additionalGids: [...u.additionalGids] } : {}) }));
}

async function resolveUncached(rootfs: string, user: string | undefined): Promise<ContainerUser> {
  const spec = (user ?? '').trim();
  const [u, g] = spec.includes(':') ? [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)] : [spec, undefined];
  // The files are resolved inside the image (a symlink in it must not lead to the host's).
  const passwd = parsePasswd(await readLines(rootfs, 'etc/passwd'));
  const groups = parseGroup(await readLines(rootfs, 'etc/group'));
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (u === '') {
    uid = 0;
    entry = passwd.find((p) => p.uid === 0);
  } else if (/^\d+$/.test(u)) {
    uid = Number(u);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === u);
    if (!entry) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
    uid = entry.uid;
  }
  let gid: number;
  if (g === undefined || g === '') gid = entry?.gid ?? 0;
  else if (/^\d+$/.test(g)) gid = Number(g);
  else {
    const ge = groups.find((x) => x.name === g);
    if (!ge) throw new Error(`unable to find group ${g}: no matching entries in group file`);
    gid = ge.gid;
  }
  const name = entry?.name;
  const additional = name ? groups.filter((x) => x.members.includes(name) && x.gid !== gid).map((x) => x.gid) : [];
  const out: ContainerUser = { uid, gid };
  if (additional.length) out.additionalGids = additional;
  if (entry) out.home = entry.home;
  return out;
}
