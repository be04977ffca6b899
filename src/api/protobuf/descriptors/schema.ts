// Descriptor model for the Kubernetes protobuf decoder, and the compiler for the compact table notation that the
// per-package files (core-v1.ts, apps-v1.ts, ...) are written in.
//
// Why our own notation instead of .proto files: decoding a body into the JSON that Go would produce needs more than
// the proto schema. Every field in Kubernetes' generated.proto is `optional`, yet Go's JSON encoder treats a
// `*int32` (kept when set, even to 0) differently from an `int32` with `omitempty` (dropped when 0) or one without it
// (always printed). So each field carries its Go shape, read from types.go next to the generated.proto.
//
// Notation: a message is a whitespace-separated list of fields, in Go struct order (which is also JSON output order):
//
//   name=NUM:TYPE        a field; `name` is both the proto and the JSON name
//   ^name=NUM:TYPE       an embedded struct (`json:",inline"`): its JSON fields are promoted into the parent
//
//   TYPE  := [*][[]]BASE[!]  |  map<s,BASE>[!]
//     *   Go pointer: when present on the wire it is kept even if zero (`replicas: 0`); when absent it is omitted
//     []  repeated (Go slice); packed and unpacked encodings are both accepted for numbers
//     !   the Go json tag has no `omitempty`: absent/zero values are still printed (0, "", false, or null for a
//         nil pointer/slice/map). Non-pointer structs are always printed, so they never need `!`.
//   BASE  := s | i32 | i64 | b | y                    string, int32, int64, bool, bytes (base64 in JSON)
//          | Time | MicroTime | Quantity | IntOrString | RawExtension | FieldsV1
//                                                     apimachinery types that have their own JSON form
//          | Name | alias.Name                        a message of the same table, or of another table (`meta.ObjectMeta`)
//
// Provenance: the tables cover every message reachable from the kinds in index.ts, at Kubernetes 1.32.4. Field
// names, numbers and wire types are those of k8s.io/api v0.32 generated.proto; Go pointer/omitempty/inline shapes are
// those of its types.go. They were collected with a one-off script from the protobuf descriptors and Go type metadata
// that the kubectl v1.32.4 binary embeds (the exact 1.32 API), and spot-checked against upstream types.go. The
// real-kubectl test (test/integration/protobuf-kubectl.test.ts) checks the result against Go's own JSON output.

export type ScalarKind = 'string' | 'int32' | 'int64' | 'bool' | 'bytes';
export type BuiltinKind = 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString' | 'RawExtension' | 'FieldsV1';

export type ValueType =
  | { readonly kind: 'scalar'; readonly scalar: ScalarKind }
  | { readonly kind: 'builtin'; readonly builtin: BuiltinKind }
  | { readonly kind: 'message'; readonly message: MessageDesc };

export interface FieldDesc {
  readonly name: string;
  readonly number: number;
  /** Position in `MessageDesc.fields` (the decoder's slot index). */
  readonly index: number;
  readonly shape: 'single' | 'repeated' | 'map';
  /** The field's type; for repeated fields the element type, for maps the value type (keys are strings). */
  readonly type: ValueType;
  readonly pointer: boolean;
  readonly omitEmpty: boolean;
  readonly inline: boolean;
}

export interface MessageDesc {
  /** Qualified name, e.g. `apps.DeploymentSpec`. */
  readonly name: string;
  readonly fields: readonly FieldDesc[];
  /** Sparse lookup by field number. */
  readonly byNumber: readonly (FieldDesc | undefined)[];
}

/** One package's messages in the notation above. `pkg` is the alias other tables use to refer to them. */
export interface MessageTable {
  readonly pkg: string;
  readonly messages: Readonly<Record<string, string>>;
}

export const BUILTINS: readonly BuiltinKind[] = ['Time', 'MicroTime', 'Quantity', 'IntOrString', 'RawExtension', 'FieldsV1'];

const SCALARS: Record<string, ScalarKind> = { s: 'string', i32: 'int32', i64: 'int64', b: 'bool', y: 'bytes' };

const FIELD_RE = /^(\^)?([A-Za-z][A-Za-z0-9]*)=([1-9][0-9]*):(\*)?(\[\])?(?:map<s,([A-Za-z0-9.]+)>|([A-Za-z0-9.]+))(!)?$/;

/** A field as written in a table, before message references are resolved. */
export interface RawField {
  name: string;
  number: number;
  inline: boolean;
  pointer: boolean;
  repeated: boolean;
  map: boolean;
  base: string;
  omitEmpty: boolean;
}

export function parseFieldList(spec: string, where: string): RawField[] {
  const out: RawField[] = [];
  for (const tok of spec.split(/\s+/)) {
    if (!tok) continue;
    const m = FIELD_RE.exec(tok);
    if (!m) throw new Error(`protobuf table ${where}: cannot parse field "${tok}"`);
    out.push({
      inline: m[1] === '^',
      name: m[2],
      number: Number(m[3]),
      pointer: m[4] === '*',
      repeated: m[5] === '[]',
      map: m[6] !== undefined,
      base: m[6] ?? m[7],
      omitEmpty: m[8] !== '!',
    });
  }
  return out;
}

/** Resolves a BASE token seen in table `pkg` to a qualified message name, a builtin, or a scalar. */
export function resolveBase(base: string, pkg: string): { scalar: ScalarKind } | { builtin: BuiltinKind } | { message: string } {
  const s = SCALARS[base];
  if (s) return { scalar: s };
  if ((BUILTINS as readonly string[]).includes(base)) return { builtin: base as BuiltinKind };
  return { message: base.includes('.') ? base : `${pkg}.${base}` };
}

/**
 * Compiles tables into linked descriptors keyed by qualified name. Throws on malformed entries, duplicate field
 * numbers or names, references to undefined messages, and reference cycles. The served kinds have none, and their
 * absence bounds the decoder's recursion depth by the schema depth, whatever the input nests.
 */
export function compileTables(tables: readonly MessageTable[]): ReadonlyMap<string, MessageDesc> {
  const raw = new Map<string, { pkg: string; fields: RawField[] }>();
  for (const t of tables) {
    for (const [name, spec] of Object.entries(t.messages)) {
      const q = `${t.pkg}.${name}`;
      if (raw.has(q)) throw new Error(`protobuf table: message ${q} defined twice`);
      if ((BUILTINS as readonly string[]).includes(name)) throw new Error(`protobuf table: message ${q} shadows a builtin`);
      raw.set(q, { pkg: t.pkg, fields: parseFieldList(spec, q) });
    }
  }
  // Two passes: create every descriptor object first so that references can point at them, then fill fields.
  const descs = new Map<string, { name: string; fields: FieldDesc[]; byNumber: (FieldDesc | undefined)[] }>();
  for (const q of raw.keys()) descs.set(q, { name: q, fields: [], byNumber: [] });
  for (const [q, { pkg, fields }] of raw) {
    const d = descs.get(q)!;
    const names = new Set<string>();
    for (const f of fields) {
      if (d.byNumber[f.number]) throw new Error(`protobuf table: ${q} uses field number ${f.number} twice`);
      if (names.has(f.name)) throw new Error(`protobuf table: ${q} uses field name ${f.name} twice`);
      names.add(f.name);
      const r = resolveBase(f.base, pkg);
      let type: ValueType;
      if ('scalar' in r) type = { kind: 'scalar', scalar: r.scalar };
      else if ('builtin' in r) type = { kind: 'builtin', builtin: r.builtin };
      else {
        const target = descs.get(r.message);
        if (!target) throw new Error(`protobuf table: ${q}.${f.name} refers to undefined message ${r.message}`);
        type = { kind: 'message', message: target };
      }
      if (f.inline && (type.kind !== 'message' || f.pointer || f.repeated || f.map)) {
        throw new Error(`protobuf table: ${q}.${f.name}: only a plain message field can be inline`);
      }
      if (f.map && (f.pointer || f.repeated)) throw new Error(`protobuf table: ${q}.${f.name}: a map cannot be a pointer or repeated`);
      const fd: FieldDesc = {
        name: f.name,
        number: f.number,
        index: d.fields.length,
        shape: f.map ? 'map' : f.repeated ? 'repeated' : 'single',
        type,
        pointer: f.pointer,
        omitEmpty: f.omitEmpty,
        inline: f.inline,
      };
      d.fields.push(fd);
      d.byNumber[f.number] = fd;
    }
  }
  checkValueCycles(descs);
  return descs;
}

function checkValueCycles(descs: ReadonlyMap<string, MessageDesc>): void {
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const visit = (d: MessageDesc, trail: string[]): void => {
    const s = state.get(d.name);
    if (s === 2) return;
    if (s === 1) throw new Error(`protobuf table: reference cycle ${[...trail, d.name].join(' -> ')}`);
    state.set(d.name, 1);
    for (const f of d.fields) {
      if (f.type.kind === 'message') visit(f.type.message, [...trail, d.name]);
    }
    state.set(d.name, 2);
  };
  for (const d of descs.values()) visit(d, []);
}
