// IntOrString helpers restated from apimachinery v1.32 pkg/util/intstr and the shared validators
// of pkg/apis/apps/validation (maxSurge, maxUnavailable, partition-like fields). In JSON an
// IntOrString is a number (Type Int) or a string (Type String).

import { type FieldError, type FieldPath, fieldErr } from './errors.js';
import { goIntOrStringValue, goQuote } from './validation/go-format.js';
import { isValidPercent } from './validation/names.js';
import { IS_NEGATIVE_ERROR_MSG } from './validation/object-meta.js';

export type IntOrString = number | string;

/** strconv.Atoi's result or its error text. */
function atoi(s: string): { value: number } | { error: string } {
  if (!/^[+-]?[0-9]+$/.test(s)) return { error: `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax` };
  const v = BigInt(s);
  if (v > (1n << 63n) - 1n || v < -(1n << 63n)) return { error: `strconv.Atoi: parsing ${goQuote(s)}: value out of range` };
  return { value: Number(v) };
}

/** IntOrString.IntValue(): the int, or Atoi of the string (0 when it does not parse). */
export function intValue(v: IntOrString): number {
  if (typeof v === 'number') return v;
  const r = atoi(v);
  return 'value' in r ? r.value : 0;
}

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is; "N%" as N% of total, rounded up or down.
 * Throws an Error with upstream's text for null, a non-percent string, or a bad number.
 */
export function scaledValueFromIntOrPercent(v: IntOrString | null | undefined, total: number, roundUp: boolean): number {
  if (v === null || v === undefined) throw new Error('nil value for IntOrString');
  if (typeof v === 'number') return v;
  if (!v.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const r = atoi(v.slice(0, -1));
  if ('error' in r) throw new Error(`invalid value for IntOrString: invalid value ${goQuote(v)}: ${r.error}`);
  // float64 arithmetic, as upstream (math.Ceil / math.Floor of value*total/100).
  const x = (r.value * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/** validation.ValidatePositiveIntOrPercent: a non-negative int, or a valid percent string. */
export function validatePositiveIntOrPercent(v: IntOrString, path: FieldPath): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => fieldErr.invalid(String(path), goIntOrStringValue(v), m));
  if (typeof v === 'number') return v < 0 ? [fieldErr.invalid(String(path), v, IS_NEGATIVE_ERROR_MSG)] : [];
  return [fieldErr.invalid(String(path), v, "must be an integer or percentage (e.g '5%')")];
}

/** getPercentValue: the number of a valid percent string, else undefined. */
export function percentValue(v: IntOrString): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return intValue(v.slice(0, -1));
}

/** getIntOrPercentValue: the percent number or the int. */
export function intOrPercentValue(v: IntOrString): number {
  const p = percentValue(v);
  return p !== undefined ? p : intValue(v);
}

/** validation.IsNotMoreThan100Percent: percents above 100 are rejected; ints are not checked. */
export function isNotMoreThan100Percent(v: IntOrString, path: FieldPath): FieldError[] {
  const p = percentValue(v);
  if (p === undefined || p <= 100) return [];
  return [fieldErr.invalid(String(path), String(v), 'must not be greater than 100%')];
}
