// resource.Quantity restated from apimachinery v1.32 pkg/api/resource (quantity.go, amount.go,
// suffix.go). A quantity is an exact decimal: mantissa × 10^exp with a bigint mantissa, never a
// float. Parsing applies upstream's rules (round up to nano, cap BinarySI at 2^63-1, BinarySI
// below 1 becomes DecimalSI) and keeps the text as given when upstream does (its "already
// canonical" fast path); otherwise it serializes in upstream's canonical form ("1.5" -> "1500m",
// "1.5Gi" -> "1536Mi").

export type QuantityFormat = 'DecimalExponent' | 'BinarySI' | 'DecimalSI';

const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
export const QUANTITY_FORMAT_ERROR = `quantities must match the regular expression '${SPLIT_RE}'`;
export const QUANTITY_NUMERIC_ERROR = 'unable to parse numeric part of quantity';
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

/** A quantity string that does not parse; the message is upstream's error text. */
export class QuantityParseError extends Error {}

const MAX_INT64 = (1n << 63n) - 1n;
/** Exponent differences beyond this are not aligned (it would take gigabytes); see align(). */
const MAX_ALIGN = 100_000;

const DEC_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIXES).map(([s, e]) => [e, s]));
const BIN_BY_EXP = new Map(Object.entries(BIN_SUFFIXES).map(([s, e]) => [e, s]));

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const abs = (v: bigint) => (v < 0n ? -v : v);

function digitCount(v: bigint): number {
  return v === 0n ? 0 : abs(v).toString().length;
}

/** Rounds m × 10^exp to `scale` decimal exponent, away from zero (inf.RoundUp / negativeScaleInt64). */
function roundAway(m: bigint, exp: number, scale: number): { m: bigint; exact: boolean } {
  if (exp >= scale) return { m: m * pow10(exp - scale), exact: true };
  const d = scale - exp;
  if (d > digitCount(m) + 1) return { m: m === 0n ? 0n : m > 0n ? 1n : -1n, exact: m === 0n };
  const div = pow10(d);
  const q = m / div; // truncates toward zero
  const exact = q * div === m;
  return { m: exact ? q : m > 0n ? q + 1n : q - 1n, exact };
}

export class Quantity {
  private canonical?: string;

  /**
   * value = mantissa × 10^exp. `text`, when set, is the string this quantity serializes as
   * (upstream keeps a parsed string that is already canonical, even "+1" or "01").
   */
  private constructor(
    readonly mantissa: bigint,
    readonly exp: number,
    readonly format: QuantityFormat,
    private readonly text?: string,
  ) {}

  /** resource.NewQuantity */
  static fromNumber(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value), 0, format);
  }

  /** resource.NewMilliQuantity */
  static fromMillis(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    return new Quantity(BigInt(value), -3, format);
  }

  /** resource.NewScaledQuantity: value × 10^scale, DecimalSI. */
  static fromScaled(value: number | bigint, scale: number): Quantity {
    return new Quantity(BigInt(value), scale, 'DecimalSI');
  }

  /** For parseQuantity only. */
  static create(mantissa: bigint, exp: number, format: QuantityFormat, text?: string): Quantity {
    return new Quantity(mantissa, exp, format, text);
  }

  sign(): number {
    return this.mantissa === 0n ? 0 : this.mantissa > 0n ? 1 : -1;
  }

  isZero(): boolean {
    return this.mantissa === 0n;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other`. */
  cmp(other: Quantity): number {
    const sa = this.sign();
    const sb = other.sign();
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (sa === 0) return 0;
    // Decide by order of magnitude first, so huge exponents never get materialized.
    const ma = digitCount(this.mantissa) + this.exp;
    const mb = digitCount(other.mantissa) + other.exp;
    if (ma !== mb) return (ma > mb ? 1 : -1) * sa;
    const [a, b] = align(this, other);
    return a === b ? 0 : a > b ? 1 : -1;
  }

  equals(other: Quantity): boolean {
    return this.cmp(other) === 0;
  }

  /** Quantity.Add; a zero receiver takes the other's format. */
  add(other: Quantity): Quantity {
    const [a, b, e] = align(this, other);
    return new Quantity(a + b, e, this.isZero() ? other.format : this.format);
  }

  /** Quantity.Sub; a zero receiver takes the other's format. */
  sub(other: Quantity): Quantity {
    const [a, b, e] = align(this, other);
    return new Quantity(a - b, e, this.isZero() ? other.format : this.format);
  }

  neg(): Quantity {
    return new Quantity(-this.mantissa, this.exp, this.format);
  }

  /** Quantity.Mul by an integer. */
  mul(factor: number | bigint): Quantity {
    return new Quantity(this.mantissa * BigInt(factor), this.exp, this.format);
  }

  /** ScaledValue: ⌈q / 10^scale⌉, rounding away from zero, as a bigint. */
  scaledValue(scale: number): bigint {
    return roundAway(this.mantissa, this.exp, scale).m;
  }

  /** Quantity.Value(): the integer value rounded up (bytes for memory, whole cores...). */
  value(): number {
    return Number(this.scaledValue(0));
  }

  /** Quantity.MilliValue(): ⌈q × 1000⌉ (millicores for cpu). */
  milliValue(): number {
    return Number(this.scaledValue(-3));
  }

  /** Same as milliValue(). */
  toMillis(): number {
    return this.milliValue();
  }

  /** AsApproximateFloat64: the exact value as the nearest double (bytes for memory). */
  toNumber(): number {
    if (this.mantissa === 0n) return 0;
    return Number(`${this.mantissa}e${this.exp}`);
  }

  /**
   * Quantity.RoundUp(scale): rounded away from zero to a multiple of 10^scale. When no rounding is
   * needed the same object comes back, keeping its text (upstream clears its kept text only when
   * the value changes).
   */
  roundUp(scale: number): Quantity {
    if (this.exp >= scale) return this;
    const r = roundAway(this.mantissa, this.exp, scale);
    return r.exact ? this : new Quantity(r.m, scale, this.format);
  }

  /** RoundUp(Milli): what resource-list defaulting does to every request and limit. */
  roundUpMilli(): Quantity {
    return this.roundUp(-3);
  }

  /** The serialized form (JSON string value), as upstream's String()/MarshalJSON. */
  toString(): string {
    if (this.text !== undefined) return this.text;
    if (this.canonical === undefined) this.canonical = canonicalize(this);
    return this.canonical;
  }

  toJSON(): string {
    return this.toString();
  }
}

/** Both mantissas at the smaller exponent. */
function align(a: Quantity, b: Quantity): [bigint, bigint, number] {
  if (a.mantissa === 0n) return [0n, b.mantissa, b.exp];
  if (b.mantissa === 0n) return [a.mantissa, 0n, a.exp];
  const e = Math.min(a.exp, b.exp);
  if (a.exp - e > MAX_ALIGN || b.exp - e > MAX_ALIGN) throw new RangeError('quantity exponents too far apart');
  return [a.mantissa * pow10(a.exp - e), b.mantissa * pow10(b.exp - e), e];
}

/** CanonicalizeBytes */
function canonicalize(q: Quantity): string {
  if (q.mantissa === 0n) return '0';
  let format: QuantityFormat = q.format;
  if (format === 'BinarySI') {
    const small = q.cmp(Quantity.fromNumber(-1024)) > 0 && q.cmp(Quantity.fromNumber(1024)) < 0;
    // Fractional binary values are shown as DecimalSI so that no precision is lost.
    if (small || !roundAway(q.mantissa, q.exp, 0).exact) format = 'DecimalSI';
  } else if (format !== 'DecimalSI' && format !== 'DecimalExponent') {
    format = 'DecimalExponent';
  }
  if (format === 'BinarySI') {
    let v = roundAway(q.mantissa, q.exp, 0).m;
    let e = 0;
    while (abs(v) >= 1024n && v % 1024n === 0n) {
      v /= 1024n;
      e += 10;
    }
    // Upstream prints no suffix when none exists (beyond Ei): kept as is.
    return v.toString() + (BIN_BY_EXP.get(e) ?? '');
  }
  // Move factors of ten into the exponent, then lower the exponent to a multiple of three.
  let m = q.mantissa;
  let e = q.exp;
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  while (e % 3 !== 0) {
    m *= 10n;
    e--;
  }
  if (format === 'DecimalExponent') return m.toString() + (e === 0 ? '' : `e${e}`);
  // Upstream prints no suffix for DecimalSI exponents beyond E or below n (a known upstream bug): kept.
  return m.toString() + (DEC_BY_EXP.get(e) ?? '');
}

interface Scanned {
  positive: boolean;
  /** Sign and digits up to the suffix, as upstream's `value`. */
  value: string;
  /** Integer digits without leading zeros ("0" when none). */
  num: string;
  denom: string;
  suffix: string;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const SUFFIX_CHARS = 'eEinumkKMGTP';

/** parseQuantityString: the scanner, including its early returns. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end && (str[0] === '-' || str[0] === '+')) {
    positive = str[0] !== '-';
    pos++;
  }
  // Leading zeros; all zeros (or nothing) means 0 with no suffix at all.
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, value: str, num: num || '0', denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    let j = pos;
    while (j < end && isDigit(str[j])) j++;
    denom = str.slice(pos, j);
    if (j >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = j;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  let k = pos;
  while (k < end && SUFFIX_CHARS.includes(str[k])) k++;
  if (k >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  if (str[k] === '-' || str[k] === '+') k++;
  while (k < end && isDigit(str[k])) k++;
  if (k >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
}

/** suffixer.interpret: base, exponent and format of a suffix, or undefined. */
function interpret(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  if (Object.prototype.hasOwnProperty.call(DEC_SUFFIXES, suffix)) return { base: 10, exponent: DEC_SUFFIXES[suffix], format: 'DecimalSI' };
  if (Object.prototype.hasOwnProperty.call(BIN_SUFFIXES, suffix)) return { base: 2, exponent: BIN_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const t = suffix.slice(1);
    if (!/^[+-]?[0-9]+$/.test(t)) return undefined;
    const v = BigInt(t);
    if (v > MAX_INT64 || v < -MAX_INT64 - 1n) return undefined;
    // int32(parsed): Go truncates the 64-bit exponent to 32 bits.
    return { base: 10, exponent: Number(BigInt.asIntN(32, v)), format: 'DecimalExponent' };
  }
  return undefined;
}

/** Go's % (sign of the dividend), for the exponent checks below. */
const goMod = (a: number, b: number) => a % b;

/** ParseQuantity. Throws QuantityParseError with upstream's message. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityParseError(QUANTITY_FORMAT_ERROR);
  if (str === '0') return Quantity.create(0n, 0, 'DecimalSI', '0');
  const { positive, value, num, denom, suffix } = scan(str);
  const suf = interpret(suffix);
  if (!suf) throw new QuantityParseError(QUANTITY_SUFFIX_ERROR);
  const { base, exponent } = suf;
  let format = suf.format;

  const shifted = num + denom;
  let precision: number;
  if (base === 10) precision = 18 - shifted.length;
  else if (exponent >= 0 && denom.length === 0) precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
  else precision = -1;

  const digits = BigInt(shifted);
  const signed = positive ? digits : -digits;

  if (precision >= 0) {
    const scale = (base === 10 ? exponent : 0) - denom.length;
    if (scale >= -9) {
      const product = base === 2 ? digits << BigInt(exponent) : digits;
      if (product <= MAX_INT64) {
        // The fast path: exact, no rounding, no cap. The text is kept when already canonical.
        const m = positive ? product : -product;
        let keep: boolean;
        if (format === 'BinarySI') keep = goMod(exponent, 10) === 0 && (digits & 7n) !== 0n;
        else keep = goMod(scale, 3) === 0 && !shifted.endsWith('000') && shifted[0] !== '0';
        return Quantity.create(m, scale, format, keep ? str : undefined);
      }
    }
  }

  // The inf.Dec path: exact value, then round up to nano, cap BinarySI, small BinarySI -> DecimalSI.
  if (!/[0-9]/.test(value)) throw new QuantityParseError(QUANTITY_NUMERIC_ERROR);
  let m = signed;
  let e = -denom.length;
  if (base === 10) e += exponent;
  else m <<= BigInt(exponent);
  if (m !== 0n && e < -9) {
    m = roundAway(m, e, -9).m;
    e = -9;
  }
  let q = Quantity.create(m, e, format);
  const mag = q.sign() < 0 ? q.neg() : q;
  if (format === 'BinarySI' && mag.cmp(Quantity.fromNumber(MAX_INT64)) > 0) {
    q = Quantity.create(q.sign() < 0 ? -MAX_INT64 : MAX_INT64, 0, format);
  }
  if (format === 'BinarySI' && mag.sign() > 0 && mag.cmp(Quantity.fromNumber(1)) < 0) {
    format = 'DecimalSI';
    q = Quantity.create(q.mantissa, q.exp, format);
  }
  return q;
}

/** Parses a quantity as it arrives in JSON (a string or a number); whitespace is trimmed, as upstream's UnmarshalJSON. */
export function parseQuantityValue(v: string | number): Quantity {
  return parseQuantity((typeof v === 'number' ? String(v) : v).trim());
}

/** Whether the string is a quantity. */
export function isValidQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch (e) {
    if (e instanceof QuantityParseError) return false;
    throw e;
  }
}
