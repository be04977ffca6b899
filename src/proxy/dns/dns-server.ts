// The cluster DNS server: UDP and TCP on one address (port 53 by default). Names of the cluster
// domain (and reverse names of ClusterIPs) are answered from the Services and EndpointSlices the
// informers hold (cluster-records.ts); everything else is forwarded as is to the node's upstream
// name servers from /etc/resolv.conf (loopback ones skipped: a stub resolver there may forward
// back to us, and pods could not use it anyway). UDP answers over 512 octets are truncated (TC)
// so the client retries over TCP; forwarded answers are passed through unchanged.

import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import type { Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { SharedInformers } from '../../client/shared-informers.js';
import { buildServices } from '../service-model.js';
import { ClusterRecords, DEFAULT_DOMAIN } from './cluster-records.js';
import { CLASS_IN, encodeMessage, parseHeader, parseQuery, RCODE, type Question } from './wire.js';

export interface DnsServerOptions {
  informers: SharedInformers;
  host: string;
  port?: number;
  domain?: string;
  /** Upstream name servers (default: the node's resolv.conf, without loopback ones). */
  upstreams?: string[];
  log?: (msg: string) => void;
}

const UDP_MAX = 512;
const FORWARD_TIMEOUT_MS = 2000;

/** The non-loopback IPv4 name servers of a resolv.conf. */
export function upstreamServers(text: string): string[] {
  return text
    .split('\n')
    .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
    .filter((s): s is string => !!s && /^\d+\.\d+\.\d+\.\d+$/.test(s) && !s.startsWith('127.') && s !== '0.0.0.0');
}

function nodeUpstreams(): string[] {
  for (const p of ['/etc/resolv.conf', '/run/systemd/resolve/resolv.conf']) {
    try {
      const s = upstreamServers(readFileSync(p, 'utf8'));
      if (s.length) return s;
    } catch {
      /* next */
    }
  }
  return [];
}

export class DnsServer {
  private readonly services: Informer;
  private readonly slices: Informer;
  private records?: ClusterRecords;
  private udp?: Socket;
  private tcp?: Server;
  private readonly upstreams: string[];
  private readonly log: (msg: string) => void;

  constructor(private readonly o: DnsServerOptions) {
    this.services = o.informers.for(R.services);
    this.slices = o.informers.for(R.endpointslices);
    const invalidate = { add: () => (this.records = undefined), update: () => (this.records = undefined), delete: () => (this.records = undefined) };
    this.services.addHandler(invalidate);
    this.slices.addHandler(invalidate);
    this.upstreams = (o.upstreams ?? nodeUpstreams()).filter((u) => u !== o.host);
    this.log = o.log ?? ((m) => console.error(`dns: ${m}`));
  }

  get port(): number {
    return (this.udp?.address().port as number | undefined) ?? 0;
  }

  async start(): Promise<void> {
    const port = this.o.port ?? 53;
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(port, this.o.host, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => this.log(`udp: ${err.message}`));
    udp.on('message', (msg, rinfo) => {
      void this.handle(msg, false).then((out) => {
        if (out) udp.send(out, rinfo.port, rinfo.address);
      });
    });
    this.udp = udp;
    const tcp = createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.setTimeout(10_000, () => sock.destroy());
      sock.on('error', () => undefined);
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
          buf = buf.subarray(2 + msg.length);
          void this.handle(msg, true).then((out) => {
            if (out && !sock.destroyed) sock.write(Buffer.concat([Buffer.from([out.length >> 8, out.length & 255]), out]));
          });
        }
      });
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(this.udp!.address().port, this.o.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    this.tcp = tcp;
  }

  async stop(): Promise<void> {
    this.udp?.close();
    this.udp = undefined;
    await new Promise<void>((r) => (this.tcp ? this.tcp.close(() => r()) : r()));
    this.tcp = undefined;
  }

  private current(): ClusterRecords {
    if (!this.records) this.records = new ClusterRecords(buildServices(this.services.store.list(), this.slices.store.list()), this.o.domain ?? DEFAULT_DOMAIN);
    return this.records;
  }

  /** The reply to one query message (undefined: drop it). */
  async handle(msg: Buffer, overTcp: boolean): Promise<Buffer | undefined> {
    let header;
    try {
      header = parseHeader(msg);
    } catch {
      return undefined;
    }
    if (header.qr) return undefined;
    const reply = (rcode: number, questions: Question[] = [], answers = [] as ReturnType<ClusterRecords['answer']> & object) =>
      encodeMessage({
        header: { id: header.id, qr: true, opcode: header.opcode, aa: rcode !== RCODE.SERVFAIL && rcode !== RCODE.FORMERR && rcode !== RCODE.NOTIMP, tc: false, rd: header.rd, ra: true, rcode },
        questions,
        answers: answers?.answers ?? [],
        authority: answers?.authority ?? [],
      });
    let questions: Question[];
    try {
      questions = parseQuery(msg).questions;
    } catch {
      return reply(RCODE.FORMERR);
    }
    if (header.opcode !== 0) return reply(RCODE.NOTIMP, questions);
    if (questions.length !== 1) return reply(RCODE.FORMERR, questions);
    const q = questions[0];
    const a = q.class === CLASS_IN ? this.current().answer(q) : undefined;
    if (!a) return this.forward(msg, overTcp).catch(() => reply(RCODE.SERVFAIL, questions));
    const out = reply(a.rcode, questions, a);
    if (!overTcp && out.length > UDP_MAX) {
      return encodeMessage({ header: { id: header.id, qr: true, opcode: 0, aa: true, tc: true, rd: header.rd, ra: true, rcode: a.rcode }, questions, answers: [], authority: [] });
    }
    return out;
  }

  private async forward(msg: Buffer, overTcp: boolean): Promise<Buffer> {
    let last: unknown = new Error('no upstream name server');
    for (const server of this.upstreams) {
      try {
        return await (overTcp ? forwardTcp(server, msg) : forwardUdp(server, msg));
      } catch (err) {
        last = err;
      }
    }
    throw last;
  }
}

function forwardUdp(server: string, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const done = (err?: Error, out?: Buffer) => {
      clearTimeout(timer);
      s.close();
      if (err) reject(err);
      else resolve(out!);
    };
    const timer = setTimeout(() => done(new Error(`${server}: timeout`)), FORWARD_TIMEOUT_MS);
    s.on('error', (err) => done(err));
    s.on('message', (out) => {
      if (out.length >= 2 && out.readUInt16BE(0) === msg.readUInt16BE(0)) done(undefined, out);
    });
    s.send(msg, 53, server);
  });
}

function forwardTcp(server: string, msg: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: server, port: 53 });
    let buf = Buffer.alloc(0);
    sock.setTimeout(FORWARD_TIMEOUT_MS, () => sock.destroy(new Error(`${server}: timeout`)));
    sock.on('error', reject);
    sock.on('connect', () => sock.write(Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg])));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        sock.destroy();
      }
    });
    sock.on('close', () => reject(new Error(`${server}: closed`)));
  });
}
