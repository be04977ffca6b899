// Container lifecycle hooks (postStart, preStop), as pkg/kubelet/lifecycle/handlers.go runs
// them: exec through the runtime, httpGet against the pod IP (a simulating runtime's pods have no
// network, so there it succeeds), sleep on the clock. A failure comes back as a message; the
// caller records the fixed event text upstream uses (hook output may hold secrets).

import http from 'node:http';
import https from 'node:https';
import type { JsonObject } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { ContainerRuntime } from './runtime/runtime.js';

export interface HookContext {
  runtime: ContainerRuntime;
  clock: Clock;
  containerId: string;
  containerName: string;
  /** name_namespace(uid), for messages. */
  pod: string;
  podIP?: string;
  /** The hook may take this long at most. */
  timeoutSeconds: number;
}

/** Runs a hook handler; resolves with an error message, or undefined when it succeeded. */
export async function runHook(handler: JsonObject, ctx: HookContext): Promise<string | undefined> {
  try {
    if (handler.exec && typeof handler.exec === 'object') return await execHook((handler.exec as JsonObject).command as string[] | undefined, ctx);
    if (handler.httpGet && typeof handler.httpGet === 'object') return await httpHook(handler.httpGet as JsonObject, ctx);
    if (handler.sleep && typeof handler.sleep === 'object') {
      const seconds = Number((handler.sleep as JsonObject).seconds ?? 0);
      const ms = Math.max(0, Math.min(seconds, ctx.timeoutSeconds) * 1000);
      await new Promise<void>((r) => ctx.clock.setTimer(ms, r));
      return undefined;
    }
    // tcpSocket hooks are accepted by the API but never run (as upstream).
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

async function execHook(command: string[] | undefined, ctx: HookContext): Promise<string | undefined> {
  const cmd = command ?? [];
  const r = await ctx.runtime.execSync(ctx.containerId, cmd, ctx.timeoutSeconds);
  if (r.timedOut) return `Exec lifecycle hook (${JSON.stringify(cmd)}) for Container "${ctx.containerName}" in Pod "${ctx.pod}" failed - error: command timed out`;
  if (r.exitCode === 0) return undefined;
  return `Exec lifecycle hook (${JSON.stringify(cmd)}) for Container "${ctx.containerName}" in Pod "${ctx.pod}" failed - error: command '${cmd.join(' ')}' exited with ${r.exitCode}: ${r.stdout}${r.stderr}`;
}

function httpHook(g: JsonObject, ctx: HookContext): Promise<string | undefined> {
  if (ctx.runtime.capabilities.simulatedProbes) return Promise.resolve(undefined);
  // Pods of a runtime without a pod network share the node's: they listen on loopback.
  const host = typeof g.host === 'string' && g.host ? g.host : ctx.runtime.capabilities.podNetwork ? ctx.podIP : '127.0.0.1';
  const port = typeof g.port === 'number' ? g.port : Number(g.port);
  if (!host || !Number.isFinite(port)) return Promise.resolve(`HTTP lifecycle hook for Container "${ctx.containerName}" has no usable host or port`);
  const scheme = String(g.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
  const path = typeof g.path === 'string' ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
  const url = `${scheme}://${host}:${port}${path}`;
  return new Promise((resolve) => {
    const req = (scheme === 'https' ? https : http).get(url, { timeout: ctx.timeoutSeconds * 1000, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? undefined : `HTTP lifecycle hook (${path}) for Container "${ctx.containerName}" in Pod "${ctx.pod}" failed - error: HTTP status ${code}`);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(`HTTP lifecycle hook (${path}) for Container "${ctx.containerName}" in Pod "${ctx.pod}" failed - error: timed out`);
    });
    req.on('error', (e) => resolve(`HTTP lifecycle hook (${path}) for Container "${ctx.containerName}" in Pod "${ctx.pod}" failed - error: ${e.message}`));
  });
}
