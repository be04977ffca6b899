// How one probe is carried out. A runtime that simulates its workloads answers probes itself
// (capabilities.simulatedProbes); otherwise exec probes go through the runtime's execSync and
// httpGet/tcpSocket probes dial the pod IP from the node, with the result words of
// pkg/probe/{http,tcp,exec}.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { JsonObject, KObject } from '../../api/types.js';
import type { ProbeSpec } from '../pod-spec-helpers.js';
import type { ContainerRuntime, ProbeOutcome } from '../runtime/runtime.js';
import type { ProbeTarget } from './probe-manager.js';

export type Outcome = ProbeOutcome & { errored?: boolean };

export interface ProbeContext {
  runtime: ContainerRuntime;
  podIP: string | undefined;
  container: JsonObject | undefined;
}

export async function runProbe(target: ProbeTarget, spec: ProbeSpec, pod: KObject, ctx: ProbeContext): Promise<Outcome> {
  const p = spec.raw;
  if (ctx.runtime.capabilities.simulatedProbes && ctx.runtime.probe) {
    return ctx.runtime.probe(target.containerId, { kind: spec.kind, probe: p, annotations: { ...(pod.metadata.annotations ?? {}) } });
  }
  if (p.exec) return execProbe(target, spec, ctx);
  if (p.httpGet) return httpProbe(spec, ctx);
  if (p.tcpSocket) return tcpProbe(spec, ctx);
  if (p.grpc) return { result: 'failure', output: 'gRPC probes are not supported by this node agent', errored: true };
  return { result: 'failure', output: 'missing probe handler', errored: true };
}

async function execProbe(target: ProbeTarget, spec: ProbeSpec, ctx: ProbeContext): Promise<Outcome> {
  const cmd = ((spec.raw.exec as JsonObject).command as string[] | undefined) ?? [];
  if (!ctx.runtime.capabilities.exec) return { result: 'failure', output: `runtime "${ctx.runtime.type}" cannot run exec probes`, errored: true };
  const r = await ctx.runtime.execSync(target.containerId, cmd, spec.timeoutSeconds);
  if (r.timedOut) return { result: 'failure', output: `command ${JSON.stringify(cmd.join(' '))} timed out` };
  return { result: r.exitCode === 0 ? 'success' : 'failure', output: r.stdout + r.stderr };
}

/** A named port resolves through the container's ports. */
function portOf(port: unknown, container: JsonObject | undefined): number | undefined {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const ports = Array.isArray(container?.ports) ? (container!.ports as JsonObject[]) : [];
  const found = ports.find((p) => p.name === port);
  return typeof found?.containerPort === 'number' ? found.containerPort : undefined;
}

function httpProbe(spec: ProbeSpec, ctx: ProbeContext): Promise<Outcome> {
  const g = spec.raw.httpGet as JsonObject;
  const port = portOf(g.port, ctx.container);
  const host = typeof g.host === 'string' && g.host ? g.host : podAddress(ctx);
  if (!port || !host) return Promise.resolve({ result: 'failure', output: `unable to resolve the probe's address (port ${String(g.port)})`, errored: true });
  const scheme = String(g.scheme ?? 'HTTP').toLowerCase() === 'https' ? 'https' : 'http';
  let path = typeof g.path === 'string' ? g.path : '/';
  if (!path.startsWith('/')) path = '/' + path;
  const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}${path}`;
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of Array.isArray(g.httpHeaders) ? (g.httpHeaders as JsonObject[]) : []) if (typeof h.name === 'string') headers[h.name] = String(h.value ?? '');
  return new Promise((resolve) => {
    const mod = scheme === 'https' ? https : http;
    const req = mod.get(url, { headers, timeout: spec.timeoutSeconds * 1000, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      if (code >= 200 && code < 400) resolve({ result: 'success', output: '' });
      else resolve({ result: 'failure', output: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ result: 'failure', output: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ result: 'failure', output: `Get "${url}": ${dialError(host, port, e)}` }));
  });
}

function tcpProbe(spec: ProbeSpec, ctx: ProbeContext): Promise<Outcome> {
  const t = spec.raw.tcpSocket as JsonObject;
  const port = portOf(t.port, ctx.container);
  const host = typeof t.host === 'string' && t.host ? t.host : podAddress(ctx);
  if (!port || !host) return Promise.resolve({ result: 'failure', output: `unable to resolve the probe's address (port ${String(t.port)})`, errored: true });
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ result: 'failure', output: `dial tcp ${host}:${port}: i/o timeout` });
    }, spec.timeoutSeconds * 1000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ result: 'success', output: '' });
    });
    sock.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ result: 'failure', output: dialError(host, port, e) });
    });
  });
}

/** Where the pod listens: its IP, or loopback when the runtime's pods share the node's network. */
function podAddress(ctx: ProbeContext): string | undefined {
  return ctx.runtime.capabilities.podNetwork ? ctx.podIP : '127.0.0.1';
}

function dialError(host: string, port: number, e: NodeJS.ErrnoException): string {
  const what = e.code === 'ECONNREFUSED' ? 'connection refused' : e.code === 'EHOSTUNREACH' ? 'no route to host' : e.code === 'ETIMEDOUT' ? 'i/o timeout' : e.message;
  return `dial tcp ${host}:${port}: connect: ${what}`;
}
