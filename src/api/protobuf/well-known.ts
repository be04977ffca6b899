// apimachinery types whose JSON form differs from their protobuf message, converted the way their Go MarshalJSON
// methods print them. Each reader is called with the reader's limit set to the end of the embedded message.

import type { BuiltinKind } from './descriptors/schema.js';
import { ProtobufError, WIRE_BYTES, WIRE_VARINT, WireReader, wireTypeName } from './wire.js';

type Json = null | number | string | boolean | Json[] | { [k: string]: Json };

/** JSON of each type's Go zero value (what a non-pointer field prints when it is absent). */
export const BUILTIN_ZERO: Readonly<Record<BuiltinKind, Json>> = {
  Time: null, // metav1.Time{} marshals as null
  MicroTime: null,
  Quantity: '0', // resource.Quantity{} marshals as "0"
  IntOrString: 0, // intstr.IntOrString{} is Type=Int, IntVal=0
  RawExtension: null, // Raw == nil marshals as null
  FieldsV1: null,
};

function expectWire(wt: number, want: number, field: string): void {
  if (wt !== want) throw new ProtobufError(`wrong wire type ${wireTypeName(wt)} for field ${field} (want ${wireTypeName(want)})`);
}

// Go's zero time.Time (0001-01-01T00:00:00Z) in Unix seconds: a Time carrying it still prints as null.
const GO_ZERO_TIME_UNIX = -62135596800;
// Largest |seconds| a JS Date holds (±8.64e15 ms).
const MAX_DATE_SECONDS = 8.64e12;

/**
 * metav1.Time / MicroTime: message {1: seconds int64, 2: nanos int32}. An empty message is the zero time (Go's
 * Time.Marshal writes nothing for it) and prints as null. Time prints RFC 3339 in UTC with whole seconds (nanos are
 * truncated, as Go's formatter does); MicroTime keeps six fractional digits.
 */
export function readTime(r: WireReader, micro: boolean): string | null {
  if (r.atEnd) return null;
  let seconds = 0;
  let nanos = 0;
  while (!r.atEnd) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    if (num === 1) {
      expectWire(wt, WIRE_VARINT, 'seconds');
      seconds = r.int64();
    } else if (num === 2) {
      expectWire(wt, WIRE_VARINT, 'nanos');
      nanos = r.int32();
    } else {
      if (num === 0) throw new ProtobufError('illegal field number 0');
      r.skip(wt);
    }
  }
  // time.Unix normalises nanos outside [0, 1e9) into the seconds.
  const carry = Math.floor(nanos / 1e9);
  seconds += carry;
  nanos -= carry * 1e9;
  if (seconds === GO_ZERO_TIME_UNIX && nanos === 0) return null;
  if (Math.abs(seconds) > MAX_DATE_SECONDS) throw new ProtobufError(`timestamp ${seconds}s is out of range`);
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  // Go prints years outside 0..9999 in a form that is not RFC 3339; nobody sends them on purpose.
  if (year < 0 || year > 9999) throw new ProtobufError(`timestamp ${seconds}s is outside the years 0-9999`);
  const base = d.toISOString().slice(0, 19);
  return micro ? `${base}.${String(Math.floor(nanos / 1000)).padStart(6, '0')}Z` : `${base}Z`;
}

/**
 * resource.Quantity: message {1: string}. Passed through as sent: Go clients always send the canonical form, and
 * parsing/canonicalising quantities is the same job for JSON and protobuf bodies, done downstream.
 */
export function readQuantity(r: WireReader): string {
  let s = '0';
  while (!r.atEnd) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    if (num === 1) {
      expectWire(wt, WIRE_BYTES, 'string');
      s = r.string();
    } else {
      if (num === 0) throw new ProtobufError('illegal field number 0');
      r.skip(wt);
    }
  }
  return s;
}

/** intstr.IntOrString: message {1: type (0 int, 1 string), 2: intVal int32, 3: strVal string}. */
export function readIntOrString(r: WireReader): number | string {
  let type = 0;
  let intVal = 0;
  let strVal = '';
  while (!r.atEnd) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    if (num === 1) {
      expectWire(wt, WIRE_VARINT, 'type');
      type = r.int64();
    } else if (num === 2) {
      expectWire(wt, WIRE_VARINT, 'intVal');
      intVal = r.int32();
    } else if (num === 3) {
      expectWire(wt, WIRE_BYTES, 'strVal');
      strVal = r.string();
    } else {
      if (num === 0) throw new ProtobufError('illegal field number 0');
      r.skip(wt);
    }
  }
  if (type === 0) return intVal;
  if (type === 1) return strVal;
  throw new ProtobufError(`impossible IntOrString type ${type}`);
}

/** runtime.RawExtension / metav1.FieldsV1: message {1: raw bytes}. Returns the bytes, or undefined if absent. */
export function readRawBytes(r: WireReader): Buffer | undefined {
  let raw: Buffer | undefined;
  while (!r.atEnd) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    if (num === 1) {
      expectWire(wt, WIRE_BYTES, 'raw');
      raw = r.bytes();
    } else {
      if (num === 0) throw new ProtobufError('illegal field number 0');
      r.skip(wt);
    }
  }
  return raw;
}

/** Raw bytes that must hold JSON (Go's MarshalJSON emits them verbatim; nil or empty prints as null). */
export function rawJSON(raw: Buffer | undefined): Json {
  if (raw === undefined || raw.length === 0) return null;
  try {
    return JSON.parse(raw.toString('utf8')) as Json;
  } catch {
    throw new ProtobufError('embedded raw object is not valid JSON');
  }
}
