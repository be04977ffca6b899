// The OCI runtime spec (config.json) of one container, in the shape `runc spec` writes and
// containerd's CRI plugin fills in for Kubernetes: no terminal (stdio are the supervisor's pipes),
// a private PID and mount namespace, the pod's network, IPC and UTS namespaces joined by path
// (they are held by bind mounts, not by a pause process), the pod's /etc/hosts, /etc/hostname and
// /etc/resolv.conf and the volumes as bind mounts, Docker's default capabilities, and a cgroup
// of its own with the container's limits (cgroups.ts).

import type { ContainerUser } from './image-user.js';

export interface SpecMount {
  destination: string;
  source: string;
  readOnly?: boolean;
}

export interface SpecInput {
  args: string[];
  env: string[];
  cwd: string;
  user: ContainerUser;
  /** Absolute path of the container's root filesystem (the overlay mount). */
  rootfs: string;
  /** Namespace files to join; absent network/uts = the host's (hostNetwork pods). */
  netns?: string;
  utsns?: string;
  ipcns?: string;
  /** Pod files bound over the image's. */
  etcHosts?: string;
  etcHostname?: string;
  resolvConf?: string;
  mounts: SpecMount[];
  cgroupsPath: string;
  /** linux.resources without devices (cgroups.ts). */
  resources?: Record<string, unknown>;
  /** Run on a terminal (kubectl run -it); the supervisor provides it. */
  terminal?: boolean;
  privileged?: boolean;
}

/** Docker's and containerd's default set. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const MASKED = ['/proc/acpi', '/proc/asound', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/sys/firmware', '/proc/scsi'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

function bind(destination: string, source: string, readOnly = false) {
  return { destination, type: 'bind', source, options: ['rbind', 'rprivate', readOnly ? 'ro' : 'rw'] };
}

/** Parents before children, so a volume inside another volume is mounted on top of it. */
function byDepth(a: SpecMount, b: SpecMount): number {
  return a.destination.split('/').length - b.destination.split('/').length;
}

export function buildSpec(i: SpecInput): Record<string, unknown> {
  const namespaces: Record<string, string>[] = [{ type: 'pid' }, { type: 'mount' }];
  namespaces.push(i.ipcns ? { type: 'ipc', path: i.ipcns } : { type: 'ipc' });
  if (i.utsns) namespaces.push({ type: 'uts', path: i.utsns });
  if (i.netns) namespaces.push({ type: 'network', path: i.netns });
  const mounts: Record<string, unknown>[] = [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
  if (i.etcHosts) mounts.push(bind('/etc/hosts', i.etcHosts));
  if (i.etcHostname) mounts.push(bind('/etc/hostname', i.etcHostname));
  if (i.resolvConf) mounts.push(bind('/etc/resolv.conf', i.resolvConf));
  for (const m of [...i.mounts].sort(byDepth)) mounts.push(bind(m.destination, m.source, m.readOnly));
  const caps = i.privileged ? undefined : DEFAULT_CAPABILITIES;
  const user: Record<string, unknown> = { uid: i.user.uid, gid: i.user.gid };
  if (i.user.additionalGids?.length) user.additionalGids = i.user.additionalGids;
  return {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: i.terminal === true,
      user,
      args: i.args,
      env: i.env,
      cwd: i.cwd,
      ...(caps ? { capabilities: { bounding: caps, effective: caps, permitted: caps } } : {}),
      // No rlimits: containers inherit the agent's, as containerd's do.
      // Kubernetes' default allowPrivilegeEscalation is true.
      noNewPrivileges: false,
    },
    root: { path: i.rootfs, readonly: false },
    mounts,
    linux: {
      cgroupsPath: i.cgroupsPath,
      resources: { ...(i.resources ?? {}), devices: [{ allow: false, access: 'rwm' }] },
      namespaces,
      maskedPaths: i.privileged ? [] : MASKED,
      readonlyPaths: i.privileged ? [] : READONLY,
    },
  };
}
