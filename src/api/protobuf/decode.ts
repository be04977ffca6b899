// Decodes `application/vnd.kubernetes.protobuf` request bodies into the JSON object Go's encoder would print for the
// same Go struct, so the rest of the server only ever sees JSON-shaped objects.
//
// Envelope (apimachinery runtime.Unknown, after the 4-byte magic "k8s\0"):
//   {1: typeMeta {1: apiVersion, 2: kind}, 2: raw (the object message), 3: contentEncoding, 4: contentType}
// `raw` is decoded with the descriptor picked by apiVersion+kind (descriptors/index.ts), in two steps:
//   1. decodeInto: wire -> per-field slots (repeated occurrences of a message field merge, as in Go);
//   2. toJSON: slots -> JSON, applying Go's rules per field (pointer / omitempty / inline / zero values).
// Conversion rules, in short: a non-pointer scalar is dropped when zero if its json tag has omitempty (Go writes
// every non-pointer scalar on the wire, so presence says nothing); a pointer is kept whenever present; non-pointer
// structs are always printed (absent ones as their zero value); nil slices/maps are omitted or printed as null.
//
// int64 values beyond ±(2^53-1) are rejected with a 400 rather than rounded (see WireReader.int64).

import { apiErr } from '../errors.js';
import type { JsonObject, KObject } from '../types.js';
import { messageForKind } from './descriptors/index.js';
import type { FieldDesc, MessageDesc, ValueType } from './descriptors/schema.js';
import { BUILTIN_ZERO, rawJSON, readIntOrString, readQuantity, readRawBytes, readTime } from './well-known.js';
import { prefixPath, ProtobufError, WIRE_BYTES, WIRE_VARINT, WireReader, wireTypeName } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]); // "k8s\0"

/** True when `body` starts with the Kubernetes protobuf magic. */
export function hasProtobufMagic(body: Buffer): boolean {
  return body.length >= 4 && body[0] === MAGIC[0] && body[1] === MAGIC[1] && body[2] === MAGIC[2] && body[3] === MAGIC[3];
}

export interface ExpectedKind {
  apiVersion: string;
  kind: string;
}

/**
 * Decodes a Kubernetes protobuf body into its JSON object form, with `kind` and `apiVersion` set.
 * `expected` (the endpoint's kind) fills an empty kind or apiVersion in the envelope, as Go's decoder defaults them;
 * it does not check that they match. Throws ApiError 400 for a bad magic, an unknown kind, or malformed data.
 * The result for DeleteOptions has no `metadata` (the Go type has none).
 */
export function decodeKubernetesProtobuf(body: Buffer, expected?: ExpectedKind): KObject {
  try {
    return decodeEnvelope(body, expected);
  } catch (e) {
    throw asApiError(e);
  }
}

function asApiError(e: unknown): unknown {
  if (e instanceof ProtobufError) {
    const where = e.fieldPath();
    return apiErr.badRequest(`unable to decode protobuf body: ${where ? `${where}: ` : ''}${e.message}`);
  }
  return e;
}

// An object embedded in a RawExtension may embed another; real data nests once (ControllerRevision -> object).
const MAX_EMBEDDED_DEPTH = 4;

function decodeEnvelope(body: Buffer, expected: ExpectedKind | undefined, depth = 0): KObject {
  if (!hasProtobufMagic(body)) throw new ProtobufError('missing the "k8s\\x00" prefix of a Kubernetes protobuf body');
  const r = new WireReader(body, MAGIC.length, body.length);
  let apiVersion = '';
  let kind = '';
  let rawStart = 0;
  let rawEnd = 0;
  while (!r.atEnd) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    if (num === 1 || num === 2) {
      if (wt !== WIRE_BYTES) throw new ProtobufError(`wrong wire type ${wireTypeName(wt)} for envelope field ${num === 1 ? 'typeMeta' : 'raw'}`);
      const end = r.lengthDelimitedEnd();
      if (num === 2) {
        rawStart = r.pos;
        rawEnd = end;
        r.pos = end;
        continue;
      }
      const outer = r.limit;
      r.limit = end;
      while (!r.atEnd) {
        const t = r.uint32();
        const n = t >>> 3;
        if (n === 1 || n === 2) {
          if ((t & 7) !== WIRE_BYTES) throw new ProtobufError(`wrong wire type ${wireTypeName(t & 7)} for typeMeta.${n === 1 ? 'apiVersion' : 'kind'}`);
          if (n === 1) apiVersion = r.string();
          else kind = r.string();
        } else {
          if (n === 0) throw new ProtobufError('illegal field number 0');
          r.skip(t & 7);
        }
      }
      r.limit = outer;
    } else {
      // contentEncoding (3) and contentType (4) are ignored, as Go's protobuf serializer ignores them.
      if (num === 0) throw new ProtobufError('illegal field number 0');
      r.skip(wt);
    }
  }
  if (!kind) kind = expected?.kind ?? '';
  if (!apiVersion) apiVersion = expected?.apiVersion ?? '';
  if (!kind) throw new ProtobufError("Object 'Kind' is missing in the protobuf envelope");
  if (!apiVersion) throw new ProtobufError(`Object 'apiVersion' is missing in the protobuf envelope of kind "${kind}"`);
  const desc = messageForKind(apiVersion, kind);
  if (!desc) throw new ProtobufError(`unknown kind "${kind}" in apiVersion "${apiVersion}"`);
  const slots = newSlots(desc);
  const inner = new WireReader(body, rawStart, rawEnd);
  inner.depth = depth;
  decodeInto(desc, inner, slots);
  const obj: JsonObject = { kind, apiVersion };
  Object.assign(obj, toJSON(desc, slots));
  return obj as KObject;
}

// ---- step 1: wire -> slots -------------------------------------------------------------------------------------

type Slots = unknown[];

function newSlots(desc: MessageDesc): Slots {
  return new Array<unknown>(desc.fields.length);
}

/** Decodes fields until the reader's limit into `slots` (which may already hold values: messages merge). */
function decodeInto(desc: MessageDesc, r: WireReader, slots: Slots): void {
  const byNumber = desc.byNumber;
  while (!r.atEnd) {
    const tag = r.uint32();
    const num = tag >>> 3;
    const wt = tag & 7;
    const f = num < byNumber.length ? byNumber[num] : undefined;
    if (f === undefined) {
      if (num === 0) throw new ProtobufError('illegal field number 0');
      r.skip(wt); // unknown fields are skipped, as Go's generated decoders do
      continue;
    }
    try {
      readField(f, wt, r, slots);
    } catch (e) {
      throw f.inline ? e : prefixPath(e, f.name);
    }
  }
}

function readField(f: FieldDesc, wt: number, r: WireReader, slots: Slots): void {
  const t = f.type;
  if (f.shape === 'single') {
    if (t.kind === 'message') {
      expectWire(wt, WIRE_BYTES);
      let sub = slots[f.index] as Slots | undefined;
      if (sub === undefined) slots[f.index] = sub = newSlots(t.message);
      withLimit(r, () => decodeInto(t.message, r, sub!));
    } else {
      slots[f.index] = readValue(t, wt, r);
    }
    return;
  }
  if (f.shape === 'repeated') {
    let arr = slots[f.index] as unknown[] | undefined;
    if (arr === undefined) slots[f.index] = arr = [];
    if (t.kind === 'scalar' && wt === WIRE_BYTES && t.scalar !== 'string' && t.scalar !== 'bytes') {
      // Packed numbers: one length-delimited run of varints.
      const list = arr;
      const kind = t.scalar;
      withLimit(r, () => {
        while (!r.atEnd) list.push(readNumber(kind, r));
      });
      return;
    }
    const at = arr.length;
    try {
      if (t.kind === 'message') {
        expectWire(wt, WIRE_BYTES);
        const sub = newSlots(t.message);
        withLimit(r, () => decodeInto(t.message, r, sub));
        arr.push(sub);
      } else {
        arr.push(readValue(t, wt, r));
      }
    } catch (e) {
      throw prefixPath(e, `[${at}]`);
    }
    return;
  }
  // map: each entry is a message {1: key string, 2: value}; a later entry for the same key wins.
  expectWire(wt, WIRE_BYTES);
  let map = slots[f.index] as Map<string, unknown> | undefined;
  if (map === undefined) slots[f.index] = map = new Map();
  const m = map;
  withLimit(r, () => {
    let key = '';
    let value: unknown;
    while (!r.atEnd) {
      const tag = r.uint32();
      const num = tag >>> 3;
      const ewt = tag & 7;
      if (num === 1) {
        expectWire(ewt, WIRE_BYTES, 'map key');
        key = r.string();
      } else if (num === 2) {
        try {
          if (t.kind === 'message') {
            expectWire(ewt, WIRE_BYTES);
            const sub = newSlots(t.message);
            withLimit(r, () => decodeInto(t.message, r, sub));
            value = sub;
          } else {
            value = readValue(t, ewt, r);
          }
        } catch (e) {
          throw prefixPath(e, `[${key}]`);
        }
      } else {
        if (num === 0) throw new ProtobufError('illegal field number 0');
        r.skip(ewt);
      }
    }
    m.set(key, value === undefined ? zeroValue(t) : value);
  });
}

/** Runs `fn` with the reader limited to the length-delimited payload at the current position, then moves past it. */
function withLimit(r: WireReader, fn: () => void): void {
  const end = r.lengthDelimitedEnd();
  const outer = r.limit;
  r.limit = end;
  fn();
  r.limit = outer;
  r.pos = end;
}

/** `what` names the value only where the error path does not already end with it (map keys, envelope fields). */
function expectWire(wt: number, want: number, what = ''): void {
  if (wt !== want) throw new ProtobufError(`wrong wire type ${wireTypeName(wt)}${what ? ` for ${what}` : ''} (want ${wireTypeName(want)})`);
}

function readNumber(kind: 'int32' | 'int64' | 'bool', r: WireReader): number | boolean {
  return kind === 'int32' ? r.int32() : kind === 'int64' ? r.int64() : r.bool();
}

/** Reads one scalar or builtin value already in its JSON form (bytes as base64, Time as RFC 3339...). */
function readValue(t: ValueType, wt: number, r: WireReader): unknown {
  if (t.kind === 'scalar') {
    switch (t.scalar) {
      case 'string':
        expectWire(wt, WIRE_BYTES);
        return r.string();
      case 'bytes': {
        expectWire(wt, WIRE_BYTES);
        const end = r.lengthDelimitedEnd();
        const s = r.buf.toString('base64', r.pos, end);
        r.pos = end;
        return s;
      }
      default:
        expectWire(wt, WIRE_VARINT);
        return readNumber(t.scalar, r);
    }
  }
  if (t.kind !== 'builtin') throw new Error('readValue: message types are decoded by readField');
  expectWire(wt, WIRE_BYTES);
  let v: unknown;
  withLimit(r, () => {
    switch (t.builtin) {
      case 'Time':
        v = readTime(r, false);
        break;
      case 'MicroTime':
        v = readTime(r, true);
        break;
      case 'Quantity':
        v = readQuantity(r);
        break;
      case 'IntOrString':
        v = readIntOrString(r);
        break;
      case 'FieldsV1':
        v = rawJSON(readRawBytes(r));
        break;
      case 'RawExtension': {
        const raw = readRawBytes(r);
        // A raw object may itself be a protobuf-encoded Kubernetes object; decode it the same way.
        v = raw !== undefined && hasProtobufMagic(raw) ? decodeEmbedded(raw, r.depth + 1) : rawJSON(raw);
        break;
      }
    }
  });
  return v;
}

function decodeEmbedded(raw: Buffer, depth: number): KObject {
  if (depth > MAX_EMBEDDED_DEPTH) throw new ProtobufError(`objects embedded more than ${MAX_EMBEDDED_DEPTH} deep`);
  try {
    return decodeEnvelope(raw, undefined, depth);
  } catch (e) {
    throw prefixPath(e, '(embedded object)');
  }
}

/** The JSON of a map value or a non-pointer field's Go zero value. */
function zeroValue(t: ValueType): unknown {
  if (t.kind === 'builtin') return BUILTIN_ZERO[t.builtin];
  if (t.kind === 'message') return newSlots(t.message);
  switch (t.scalar) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    default:
      return 0;
  }
}

// ---- step 2: slots -> JSON -------------------------------------------------------------------------------------

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

function elementJSON(t: ValueType, v: unknown): unknown {
  return t.kind === 'message' ? toJSON(t.message, v as Slots) : v;
}

function setKey(obj: JsonObject, key: string, value: unknown): void {
  // Map keys come from the request: never let "__proto__" reach the prototype setter.
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function toJSON(desc: MessageDesc, slots: Slots | undefined): JsonObject {
  const out: JsonObject = {};
  for (const f of desc.fields) {
    const v = slots === undefined ? undefined : slots[f.index];
    const t = f.type;
    if (f.inline) {
      // Embedded struct: Go promotes its fields into this object, at this position.
      Object.assign(out, toJSON((t as { message: MessageDesc }).message, v as Slots | undefined));
      continue;
    }
    if (f.shape === 'repeated') {
      const arr = v as unknown[] | undefined;
      if (arr === undefined || arr.length === 0) {
        if (!f.omitEmpty) out[f.name] = null;
      } else {
        out[f.name] = t.kind === 'message' ? arr.map((e) => toJSON(t.message, e as Slots)) : arr;
      }
      continue;
    }
    if (f.shape === 'map') {
      const m = v as Map<string, unknown> | undefined;
      if (m === undefined || m.size === 0) {
        if (!f.omitEmpty) out[f.name] = null;
      } else {
        // Go's encoder prints map keys sorted.
        const keys = [...m.keys()].sort();
        const o: JsonObject = {};
        for (const k of keys) setKey(o, k, elementJSON(t, m.get(k)));
        out[f.name] = o;
      }
      continue;
    }
    if (v === undefined) {
      if (f.pointer) {
        if (!f.omitEmpty) out[f.name] = null;
      } else if (t.kind === 'message') {
        out[f.name] = toJSON(t.message, undefined);
      } else if (t.kind === 'builtin') {
        out[f.name] = BUILTIN_ZERO[t.builtin];
      } else if (t.scalar === 'bytes') {
        if (!f.omitEmpty) out[f.name] = null; // a nil []byte
      } else if (!f.omitEmpty) {
        out[f.name] = zeroValue(t);
      }
      continue;
    }
    if (t.kind === 'message') out[f.name] = toJSON(t.message, v as Slots);
    else if (f.pointer || t.kind === 'builtin' || !f.omitEmpty || !isZeroScalar(v)) out[f.name] = v;
  }
  return out;
}
