// Cron schedules exactly as robfig/cron v3's standard parser (cron.ParseStandard) reads them, which is
// what Kubernetes uses for CronJob.spec.schedule (validation and the CronJob controller):
//   - 5 fields: minute hour day-of-month month day-of-week; each field a comma list of `*`, `?`,
//     `a`, `a-b`, with an optional `/step`; month names JAN-DEC and weekday names SUN-SAT in any case;
//   - descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and `@every <Go duration>`;
//   - an optional `TZ=<zone> ` or `CRON_TZ=<zone> ` prefix (the controller builds one from spec.timeZone);
//   - when day-of-month and day-of-week are both restricted (neither contains a bare `*`/`?`), a day
//     matches if EITHER matches (Vixie cron); otherwise both must match.
// Error messages are robfig's, because Kubernetes puts them verbatim in the 422 message.

import { parseGoDuration, GoDurationError } from './go-duration.js';
import { loadLocationError } from './time-zone.js';
import { Zone, truncateMs } from './zoned-time.js';

export class CronParseError extends Error {
  override name = 'CronParseError';
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** One field's allowed values (robfig's uint64 bit set) plus its "star bit". */
interface FieldSet {
  bits: boolean[]; // index = value
  star: boolean; // some range was `*`/`?` with step 1: the field counts as unrestricted for the day rule
}

function emptyField(): FieldSet {
  return { bits: new Array<boolean>(64).fill(false), star: false };
}

function only(value: number): FieldSet {
  const f = emptyField();
  f.bits[value] = true;
  return f;
}

function all(b: Bounds): FieldSet {
  const f = emptyField();
  for (let i = b.min; i <= b.max; i++) f.bits[i] = true;
  f.star = true;
  return f;
}

const INT64_MAX = (1n << 63n) - 1n;

// Go's strconv.Atoi accepts an optional sign and decimal digits; robfig wraps its error. Values are
// bigint so that range errors print the exact number the user wrote.
function atoi(expr: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(expr)) {
    throw new CronParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  }
  const n = BigInt(expr);
  if (n > INT64_MAX || n < -INT64_MAX - 1n) {
    throw new CronParseError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  }
  if (n < 0n) throw new CronParseError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function intOrName(expr: string, names: Record<string, number> | undefined): bigint {
  if (names) {
    const v = names[expr.toLowerCase()];
    if (v !== undefined) return BigInt(v);
  }
  return atoi(expr);
}

/** robfig getRange: `number | number "-" number [ "/" number ]`, or `*`/`?` with an optional step. */
function addRange(field: FieldSet, expr: string, r: Bounds): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  const min = BigInt(r.min);
  const max = BigInt(r.max);
  let start: bigint;
  let end: bigint;
  let star = false;
  // Note robfig only looks at the first piece here, so `*-5` is read as `*`.
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = min;
    end = max;
    star = true;
  } else {
    start = intOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = intOrName(lowAndHigh[1], r.names);
    else throw new CronParseError(`too many hyphens: ${expr}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = atoi(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (singleDigit) end = max;
    if (step > 1n) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new CronParseError(`too many slashes: ${expr}`);
  }
  if (start < min) throw new CronParseError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > max) throw new CronParseError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronParseError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) throw new CronParseError(`step of range should be a positive number: ${expr}`);
  // All three are now within 0..63; a step beyond the range selects only the start (`*/61` = minute 0).
  const stepN = step > 64n ? 64 : Number(step);
  for (let i = Number(start); i <= Number(end); i += stepN) field.bits[i] = true;
  if (star) field.star = true;
}

function parseField(text: string, r: Bounds): FieldSet {
  const f = emptyField();
  // strings.FieldsFunc on ',' drops empty pieces ("1,,2" is "1,2"; "," selects nothing).
  for (const expr of text.split(',')) if (expr !== '') addRange(f, expr, r);
  return f;
}

// Go's unicode.IsSpace set (note: U+0085 yes, U+FEFF no, unlike JS's \s).
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function goFields(s: string): string[] {
  return s.split(GO_SPACE).filter((x) => x !== '');
}

export interface CronSchedule {
  /** The zone named by a `TZ=`/`CRON_TZ=` prefix, if the spec had one. */
  readonly location?: string;
  /**
   * The first activation strictly after `after` (robfig's Schedule.Next), evaluated in the spec's
   * `TZ=` zone, else `timeZone`, else UTC. Null when nothing matches within five years (robfig's zero time).
   */
  next(after: Date, timeZone?: string): Date | null;
}

class SpecSchedule implements CronSchedule {
  constructor(
    private readonly second: FieldSet,
    private readonly minute: FieldSet,
    private readonly hour: FieldSet,
    private readonly dom: FieldSet,
    private readonly month: FieldSet,
    private readonly dow: FieldSet,
    readonly location?: string,
  ) {}

  private dayMatches(day: number, weekday: number): boolean {
    const domMatch = this.dom.bits[day];
    const dowMatch = this.dow.bits[weekday];
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(after: Date, timeZone?: string): Date | null {
    const zoneName = this.location ?? timeZone ?? 'UTC';
    const z = Zone.of(zoneName);
    // Start at the upcoming whole second.
    let t = truncateMs(after.getTime(), 1000) + 1000;
    let added = false;
    const yearLimit = z.wall(t).year + 5;

    // A transcription of robfig's SpecSchedule.Next; each `continue wrap` is its `goto WRAP`.
    wrap: for (;;) {
      let w = z.wall(t);
      if (w.year > yearLimit) return null;

      while (!this.month.bits[w.month]) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, 1, 0, 0, 0);
        }
        t = z.addDate(t, 0, 1, 0);
        w = z.wall(t);
        if (w.month === 1) continue wrap;
      }

      while (!this.dayMatches(w.day, w.weekday)) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, 0, 0, 0);
        }
        t = z.addDate(t, 0, 0, 1);
        w = z.wall(t);
        // Where midnight does not exist (DST at 00:00), move back to the day's first hour.
        if (w.hour !== 0) {
          t += (w.hour > 12 ? 24 - w.hour : -w.hour) * 3_600_000;
          w = z.wall(t);
        }
        if (w.day === 1) continue wrap;
      }

      while (!this.hour.bits[w.hour]) {
        if (!added) {
          added = true;
          t = z.date(w.year, w.month, w.day, w.hour, 0, 0);
        }
        t += 3_600_000;
        w = z.wall(t);
        if (w.hour === 0) continue wrap;
      }

      while (!this.minute.bits[w.minute]) {
        if (!added) {
          added = true;
          t = truncateMs(t, 60_000);
        }
        t += 60_000;
        w = z.wall(t);
        if (w.minute === 0) continue wrap;
      }

      while (!this.second.bits[w.second]) {
        if (!added) {
          added = true;
          t = truncateMs(t, 1000);
        }
        t += 1000;
        w = z.wall(t);
        if (w.second === 0) continue wrap;
      }

      return new Date(t);
    }
  }
}

/** `@every d`: fires every d (rounded down to whole seconds, at least 1s) after the given time. */
class ConstantDelaySchedule implements CronSchedule {
  readonly location?: string;
  constructor(readonly delayMs: number, location?: string) {
    this.location = location;
  }

  next(after: Date): Date {
    return new Date(truncateMs(after.getTime(), 1000) + this.delayMs);
  }
}

function descriptor(spec: string, location: string | undefined): CronSchedule {
  const zero = () => only(0);
  switch (spec) {
    case '@yearly':
    case '@annually':
      return new SpecSchedule(zero(), zero(), zero(), only(1), only(1), all(DOW), location);
    case '@monthly':
      return new SpecSchedule(zero(), zero(), zero(), only(1), all(MONTHS), all(DOW), location);
    case '@weekly':
      return new SpecSchedule(zero(), zero(), zero(), all(DOM), all(MONTHS), only(0), location);
    case '@daily':
    case '@midnight':
      return new SpecSchedule(zero(), zero(), zero(), all(DOM), all(MONTHS), all(DOW), location);
    case '@hourly':
      return new SpecSchedule(zero(), zero(), all(HOURS), all(DOM), all(MONTHS), all(DOW), location);
  }
  const every = '@every ';
  if (spec.startsWith(every)) {
    let ns: bigint;
    try {
      ns = parseGoDuration(spec.slice(every.length));
    } catch (e) {
      if (e instanceof GoDurationError) throw new CronParseError(`failed to parse duration ${spec}: ${e.message}`);
      throw e;
    }
    // robfig Every(): below one second becomes one second; otherwise truncated to whole seconds.
    const secondNs = 1_000_000_000n;
    const delay = ns < secondNs ? secondNs : ns - (ns % secondNs);
    return new ConstantDelaySchedule(Number(delay / 1_000_000n), location);
  }
  throw new CronParseError(`unrecognized descriptor: ${spec}`);
}

/** Parses a schedule as cron.ParseStandard does. Throws CronParseError with robfig's message. */
export function parseCronSchedule(input: string): CronSchedule {
  let spec = input;
  if (spec.length === 0) throw new CronParseError('empty spec string');
  let location: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    // robfig v3.0.1 slices spec[eq+1:i] here and panics without a space; report it as bad input instead.
    if (i < 0) throw new CronParseError(`provided bad location ${spec.slice(eq + 1)}: unknown time zone ${spec.slice(eq + 1)}`);
    const name = spec.slice(eq + 1, i);
    const err = loadLocationError(name);
    if (err) throw new CronParseError(`provided bad location ${name}: ${err}`);
    // "Local" means the evaluator's zone, which is what an absent location means here too.
    location = name === '' ? 'UTC' : name === 'Local' ? undefined : name;
    spec = spec.slice(i).trim();
  }
  if (spec.startsWith('@')) return descriptor(spec, location);
  const fields = goFields(spec);
  if (fields.length !== 5) {
    throw new CronParseError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  return new SpecSchedule(
    only(0),
    parseField(fields[0], MINUTES),
    parseField(fields[1], HOURS),
    parseField(fields[2], DOM),
    parseField(fields[3], MONTHS),
    parseField(fields[4], DOW),
    location,
  );
}

/** Convenience for validation: the parse error message, or undefined when the schedule parses. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    if (e instanceof CronParseError) return e.message;
    throw e;
  }
}
