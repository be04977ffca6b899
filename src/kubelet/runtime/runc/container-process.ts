// What a container runs, from its spec and its image config, with Kubernetes' rules:
// - `command` replaces the image's Entrypoint (and then the image's Cmd is not used either);
// - `args` replaces the image's Cmd;
// - env: the image's Env, then the container's (a container variable wins), PATH defaulted,
//   HOSTNAME set to the pod's hostname as container runtimes do;
// - workingDir, else the image's WorkingDir, else "/".

import type { ImageConfig } from '../../../images/manifest.js';
import type { ContainerConfig } from '../runtime.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export class NoCommandError extends Error {
  constructor() {
    super('no command specified');
    this.name = 'NoCommandError';
  }
}

export interface ContainerProcess {
  args: string[];
  env: string[];
  cwd: string;
}

export function containerArgs(command: string[], args: string[], image: ImageConfig): string[] {
  const entrypoint = image.config?.Entrypoint ?? [];
  const cmd = image.config?.Cmd ?? [];
  let out: string[];
  if (command.length) out = [...command, ...args];
  else out = [...entrypoint, ...(args.length ? args : cmd)];
  if (!out.length) throw new NoCommandError();
  return out;
}

export function containerProcess(config: ContainerConfig, image: ImageConfig, hostname: string): ContainerProcess {
  const env = new Map<string, string>();
  for (const kv of image.config?.Env ?? []) {
    const eq = kv.indexOf('=');
    if (eq > 0) env.set(kv.slice(0, eq), kv.slice(eq + 1));
  }
  if (!env.has('PATH')) env.set('PATH', DEFAULT_PATH);
  env.set('HOSTNAME', hostname);
  if (config.tty && !env.has('TERM')) env.set('TERM', 'xterm');
  for (const kv of config.env) env.set(kv.name, kv.value);
  const cwd = config.workingDir || image.config?.WorkingDir || '/';
  return { args: containerArgs(config.command, config.args, image), env: [...env].map(([k, v]) => `${k}=${v}`), cwd: cwd.startsWith('/') ? cwd : `/${cwd}` };
}
