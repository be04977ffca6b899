// Pod IPs from the node's pod CIDR, handed out as the CNI host-local IPAM plugin does: the
// network address, the gateway (first address) and the broadcast address are never given out,
// allocation continues after the last address handed out (so a just-released IP is not reused
// at once), and exhaustion fails with host-local's message.

export class IpAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(readonly cidr: string) {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
    if (!m) throw new Error(`invalid IPv4 pod CIDR "${cidr}"`);
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 30 || prefix < 8) throw new Error(`invalid IPv4 pod CIDR "${cidr}" (prefix must be 8..30)`);
    const addr = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
    this.size = 2 ** (32 - prefix);
    this.base = prefix === 0 ? 0 : (addr & ~(this.size - 1)) >>> 0;
    // Offsets 0 (network), 1 (gateway) and size-1 (broadcast) are reserved.
    this.cursor = 1;
  }

  /** Number of addresses pods can get from this range. */
  get capacity(): number {
    return this.size - 3;
  }

  get allocated(): number {
    return this.used.size;
  }

  /** The next free IP after the last one handed out. */
  allocate(): string {
    if (this.used.size >= this.capacity) {
      throw new Error(`failed to allocate for range 0: no IP addresses available in range set: ${toIp(this.base + 1)}-${toIp(this.base + this.size - 2)}`);
    }
    let off = this.cursor;
    for (;;) {
      off = off + 1 >= this.size - 1 ? 2 : off + 1;
      if (!this.used.has(off)) break;
    }
    this.used.add(off);
    this.cursor = off;
    return toIp(this.base + off);
  }

  /** Marks an IP as taken (a sandbox that already holds it when the range is reconfigured). */
  reserve(ip: string): void {
    const n = parseIp(ip);
    if (n !== undefined && this.contains(ip)) this.used.add(n - this.base);
  }

  /** Returns an IP to the pool; unknown or foreign IPs are ignored (release is idempotent). */
  release(ip: string): void {
    const n = parseIp(ip);
    if (n === undefined) return;
    this.used.delete(n - this.base);
  }

  contains(ip: string): boolean {
    const n = parseIp(ip);
    return n !== undefined && n - this.base >= 0 && n - this.base < this.size;
  }
}

function toIp(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function parseIp(ip: string): number | undefined {
  const p = ip.split('.');
  if (p.length !== 4) return undefined;
  const o = p.map(Number);
  if (o.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}
