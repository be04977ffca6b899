// The spec file `k8ts-shim run` reads: NUL-separated key/value pairs, so any byte but NUL may
// appear in a value (commands, env values, paths). Repeated keys (env, arg, msrc/mdst/mro) keep
// their order; a mount is the three keys msrc, mdst, mro in that order.

export interface ShimSpec {
  logPath: string;
  logMaxBytes: number;
  logMaxFiles: number;
  exitPath: string;
  /** FIFO for the container's stdin (containers with stdin: true); /dev/null otherwise. */
  stdinPath?: string;
  /** New PID/mount/UTS/IPC namespaces, the overlay root and the bind mounts (root only). */
  namespaces: boolean;
  hostname?: string;
  root?: { dir: string; upper: string; work: string };
  mounts: { source: string; target: string; readOnly: boolean }[];
  cwd?: string;
  /**
   * Reap mode: argv starts the container and exits (`crun run --detach`); the shim is the
   * child subreaper, so the container's PID 1 is reparented to it, and waits for the pid named in
   * this file once argv exited 0.
   */
  reapPidFile?: string;
  /** An overlay mounted (on the node, before anything runs) at `dir` with these mount options, after making `mkdirs`. */
  overlay?: { dir: string; options: string; mkdirs?: string[] };
  env: string[];
  argv: string[];
}

export function encodeShimSpec(s: ShimSpec): Buffer {
  const pairs: [string, string][] = [
    ['log', s.logPath],
    ['logmax', String(s.logMaxBytes)],
    ['logfiles', String(s.logMaxFiles)],
    ['exit', s.exitPath],
    ['ns', s.namespaces ? '1' : '0'],
  ];
  if (s.stdinPath) pairs.push(['stdin', s.stdinPath]);
  if (s.hostname) pairs.push(['hostname', s.hostname]);
  if (s.root) pairs.push(['root', s.root.dir], ['upper', s.root.upper], ['work', s.root.work]);
  if (s.cwd) pairs.push(['cwd', s.cwd]);
  if (s.reapPidFile) pairs.push(['reap', s.reapPidFile]);
  if (s.overlay) {
    for (const d of s.overlay.mkdirs ?? []) pairs.push(['ovlmkdir', d]);
    pairs.push(['ovldir', s.overlay.dir], ['ovlopts', s.overlay.options]);
  }
  for (const m of s.mounts) pairs.push(['msrc', m.source], ['mdst', m.target], ['mro', m.readOnly ? '1' : '0']);
  for (const e of s.env) pairs.push(['env', e]);
  for (const a of s.argv) pairs.push(['arg', a]);
  for (const [k, v] of pairs) {
    if (v.includes('\0')) throw new Error(`the ${k} value of the container contains a NUL byte`);
  }
  return Buffer.from(pairs.map(([k, v]) => `${k}\0${v}\0`).join(''));
}
