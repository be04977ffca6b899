// Starts a real `k8ts up` process on a free loopback port with its own data dir, and runs the
// real kubectl binary against it. Waits poll for state with generous deadlines; no fixed sleeps.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(new URL('.', import.meta.url).pathname, '../../..');
export const K8TS_BIN = join(ROOT, 'bin', 'k8ts.js');
export const KUBECTL = '/usr/bin/kubectl';
export const kubectlVersion = (minor: number) => `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;

export interface Cluster {
  dataDir: string;
  kubeconfig: string;
  server: string;
  proc: ChildProcess;
  output: () => string;
  kubectl(args: string[], opts?: KubectlOptions): KubectlResult;
  kubectlAsync(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  /** Starts a long-running kubectl (e.g. --watch); read its output as it comes, then stop it. */
  kubectlStream(args: string[], opts?: KubectlOptions): { output(): string; stop(): Promise<void> };
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops and removes the data dir. */
  destroy(): Promise<void>;
}

export interface KubectlOptions {
  input?: string;
  binary?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix = 'k8ts-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts `k8ts up --port 0` and resolves once it prints its ready line. */
export async function startCluster(opts: { dataDir?: string; args?: string[]; timeoutMs?: number } = {}): Promise<Cluster> {
  const dataDir = opts.dataDir ?? tempDir();
  const cacheDir = tempDir('k8ts-kubectl-cache-');
  const proc = spawn(process.execPath, [K8TS_BIN, 'up', '--data-dir', dataDir, '--port', '0', ...(opts.args ?? [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const server = await new Promise<string>((resolveReady, reject) => {
    const deadline = setTimeout(() => reject(new Error(`k8ts up did not become ready:\n${out}`)), opts.timeoutMs ?? 30_000);
    const check = () => {
      const m = /running at (https:\/\/\S+);/.exec(out);
      if (m) {
        clearTimeout(deadline);
        resolveReady(m[1]);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`k8ts up exited with ${code}:\n${out}`));
    });
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  const baseArgs = ['--kubeconfig', kubeconfig, '--cache-dir', cacheDir];
  const cluster: Cluster = {
    dataDir,
    kubeconfig,
    server,
    proc,
    output: () => out,
    kubectl(args, o = {}) {
      const r = spawnSync(o.binary ?? KUBECTL, [...baseArgs, ...args], {
        input: o.input,
        encoding: 'utf8',
        timeout: o.timeoutMs ?? 60_000,
        env: { ...process.env, ...o.env },
      });
      return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    },
    kubectlAsync(args, o = {}) {
      return new Promise((res) => {
        const p = spawn(o.binary ?? KUBECTL, [...baseArgs, ...args], { env: { ...process.env, ...o.env } });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        if (o.input !== undefined) p.stdin.end(o.input);
        else p.stdin.end();
        const t = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs ?? 60_000);
        p.on('close', (code) => {
          clearTimeout(t);
          res({ code, stdout, stderr });
        });
      });
    },
    kubectlStream(args, o = {}) {
      const p = spawn(o.binary ?? KUBECTL, [...baseArgs, ...args], { env: { ...process.env, ...o.env } });
      let buf = '';
      p.stdout.on('data', (d) => (buf += d));
      p.stderr.on('data', (d) => (buf += d));
      p.stdin.end();
      const done = new Promise<void>((r) => p.on('close', () => r()));
      return {
        output: () => buf,
        stop: async () => {
          p.kill('SIGTERM');
          await done;
        },
      };
    },
    stop(signal = 'SIGTERM') {
      return new Promise((res) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return res(proc.exitCode);
        proc.once('exit', (code) => res(code));
        proc.kill(signal);
      });
    },
    async destroy() {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(cacheDir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function eventually<T>(fn: () => T | Promise<T>, what: string, timeoutMs = 30_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs kubectl and fails the test with its output when it exits non-zero. */
export function ok(r: KubectlResult): string {
  if (r.code !== 0) throw new Error(`kubectl failed (${r.code}):\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r.stdout;
}

import https from 'node:https';
import { readFileSync } from 'node:fs';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A raw HTTPS request to the cluster (token from the data dir unless `token` is given, or null for none). */
export function rawRequest(
  c: Cluster,
  method: string,
  path: string,
  opts: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {},
): Promise<RawResponse> {
  const url = new URL(path, c.server);
  const ca = readFileSync(join(c.dataDir, 'pki', 'ca.crt'));
  const token = opts.token === undefined ? readFileSync(join(c.dataDir, 'pki', 'admin.token'), 'utf8').trim() : opts.token;
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers ?? {}) };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (opts.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(opts.body));
  }
  return new Promise((res, rej) => {
    const req = https.request(url, { method, headers, ca }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (d) => chunks.push(d));
      r.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        res({ status: r.statusCode ?? 0, headers: r.headers, body, json: () => JSON.parse(body) });
      });
    });
    req.on('error', rej);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}
