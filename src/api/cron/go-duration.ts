// Go's time.ParseDuration, restated: `@every <duration>` in a cron schedule is parsed by it, and its
// error text ends up verbatim in CronJob validation messages, so the grammar and the messages match Go.

const NS_PER_UNIT: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  '\u00b5s': 1_000n, // U+00B5 micro sign
  '\u03bcs': 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const MAX_ABS = 1n << 63n;

/** Go's time.quote: double quotes; `"` and `\` escaped; control and non-ASCII bytes as \xNN. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code >= 0x80) {
      for (const b of Buffer.from(ch, 'utf8')) out += '\\x' + b.toString(16).padStart(2, '0');
    } else {
      if (ch === '"' || ch === '\\') out += '\\';
      out += ch;
    }
  }
  return out + '"';
}

export class GoDurationError extends Error {}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Parses a Go duration string ("1h30m", "1.5s", "-2m", "300ms") to nanoseconds.
 * Throws GoDurationError with Go's message, e.g. `time: unknown unit "d" in duration "1d"`.
 */
export function parseGoDuration(input: string): bigint {
  const orig = input;
  const invalid = () => new GoDurationError('time: invalid duration ' + goQuote(orig));
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) throw invalid();
    // Integer part: Go's leadingInt fails on overflow past 2^63.
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > MAX_ABS) throw invalid();
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    // Fraction part: Go's leadingFraction stops accumulating (silently) once it would overflow.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s !== '' && s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (f > (MAX_ABS - 1n) / 10n) overflow = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(j) - 48);
            if (y > MAX_ABS) overflow = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) throw invalid();
    let u = 0;
    while (u < s.length && !(s[u] === '.' || isDigit(s[u]))) u++;
    if (u === 0) throw new GoDurationError('time: missing unit in duration ' + goQuote(orig));
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = NS_PER_UNIT[unitName];
    if (unit === undefined) {
      throw new GoDurationError('time: unknown unit ' + goQuote(unitName) + ' in duration ' + goQuote(orig));
    }
    if (v > MAX_ABS / unit) throw invalid();
    v *= unit;
    if (f > 0n) {
      // Go uses float64 here (nanosecond-accurate for fractions of an hour); so do we.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_ABS) throw invalid();
    }
    total += v;
    if (total > MAX_ABS) throw invalid();
  }
  if (neg) return -total;
  if (total > MAX_ABS - 1n) throw invalid();
  return total;
}
