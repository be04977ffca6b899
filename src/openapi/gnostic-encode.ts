// Protobuf encoder for gnostic's `openapi.v2.Document` (github.com/google/gnostic-models,
// openapiv2/OpenAPIv2.proto): the body of `/openapi/v2` for
// `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, the only form kubectl asks for.
//
// Input is a Swagger 2.0 document in JSON form (swagger-v2.ts). Each JSON object is mapped onto its
// message by a small field table (JSON key → field number and wire kind); keys starting with `x-`
// become `NamedAny{name, value: Any{yaml}}` in the message's vendor_extension field, as gnostic's
// compiler does. The YAML is YAML 1.1 (go-yaml v2 parses it in kubectl), so strings like "on" are quoted.
//
// Proto3 rules kept: singular scalars equal to their default ("", false, 0) are omitted, except
// inside a oneof (AdditionalPropertiesItem.boolean=false must be present); present sub-messages are
// written even when empty (an empty `properties` still makes a Properties message, as upstream).
//
// Keys the tables do not know are skipped (clients ignore what they do not understand anyway);
// `strict: true` throws instead, so tests notice when the builder starts emitting something new.

import { stringify } from 'yaml';

type Json = Record<string, unknown>;

/** Growable byte buffer with the handful of protobuf wire primitives needed here. */
class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  varint(n: number): void {
    this.ensure(10);
    if (n < 0) {
      // Negative int64: ten-byte two's complement.
      let v = BigInt.asUintN(64, BigInt(n));
      while (v >= 0x80n) {
        this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buf[this.pos++] = Number(v);
      return;
    }
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wireType: 0 | 1 | 2): void {
    this.varint(field * 8 + wireType);
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.varint(data.length);
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  string(field: number, s: string): void {
    const n = Buffer.byteLength(s);
    this.tag(field, 2);
    this.varint(n);
    this.ensure(n);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  bool(field: number, b: boolean): void {
    this.tag(field, 0);
    this.varint(b ? 1 : 0);
  }

  double(field: number, d: number): void {
    this.tag(field, 1);
    this.ensure(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** A nested message whose content `fill` writes. */
  message(field: number, fill: (w: Writer) => void): void {
    const child = new Writer();
    fill(child);
    this.bytes(field, child.finish());
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

/** How one JSON key is written: a scalar kind, or a nested message (`msg`) / repeated message (`each`). */
type Kind =
  | 'string'
  | 'bool'
  | 'double'
  | 'int64'
  | 'strings'
  | 'any'
  | 'anys'
  | { msg: (w: Writer, v: unknown) => void }
  | { each: (w: Writer, v: unknown) => void };

interface MessageDef {
  /** JSON key → [field number, kind], listed in field-number order. */
  fields: Record<string, [number, Kind]>;
  /** Field number of `repeated NamedAny vendor_extension`, if the message has one. */
  vendor?: number;
}

export interface EncodeOptions {
  /** Throw on keys with no field in the target message instead of skipping them. */
  strict?: boolean;
}

/** Encodes a Swagger 2.0 JSON document as a gnostic `openapi.v2.Document`. */
export function encodeSwaggerDocument(doc: Json, opts: EncodeOptions = {}): Uint8Array {
  return new GnosticEncoder(opts.strict ?? false).document(doc);
}

/** Holds one encoding's YAML memo (vendor extension values repeat a lot) and strictness. */
class GnosticEncoder {
  private readonly yamlMemo = new Map<unknown, string>();
  private readonly defs: Record<string, MessageDef>;

  constructor(private readonly strict: boolean) {
    const m = (name: string) => ({ msg: (w: Writer, v: unknown) => this.object(w, v as Json, name) });
    const each = (name: string) => ({ each: (w: Writer, v: unknown) => this.object(w, v as Json, name) });
    const named = (name: string) => ({ msg: (w: Writer, v: unknown) => this.named(w, 1, v as Json, name) });
    const schema = { msg: (w: Writer, v: unknown) => this.object(w, v as Json, 'Schema') };
    const parameters = { each: (w: Writer, v: unknown) => this.parametersItem(w, v as Json) };
    // Shared tail of the non-body parameter sub-schemas and PrimitivesItems (same order, shifted).
    const primitive = (base: number): Record<string, [number, Kind]> => {
      const keys: [string, Kind][] = [
        ['type', 'string'], ['format', 'string'], ['items', m('PrimitivesItems')], ['collectionFormat', 'string'],
        ['default', 'any'], ['maximum', 'double'], ['exclusiveMaximum', 'bool'], ['minimum', 'double'],
        ['exclusiveMinimum', 'bool'], ['maxLength', 'int64'], ['minLength', 'int64'], ['pattern', 'string'],
        ['maxItems', 'int64'], ['minItems', 'int64'], ['uniqueItems', 'bool'], ['enum', 'anys'], ['multipleOf', 'double'],
      ];
      return Object.fromEntries(keys.map(([k, kind], i) => [k, [base + i, kind]]));
    };
    const subSchema = (withAllowEmpty: boolean): MessageDef => {
      const base = withAllowEmpty ? 6 : 5;
      return {
        fields: {
          required: [1, 'bool'], in: [2, 'string'], description: [3, 'string'], name: [4, 'string'],
          ...(withAllowEmpty ? { allowEmptyValue: [5, 'bool'] as [number, Kind] } : {}),
          ...primitive(base),
        },
        vendor: base + 17,
      };
    };

    this.defs = {
      Document: {
        fields: {
          swagger: [1, 'string'], info: [2, m('Info')], host: [3, 'string'], basePath: [4, 'string'],
          schemes: [5, 'strings'], consumes: [6, 'strings'], produces: [7, 'strings'],
          paths: [8, { msg: (w, v) => this.paths(w, v as Json) }],
          definitions: [9, named('Schema')],
          parameters: [10, { msg: (w, v) => this.named(w, 1, v as Json, 'Parameter', (c, p) => this.parameter(c, p)) }],
          tags: [14, each('Tag')], externalDocs: [15, m('ExternalDocs')],
        },
        vendor: 16,
      },
      Info: {
        fields: {
          title: [1, 'string'], version: [2, 'string'], description: [3, 'string'], termsOfService: [4, 'string'],
          contact: [5, m('Contact')], license: [6, m('License')],
        },
        vendor: 7,
      },
      Contact: { fields: { name: [1, 'string'], url: [2, 'string'], email: [3, 'string'] }, vendor: 4 },
      License: { fields: { name: [1, 'string'], url: [2, 'string'] }, vendor: 3 },
      Tag: { fields: { name: [1, 'string'], description: [2, 'string'], externalDocs: [3, m('ExternalDocs')] }, vendor: 4 },
      ExternalDocs: { fields: { description: [1, 'string'], url: [2, 'string'] }, vendor: 3 },
      PathItem: {
        fields: {
          $ref: [1, 'string'], get: [2, m('Operation')], put: [3, m('Operation')], post: [4, m('Operation')],
          delete: [5, m('Operation')], options: [6, m('Operation')], head: [7, m('Operation')], patch: [8, m('Operation')],
          parameters: [9, parameters],
        },
        vendor: 10,
      },
      Operation: {
        fields: {
          tags: [1, 'strings'], summary: [2, 'string'], description: [3, 'string'], externalDocs: [4, m('ExternalDocs')],
          operationId: [5, 'string'], produces: [6, 'strings'], consumes: [7, 'strings'], parameters: [8, parameters],
          responses: [9, { msg: (w, v) => this.responses(w, v as Json) }], schemes: [10, 'strings'], deprecated: [11, 'bool'],
        },
        vendor: 13,
      },
      BodyParameter: {
        fields: { description: [1, 'string'], name: [2, 'string'], in: [3, 'string'], required: [4, 'bool'], schema: [5, schema] },
        vendor: 6,
      },
      HeaderParameterSubSchema: subSchema(false),
      FormDataParameterSubSchema: subSchema(true),
      QueryParameterSubSchema: subSchema(true),
      PathParameterSubSchema: subSchema(false),
      PrimitivesItems: { fields: primitive(1), vendor: 18 },
      Response: {
        fields: { description: [1, 'string'], schema: [2, { msg: (w, v) => w.message(1, (c) => this.object(c, v as Json, 'Schema')) }] },
        vendor: 5,
      },
      Schema: {
        fields: {
          $ref: [1, 'string'], format: [2, 'string'], title: [3, 'string'], description: [4, 'string'], default: [5, 'any'],
          multipleOf: [6, 'double'], maximum: [7, 'double'], exclusiveMaximum: [8, 'bool'], minimum: [9, 'double'],
          exclusiveMinimum: [10, 'bool'], maxLength: [11, 'int64'], minLength: [12, 'int64'], pattern: [13, 'string'],
          maxItems: [14, 'int64'], minItems: [15, 'int64'], uniqueItems: [16, 'bool'], maxProperties: [17, 'int64'],
          minProperties: [18, 'int64'], required: [19, 'strings'], enum: [20, 'anys'],
          // AdditionalPropertiesItem is a oneof: `false` is still written (field 2), a schema is field 1.
          additionalProperties: [21, {
            msg: (w, v) => {
              if (typeof v === 'boolean') w.bool(2, v);
              else w.message(1, (c) => this.object(c, v as Json, 'Schema'));
            },
          }],
          type: [22, { msg: (w, v) => this.strings(w, 1, Array.isArray(v) ? v : [v]) }],
          items: [23, { msg: (w, v) => { for (const s of Array.isArray(v) ? v : [v]) w.message(1, (c) => this.object(c, s as Json, 'Schema')); } }],
          allOf: [24, { each: (w, v) => this.object(w, v as Json, 'Schema') }],
          properties: [25, named('Schema')],
          discriminator: [26, 'string'], readOnly: [27, 'bool'], externalDocs: [29, m('ExternalDocs')], example: [30, 'any'],
        },
        vendor: 31,
      },
    };
  }

  document(doc: Json): Uint8Array {
    const w = new Writer();
    this.object(w, doc, 'Document');
    return w.finish();
  }

  /** Writes the fields of `value` as message `name` (table-driven). */
  private object(w: Writer, value: Json, name: string): void {
    const def = this.defs[name]!;
    for (const [key, [field, kind]] of Object.entries(def.fields)) {
      const v = value[key];
      if (v !== undefined && v !== null) this.field(w, field, kind, v);
    }
    for (const key of Object.keys(value)) {
      if (key in def.fields) continue;
      if (key.startsWith('x-') && def.vendor !== undefined) {
        w.message(def.vendor, (c) => this.namedAny(c, key, value[key]));
      } else if (this.strict) {
        throw new Error(`gnostic encode: ${name} has no field for ${JSON.stringify(key)}`);
      }
    }
  }

  private field(w: Writer, field: number, kind: Kind, v: unknown): void {
    switch (kind) {
      case 'string':
        if (v !== '') w.string(field, String(v));
        return;
      case 'bool':
        if (v === true) w.bool(field, true);
        return;
      case 'double':
        if (v !== 0) w.double(field, Number(v));
        return;
      case 'int64':
        if (v !== 0) {
          w.tag(field, 0);
          w.varint(Number(v));
        }
        return;
      case 'strings':
        this.strings(w, field, v as unknown[]);
        return;
      case 'any':
        w.message(field, (c) => c.string(2, this.yaml(v)));
        return;
      case 'anys':
        for (const item of v as unknown[]) w.message(field, (c) => c.string(2, this.yaml(item)));
        return;
    }
    if ('msg' in kind) w.message(field, (c) => kind.msg(c, v));
    else for (const item of v as unknown[]) w.message(field, (c) => kind.each(c, item));
  }

  private strings(w: Writer, field: number, values: readonly unknown[]): void {
    for (const s of values) w.string(field, String(s));
  }

  /** A map as repeated Named<X>{1: name, 2: value} in `field`. */
  private named(w: Writer, field: number, map: Json, name: string, fill?: (w: Writer, v: Json) => void): void {
    for (const [key, value] of Object.entries(map)) {
      w.message(field, (c) => {
        c.string(1, key);
        c.message(2, (cc) => (fill ? fill(cc, value as Json) : this.object(cc, value as Json, name)));
      });
    }
  }

  private namedAny(w: Writer, name: string, value: unknown): void {
    w.string(1, name);
    w.message(2, (c) => c.string(2, this.yaml(value)));
  }

  private yaml(value: unknown): string {
    const key = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
    let text = this.yamlMemo.get(key);
    if (text === undefined) {
      text = stringify(value, { version: '1.1', lineWidth: 0 });
      this.yamlMemo.set(key, text);
    }
    return text;
  }

  /** Paths{1: vendor_extension, 2: repeated NamedPathItem}. */
  private paths(w: Writer, paths: Json): void {
    for (const [key, value] of Object.entries(paths)) {
      if (key.startsWith('x-')) w.message(1, (c) => this.namedAny(c, key, value));
      else w.message(2, (c) => {
        c.string(1, key);
        c.message(2, (cc) => this.object(cc, value as Json, 'PathItem'));
      });
    }
  }

  /** ParametersItem: a `$ref` is a JsonReference (field 2), anything else a Parameter (field 1). */
  private parametersItem(w: Writer, p: Json): void {
    if (typeof p.$ref === 'string') {
      w.message(2, (c) => {
        c.string(1, p.$ref as string);
        if (typeof p.description === 'string' && p.description !== '') c.string(2, p.description);
      });
    } else {
      w.message(1, (c) => this.parameter(c, p));
    }
  }

  /** Parameter: BodyParameter (1) or NonBodyParameter (2) holding the sub-schema of its `in`. */
  private parameter(w: Writer, p: Json): void {
    if (p.in === 'body') {
      w.message(1, (c) => this.object(c, p, 'BodyParameter'));
      return;
    }
    const sub = { header: [1, 'HeaderParameterSubSchema'], formData: [2, 'FormDataParameterSubSchema'], query: [3, 'QueryParameterSubSchema'], path: [4, 'PathParameterSubSchema'] }[p.in as string] as [number, string] | undefined;
    if (!sub) {
      if (this.strict) throw new Error(`gnostic encode: parameter ${JSON.stringify(p.name)} has unknown location ${JSON.stringify(p.in)}`);
      return;
    }
    w.message(2, (c) => c.message(sub[0], (cc) => this.object(cc, p, sub[1])));
  }

  /** Responses{1: repeated NamedResponseValue{name, ResponseValue}, 2: vendor_extension}. */
  private responses(w: Writer, responses: Json): void {
    for (const [code, value] of Object.entries(responses)) {
      if (code.startsWith('x-')) {
        w.message(2, (c) => this.namedAny(c, code, value));
        continue;
      }
      const r = value as Json;
      w.message(1, (c) => {
        c.string(1, code);
        c.message(2, (rv) => {
          if (typeof r.$ref === 'string') rv.message(2, (j) => j.string(1, r.$ref as string));
          else rv.message(1, (cc) => this.object(cc, r, 'Response'));
        });
      });
    }
  }
}
