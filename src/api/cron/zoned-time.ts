// Wall-clock arithmetic in an IANA time zone with Go's `time` semantics, using only Intl (no tz
// dependency). robfig/cron's Next walks the calendar with time.Date, AddDate, Add and Truncate; to find
// the same instants (including across DST changes) we restate exactly those operations here.

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number; // 1-31
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
}

/** Milliseconds since the epoch of a UTC calendar date; out-of-range fields roll over (like Go's Date). */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  const t = new Date(0);
  t.setUTCFullYear(y, mo - 1, d);
  t.setUTCHours(h, mi, s, 0);
  return t.getTime();
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * One time zone. Construct once per computation and reuse: the Intl formatter is the expensive part.
 * `Zone.utc()` skips Intl entirely.
 */
export class Zone {
  private readonly fmt: Intl.DateTimeFormat | undefined;

  private constructor(readonly name: string, fmt: Intl.DateTimeFormat | undefined) {
    this.fmt = fmt;
  }

  static utc(): Zone {
    return new Zone('UTC', undefined);
  }

  /** Throws RangeError for a name Intl does not know. */
  static of(name: string): Zone {
    if (name === 'UTC') return Zone.utc();
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    return new Zone(name, fmt);
  }

  /** Offset east of UTC in milliseconds at instant `ms` (Go's loc.lookup(...).offset). */
  offsetAt(ms: number): number {
    if (!this.fmt) return 0;
    const whole = floorDiv(ms, 1000) * 1000;
    let y = 0;
    let mo = 1;
    let d = 1;
    let h = 0;
    let mi = 0;
    let s = 0;
    for (const p of this.fmt.formatToParts(whole)) {
      switch (p.type) {
        case 'year':
          y = Number(p.value);
          break;
        case 'month':
          mo = Number(p.value);
          break;
        case 'day':
          d = Number(p.value);
          break;
        case 'hour':
          h = Number(p.value);
          break;
        case 'minute':
          mi = Number(p.value);
          break;
        case 'second':
          s = Number(p.value);
          break;
      }
    }
    return utcMillis(y, mo, d, h, mi, s) - whole;
  }

  /** Go's t.In(loc) fields: the wall clock at instant `ms`. */
  wall(ms: number): WallClock {
    const local = new Date(ms + this.offsetAt(ms));
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      second: local.getUTCSeconds(),
      weekday: local.getUTCDay(),
    };
  }

  /**
   * Go's time.Date(y, mo, d, h, mi, s, 0, loc): fields are normalized first (month 13 = January of
   * the next year, ...). A wall time inside a DST gap or overlap resolves as Go does: take the offset
   * in force at (local - offset in force at local-as-UTC). For a spring-forward gap this yields the
   * instant shifted by the gap size (e.g. 02:30 in Europe/Berlin on the change day is 03:30 CEST);
   * for an overlap it yields the earlier of the two instants in zones west of UTC.
   */
  date(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
    const local = utcMillis(y, mo, d, h, mi, s);
    if (!this.fmt) return local;
    const guess = this.offsetAt(local);
    return local - this.offsetAt(local - guess);
  }

  /** Go's t.AddDate(years, months, days): calendar arithmetic on the wall clock, then time.Date. */
  addDate(ms: number, years: number, months: number, days: number): number {
    const w = this.wall(ms);
    return this.date(w.year + years, w.month + months, w.day + days, w.hour, w.minute, w.second) + (ms - floorDiv(ms, 1000) * 1000);
  }
}

/** Go's t.Truncate(d) for d dividing a day: instant-based, independent of the zone. */
export function truncateMs(ms: number, unitMs: number): number {
  return floorDiv(ms, unitMs) * unitMs;
}
