// Removes everything a runc runtime state directory holds on the host, whatever state it is in:
// containers (killed), their supervisors, overlay and namespace mounts, veths, cgroups, and the
// bridge when asked. For tests and for resetting a node whose agent is gone for good; a running
// agent must not be using the directory.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Cgroups } from './cgroups.js';
import { hostCommand } from './host-command.js';
import { DEFAULT_TOOLS, mountsUnder, PodNetwork } from './pod-network.js';
import { RuncCli, runtimeFlavour } from './runc-cli.js';
import { DEFAULT_RUNC } from './runc-runtime.js';

export async function purgeRuncState(stateDir: string, o: { runcPath?: string; cgroupPrefix?: string; bridgeCidr?: string } = {}): Promise<void> {
  const binary = o.runcPath ?? DEFAULT_RUNC;
  const runc = new RuncCli(binary, join(stateDir, 'runc'), runtimeFlavour(binary));
  if (existsSync(join(stateDir, 'runc'))) {
    for (const c of await runc.list().catch(() => [])) {
      await runc.kill(c.id, 'KILL').catch(() => false);
      await runc.delete(c.id).catch(() => undefined);
    }
  }
  // Supervisors name the state directory in their spec path.
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (cmd.includes('k8ts-shim') && cmd.includes(stateDir)) process.kill(Number(p), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const m of mountsUnder(stateDir).reverse()) await hostCommand('umount', ['-l', m]).catch(() => undefined);
  const network = new PodNetwork(DEFAULT_TOOLS);
  const cgroups = new Cgroups('/sys/fs/cgroup', o.cgroupPrefix ?? 'k8ts');
  const sandboxes = join(stateDir, 'sandboxes');
  if (existsSync(sandboxes)) {
    for (const id of readdirSync(sandboxes)) {
      await network.detach(id).catch(() => undefined);
      await cgroups.removePod(id.slice(0, 16));
    }
  }
  if (o.bridgeCidr) await network.deleteBridge(o.bridgeCidr).catch(() => undefined);
  await rm(stateDir, { recursive: true, force: true });
}
