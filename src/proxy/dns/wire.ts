// The DNS wire format (RFC 1035 section 4, RFC 3596 for AAAA, RFC 2782 for SRV), only as much as
// the cluster DNS server needs: parse a query's header and questions (the other sections, such as
// an EDNS OPT record, are ignored), and encode an answer with A, AAAA, SRV, PTR and SOA records.
// Names are encoded without compression; the server truncates (TC) answers too long for UDP.

export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
export const CLASS_IN = 1;
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  /** Lower case, without the trailing dot ('' for the root). */
  name: string;
  type: number;
  class: number;
}

export interface Header {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  rcode: number;
}

export type RecordData =
  | { type: typeof TYPE.A; address: string }
  | { type: typeof TYPE.AAAA; address: string }
  | { type: typeof TYPE.PTR; target: string }
  | { type: typeof TYPE.SRV; priority: number; weight: number; port: number; target: string }
  | { type: typeof TYPE.SOA; mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };

export type ResourceRecord = { name: string; ttl: number } & RecordData;

export interface Message {
  header: Header;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
}

export class DnsFormatError extends Error {}

function readName(buf: Buffer, start: number): { name: string; next: number } {
  const labels: string[] = [];
  let off = start;
  let next = -1;
  for (let jumps = 0; ; ) {
    if (off >= buf.length) throw new DnsFormatError('name runs past the message');
    const len = buf[off];
    if (len === 0) {
      off += 1;
      break;
    }
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= buf.length) throw new DnsFormatError('truncated compression pointer');
      if (++jumps > 64) throw new DnsFormatError('compression loop');
      if (next < 0) next = off + 2;
      off = ((len & 0x3f) << 8) | buf[off + 1];
      continue;
    }
    if (len & 0xc0) throw new DnsFormatError('unsupported label type');
    if (off + 1 + len > buf.length) throw new DnsFormatError('label runs past the message');
    labels.push(buf.toString('latin1', off + 1, off + 1 + len).toLowerCase());
    off += 1 + len;
  }
  return { name: labels.join('.'), next: next >= 0 ? next : off };
}

export function parseHeader(buf: Buffer): Header {
  if (buf.length < 12) throw new DnsFormatError('message shorter than its header');
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0xf,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    rcode: flags & 0xf,
  };
}

/** Header and questions of a message (answers are not parsed: the server only reads queries). */
export function parseQuery(buf: Buffer): { header: Header; questions: Question[] } {
  const header = parseHeader(buf);
  const qdcount = buf.readUInt16BE(4);
  const questions: Question[] = [];
  let off = 12;
  for (let i = 0; i < qdcount; i++) {
    const { name, next } = readName(buf, off);
    if (next + 4 > buf.length) throw new DnsFormatError('question runs past the message');
    questions.push({ name, type: buf.readUInt16BE(next), class: buf.readUInt16BE(next + 2) });
    off = next + 4;
  }
  return { header, questions };
}

function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name.split('.').filter((l) => l !== '')) {
    const b = Buffer.from(label, 'latin1');
    if (b.length > 63) throw new DnsFormatError(`label longer than 63 octets in "${name}"`);
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function ipv4Bytes(ip: string): Buffer {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) throw new DnsFormatError(`not an IPv4 address: "${ip}"`);
  return Buffer.from(m.slice(1).map(Number));
}

export function ipv6Bytes(ip: string): Buffer {
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = ipv4Bytes(v4[1]);
    s = `${s.slice(0, -v4[1].length)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, rest] = s.includes('::') ? s.split('::') : [s, undefined];
  const groups = (x: string) => (x ? x.split(':').map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const r = rest === undefined ? [] : groups(rest);
  const fill = 8 - h.length - r.length;
  if (fill < 0 || (rest === undefined && fill !== 0)) throw new DnsFormatError(`not an IPv6 address: "${ip}"`);
  const all = [...h, ...Array<number>(fill).fill(0), ...r];
  if (all.some((g) => !(g >= 0 && g <= 0xffff))) throw new DnsFormatError(`not an IPv6 address: "${ip}"`);
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(g, i * 2));
  return b;
}

function rdata(r: RecordData): Buffer {
  switch (r.type) {
    case TYPE.A:
      return ipv4Bytes(r.address);
    case TYPE.AAAA:
      return ipv6Bytes(r.address);
    case TYPE.PTR:
      return encodeName(r.target);
    case TYPE.SRV:
      return Buffer.concat([u16(r.priority), u16(r.weight), u16(r.port), encodeName(r.target)]);
    case TYPE.SOA:
      return Buffer.concat([encodeName(r.mname), encodeName(r.rname), u32(r.serial), u32(r.refresh), u32(r.retry), u32(r.expire), u32(r.minimum)]);
  }
}

function encodeRecord(r: ResourceRecord): Buffer {
  const data = rdata(r);
  return Buffer.concat([encodeName(r.name), u16(r.type), u16(CLASS_IN), u32(r.ttl), u16(data.length), data]);
}

export function encodeMessage(m: Message): Buffer {
  const h = m.header;
  const flags = (h.qr ? 0x8000 : 0) | ((h.opcode & 0xf) << 11) | (h.aa ? 0x0400 : 0) | (h.tc ? 0x0200 : 0) | (h.rd ? 0x0100 : 0) | (h.ra ? 0x0080 : 0) | (h.rcode & 0xf);
  const header = Buffer.concat([u16(h.id), u16(flags), u16(m.questions.length), u16(m.answers.length), u16(m.authority.length), u16(0)]);
  const qs = m.questions.map((q) => Buffer.concat([encodeName(q.name), u16(q.type), u16(q.class)]));
  return Buffer.concat([header, ...qs, ...m.answers.map(encodeRecord), ...m.authority.map(encodeRecord)]);
}

/** Parses the answer section's records of the types above (for tests and diagnostics). */
export function parseResponse(buf: Buffer): Message {
  const { header, questions } = parseQuery(buf);
  let off = 12;
  for (let i = 0; i < questions.length; i++) off = readName(buf, off).next + 4;
  const read = (count: number): ResourceRecord[] => {
    const out: ResourceRecord[] = [];
    for (let i = 0; i < count; i++) {
      const { name, next } = readName(buf, off);
      const type = buf.readUInt16BE(next);
      const ttl = buf.readUInt32BE(next + 4);
      const len = buf.readUInt16BE(next + 8);
      const d = next + 10;
      off = d + len;
      if (type === TYPE.A) out.push({ name, ttl, type, address: [...buf.subarray(d, d + 4)].join('.') });
      else if (type === TYPE.AAAA) out.push({ name, ttl, type, address: Array.from({ length: 8 }, (_, j) => buf.readUInt16BE(d + 2 * j).toString(16)).join(':') });
      else if (type === TYPE.PTR) out.push({ name, ttl, type, target: readName(buf, d).name });
      else if (type === TYPE.SRV) out.push({ name, ttl, type, priority: buf.readUInt16BE(d), weight: buf.readUInt16BE(d + 2), port: buf.readUInt16BE(d + 4), target: readName(buf, d + 6).name });
      else if (type === TYPE.SOA) {
        const m1 = readName(buf, d);
        const m2 = readName(buf, m1.next);
        const o = m2.next;
        out.push({ name, ttl, type, mname: m1.name, rname: m2.name, serial: buf.readUInt32BE(o), refresh: buf.readUInt32BE(o + 4), retry: buf.readUInt32BE(o + 8), expire: buf.readUInt32BE(o + 12), minimum: buf.readUInt32BE(o + 16) });
      }
    }
    return out;
  };
  const answers = read(buf.readUInt16BE(6));
  const authority = read(buf.readUInt16BE(8));
  return { header, questions, answers, authority };
}
