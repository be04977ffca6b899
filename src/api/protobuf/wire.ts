// Protobuf wire-format reader: zero-copy over a Buffer, every read bounds-checked against a movable limit (the end
// of the message currently being decoded). Malformed input throws ProtobufError; nothing here can loop without
// consuming input, so a bad body can neither hang nor overrun the buffer.

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_BYTES = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'start-group', 'end-group', 'fixed32', 'wire type 6', 'wire type 7'];

export function wireTypeName(wt: number): string {
  return WIRE_NAMES[wt] ?? `wire type ${wt}`;
}

/** A decoding failure; `path` names the field where it happened (outermost first), filled in while unwinding. */
export class ProtobufError extends Error {
  readonly path: string[] = [];
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }

  /** `spec.template.spec.containers[0].image` from segments such as `spec`, `containers`, `[0]`, `image`. */
  fieldPath(): string {
    let s = '';
    for (const seg of this.path) s += seg.startsWith('[') || !s ? seg : `.${seg}`;
    return s;
  }
}

/** Adds `segment` in front of the path of a ProtobufError passing through; other errors pass unchanged. */
export function prefixPath(e: unknown, segment: string): unknown {
  if (e instanceof ProtobufError) e.path.unshift(segment);
  return e;
}

const TWO_32 = 4294967296;

export class WireReader {
  /** Low and high 32 bits (unsigned) of the last varint read by `varint()`. */
  lo = 0;
  hi = 0;
  /** Caller-defined nesting level of the data this reader walks (the decoder counts envelopes embedded in objects). */
  depth = 0;

  constructor(
    readonly buf: Buffer,
    public pos: number,
    /** Reads never pass this offset; decoders narrow it while inside a nested message. */
    public limit: number,
  ) {
    if (pos < 0 || limit > buf.length || pos > limit) throw new RangeError('WireReader: window outside the buffer');
  }

  get atEnd(): boolean {
    return this.pos >= this.limit;
  }

  private eof(): ProtobufError {
    return new ProtobufError('unexpected end of data');
  }

  /** Reads a varint of up to 10 bytes into `lo`/`hi`. Bits past 64 are dropped, as Go's decoder does. */
  varint(): void {
    const buf = this.buf;
    const limit = this.limit;
    let pos = this.pos;
    if (pos >= limit) throw this.eof();
    let b = buf[pos++];
    if (b < 0x80) {
      this.lo = b;
      this.hi = 0;
      this.pos = pos;
      return;
    }
    let lo = b & 0x7f;
    let hi = 0;
    // Bytes 2..4 fill bits 7..27 of lo.
    for (let shift = 7; shift < 28; shift += 7) {
      if (pos >= limit) throw this.eof();
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = 0;
        this.pos = pos;
        return;
      }
    }
    // Byte 5 straddles: 4 bits to lo (28..31), 3 bits to hi (0..2).
    if (pos >= limit) throw this.eof();
    b = buf[pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      // Bytes 6..10 fill bits 3..31 of hi (the 10th contributes only its lowest bit).
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new ProtobufError('varint is longer than 10 bytes');
        if (pos >= limit) throw this.eof();
        b = buf[pos++];
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) break;
      }
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    this.pos = pos;
  }

  /** A varint that must fit in 32 unsigned bits (tags, lengths). */
  uint32(): number {
    this.varint();
    if (this.hi !== 0) throw new ProtobufError('varint does not fit in 32 bits');
    return this.lo;
  }

  /** int32 as Go decodes it: the low 32 bits, two's complement (negative values arrive as 10-byte varints). */
  int32(): number {
    this.varint();
    return this.lo | 0;
  }

  /**
   * int64 as a JS number. Values outside ±(2^53-1) cannot be represented exactly; rather than silently rounding a
   * field such as runAsUser, decoding fails with a clear error (Kubernetes validation rejects such values anyway).
   */
  int64(): number {
    this.varint();
    const { lo, hi } = this;
    if (hi < 0x80000000) {
      if (hi >= 0x200000) throw new ProtobufError(`integer ${(BigInt(hi) << 32n) | BigInt(lo)} is outside the range JSON numbers hold exactly (±2^53-1)`);
      return hi * TWO_32 + lo;
    }
    // Negative: magnitude = two's complement of the 64-bit value.
    const mlo = (~lo >>> 0) + 1;
    const mhi = (~hi >>> 0) + (mlo > 0xffffffff ? 1 : 0);
    if (mhi >= 0x200000) throw new ProtobufError(`integer ${BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo))} is outside the range JSON numbers hold exactly (±2^53-1)`);
    return -(mhi * TWO_32 + (mlo >>> 0));
  }

  bool(): boolean {
    this.varint();
    return (this.lo | this.hi) !== 0;
  }

  /** Reads a length prefix and returns the end offset of the payload that starts at `pos`. */
  lengthDelimitedEnd(): number {
    const n = this.uint32();
    if (n > this.limit - this.pos) throw new ProtobufError(`length ${n} runs past the end of the data (${this.limit - this.pos} bytes left)`);
    return this.pos + n;
  }

  /** A length-delimited payload as UTF-8 (invalid sequences become U+FFFD, as Go's JSON encoder writes them). */
  string(): string {
    const end = this.lengthDelimitedEnd();
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end;
    return s;
  }

  /** A length-delimited payload as a view sharing memory with the input. */
  bytes(): Buffer {
    const end = this.lengthDelimitedEnd();
    const v = this.buf.subarray(this.pos, end);
    this.pos = end;
    return v;
  }

  /** Skips one field value of wire type `wt`. Groups are deprecated and never produced by Kubernetes: rejected. */
  skip(wt: number): void {
    switch (wt) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_BYTES:
        this.pos = this.lengthDelimitedEnd();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new ProtobufError(`unsupported ${wireTypeName(wt)} field`);
    }
  }

  private advance(n: number): void {
    if (n > this.limit - this.pos) throw this.eof();
    this.pos += n;
  }
}
