// Go's fmt renderings of values that upstream puts into validation messages (`%q`, `%#v` of a
// struct or slice, time.Time.String()). kubectl prints these messages verbatim, so a bad value
// like an IntOrString shows as `intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}` here too.

import { RenderedValue } from '../errors.js';
import type { OwnerReference } from '../types.js';
import { goQuote } from './go-quote.js';

export { goQuote };

/** `%#v` of a []string: `[]string{"a", "b"}`. */
export function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map(goQuote).join(', ')}}`;
}

/**
 * `%#v` of a *bool field. Go prints the pointer's address; there is none here, so a stable
 * stand-in in Go's heap range is printed (the value is not recoverable from the address upstream either).
 */
function goBoolPtr(v: boolean | undefined, slot: number): string {
  return v === undefined || v === null ? '(*bool)(nil)' : `(*bool)(0x${(0xc000010000 + slot * 8).toString(16)})`;
}

function goOwnerRef(r: OwnerReference, slot: number): string {
  return (
    `v1.OwnerReference{APIVersion:${goQuote(r.apiVersion ?? '')}, Kind:${goQuote(r.kind ?? '')}, Name:${goQuote(r.name ?? '')}, ` +
    `UID:${goQuote(r.uid ?? '')}, Controller:${goBoolPtr(r.controller, slot * 2)}, BlockOwnerDeletion:${goBoolPtr(r.blockOwnerDeletion, slot * 2 + 1)}}`
  );
}

/** The bad value of an ownerReference error: `%#v` of a metav1.OwnerReference. */
export function goOwnerReferenceValue(r: OwnerReference): RenderedValue {
  return new RenderedValue(goOwnerRef(r, 0), r);
}

/** The bad value of an ownerReferences error: `%#v` of a []metav1.OwnerReference. */
export function goOwnerReferencesValue(refs: readonly OwnerReference[]): RenderedValue {
  return new RenderedValue(`[]v1.OwnerReference{${refs.map((r, i) => goOwnerRef(r, i)).join(', ')}}`, refs);
}

/** The bad value of a []string error, e.g. finalizers. */
export function goStringSliceValue(values: readonly string[]): RenderedValue {
  return new RenderedValue(goStringSlice(values), values);
}

/** `%#v` of an intstr.IntOrString (Type 0 = Int, 1 = String); its String() has a pointer receiver. */
export function goIntOrStringValue(v: number | string): RenderedValue {
  const text =
    typeof v === 'number'
      ? `intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`
      : `intstr.IntOrString{Type:1, IntVal:0, StrVal:${goQuote(v)}}`;
  return new RenderedValue(text, v);
}

/**
 * time.Time.String() of an RFC 3339 timestamp as metav1.Time decodes it: "2006-01-02 15:04:05.999999999 -0700 MST".
 * Decoded times keep their offset; a "Z" time is in UTC, any other offset prints as "+hhmm +hhmm".
 * An absent time is Go's zero time.
 */
export function goTimeString(ts: string | null | undefined): string {
  if (!ts) return '0001-01-01 00:00:00 +0000 UTC';
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(ts);
  if (!m) return ts;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let out = `${y}-${mo}-${d} ${h}:${mi}:${s}`;
  const f = (frac ?? '').slice(0, 9).replace(/0+$/, '');
  if (f) out += '.' + f;
  if (zone === 'Z' || zone === 'z') return out + ' +0000 UTC';
  const off = zone.replace(':', '');
  return `${out} ${off} ${off}`;
}

/** A metav1.Time bad value: rendered through its String() method, unquoted. */
export function goTimeValue(ts: string | null | undefined): RenderedValue {
  return new RenderedValue(goTimeString(ts), ts ?? null);
}
