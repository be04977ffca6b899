// The service proxy (kube-proxy's nftables mode, reduced): watches Services and EndpointSlices
// through the client's informers and keeps one nftables table of its own (`table ip k8ts`) in
// step with them. Every change schedules one rewrite of the whole table (debounced), applied
// atomically with `nft -f -` (see nft-ruleset.ts). The table is created at start and deleted at
// stop; other tables and iptables rules are never touched.
//
// Routed pod traffic needs net.ipv4.ip_forward=1 (the runc runtime's pods reach ClusterIPs
// through their gateway, the node's bridge); the proxy turns it on when it is off and says so.
// Without `nft` (missing, or not permitted) the proxy logs one line and does nothing.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Informer } from '../client/informer.js';
import { R } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import { SharedInformers } from '../client/shared-informers.js';
import { DEFAULT_TABLE, renderDelete, renderRuleset } from './nft-ruleset.js';
import { buildServices } from './service-model.js';

export interface ServiceProxyOptions {
  client: RestClient;
  /** Shared informers to use (else the proxy makes its own from `client`). */
  informers?: SharedInformers;
  table?: string;
  /** The nft binary (default `nft` from PATH). */
  nft?: string;
  debounceMs?: number;
  log?: (msg: string) => void;
}

/** Runs `nft -f -` with `script` on stdin; rejects with nft's stderr. */
export function runNft(nft: string, script: string, args: string[] = ['-f', '-']): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(nft, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${nft} ${args.join(' ')}: exit ${code}: ${err.trim()}`))));
    p.stdin.end(script);
  });
}

/** Whether nft can run and change rules here (a check-only transaction on a scratch table). */
export async function nftUsable(nft = 'nft'): Promise<string | undefined> {
  try {
    await runNft(nft, 'add table ip k8ts-probe\ndelete table ip k8ts-probe\n', ['-c', '-f', '-']);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export class ServiceProxy {
  private readonly informers: SharedInformers;
  private readonly ownInformers: boolean;
  private readonly services: Informer;
  private readonly slices: Informer;
  private readonly table: string;
  private readonly nft: string;
  private readonly log: (msg: string) => void;
  private timer?: NodeJS.Timeout;
  private applying?: Promise<void>;
  private dirty = false;
  private lastApplied?: string;
  private enabled = false;
  private stopped = false;

  constructor(private readonly o: ServiceProxyOptions) {
    this.ownInformers = !o.informers;
    this.informers = o.informers ?? new SharedInformers(o.client);
    this.services = this.informers.for(R.services);
    this.slices = this.informers.for(R.endpointslices);
    this.table = o.table ?? DEFAULT_TABLE;
    this.nft = o.nft ?? 'nft';
    this.log = o.log ?? ((m) => console.error(`proxy: ${m}`));
    const h = { add: () => this.schedule(), update: () => this.schedule(), delete: () => this.schedule() };
    this.services.addHandler(h);
    this.slices.addHandler(h);
  }

  /** Whether rules are being programmed (false when nft is unusable here). */
  get active(): boolean {
    return this.enabled;
  }

  async start(): Promise<void> {
    const why = await nftUsable(this.nft);
    if (why) {
      this.log(`nftables unavailable, Services are not proxied on this node (${why.split('\n')[0]})`);
      return;
    }
    this.enabled = true;
    ensureIpForward(this.log);
    if (this.ownInformers) await this.informers.start();
    else await Promise.all([this.services.waitForSync(), this.slices.waitForSync()]);
    await this.sync();
  }

  /** The ruleset for the informers' current contents. */
  render(): string {
    return renderRuleset(buildServices(this.services.store.list(), this.slices.store.list()), this.table);
  }

  private schedule(): void {
    if (!this.enabled || this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sync();
    }, this.o.debounceMs ?? 100);
  }

  /** Applies the current ruleset now (one apply at a time; a change meanwhile applies again). */
  async sync(): Promise<void> {
    if (this.applying) {
      this.dirty = true;
      return this.applying;
    }
    this.applying = (async () => {
      do {
        this.dirty = false;
        if (this.stopped) return;
        const script = this.render();
        if (script === this.lastApplied) continue;
        try {
          await runNft(this.nft, script);
          this.lastApplied = script;
        } catch (err) {
          this.log(`applying the ruleset failed, retrying: ${(err as Error).message}`);
          this.lastApplied = undefined;
          if (!this.stopped) setTimeout(() => this.schedule(), 1000).unref();
        }
      } while (this.dirty);
    })().finally(() => (this.applying = undefined));
    return this.applying;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.ownInformers) this.informers.stop();
    await this.applying?.catch(() => undefined);
    if (!this.enabled) return;
    await runNft(this.nft, renderDelete(this.table)).catch((err: unknown) => this.log(`deleting table ${this.table} failed: ${(err as Error).message}`));
  }
}

/** Turns on IPv4 forwarding when off (pods' traffic to ClusterIPs is routed by the node). */
export function ensureIpForward(log: (m: string) => void): void {
  const path = '/proc/sys/net/ipv4/ip_forward';
  try {
    if (readFileSync(path, 'utf8').trim() === '1') return;
    writeFileSync(path, '1\n');
    log('set net.ipv4.ip_forward=1 (pod traffic to Services is routed through the node)');
  } catch (err) {
    log(`cannot set net.ipv4.ip_forward=1: ${(err as Error).message}`);
  }
}
