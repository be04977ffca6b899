// Field sets: the trees stored as `fieldsV1` in metadata.managedFields, and the schema-guided walks
// that produce them (which fields an object sets, which fields differ between two objects).
// Semantics follow sigs.k8s.io/structured-merge-diff v4 as used by Kubernetes v1.32.
//
// Path elements are kept in their serialized fieldsV1 form, which doubles as a map key:
//   `f:<name>`  a struct field or map key
//   `k:{...}`   a list-map item, JSON of its key fields sorted by name: k:{"containerPort":80,"protocol":"TCP"}
//   `v:<json>`  a set item (x-kubernetes-list-type: set), e.g. v:"example.com/finalizer"
//   `i:<n>`     an item by index (only decoded; also our fallback for list items whose key is missing)
// A FieldSet node says whether its own path is a member (`.` in fieldsV1) and holds child nodes.
// FieldSets are immutable once returned: operations share unchanged subtrees instead of copying.

import type { SchemaNode } from '../schema.js';
import type { JsonObject } from '../types.js';
import { isObject } from './json-value.js';
import { fieldPE, indexPE, keyPE, normalizePathElement, pathToString, peToString, sortPathElements, valuePE, type PathElement } from './path-element.js';

// Path elements live in path-element.ts; re-exported so that importers of field sets keep one entry point.
export {
  compareValues,
  comparePathElements,
  fieldPE,
  goJson,
  goQuote,
  indexPE,
  keyPE,
  normalizePathElement,
  pathToString,
  valuePE,
  type PathElement,
} from './path-element.js';

export class FieldSet {
  /** Use the static constructors and operations; `children` never holds an empty node. */
  constructor(
    /** Whether the path leading to this node is itself in the set (the `.` entry). Always false at the root. */
    readonly member: boolean,
    readonly children: ReadonlyMap<PathElement, FieldSet> | undefined,
  ) {}

  static empty(): FieldSet {
    return EMPTY;
  }

  /** A node from its parts (for walks that build sets bottom-up); empty child maps are normalised away. */
  static node(member: boolean, children?: ReadonlyMap<PathElement, FieldSet>): FieldSet {
    return make(member, children);
  }

  /** A set holding exactly the given paths (parents are not added, as upstream). */
  static fromPaths(paths: readonly (readonly PathElement[])[]): FieldSet {
    let out = EMPTY;
    for (const p of paths) out = out.union(single(p));
    return out;
  }

  /** Decodes a `fieldsV1` object. Unknown element types are dropped (as upstream); malformed ones throw. */
  static fromFieldsV1(fieldsV1: unknown): FieldSet {
    return make(false, readFieldsV1(fieldsV1).children);
  }

  isEmpty(): boolean {
    return !this.member && !this.children;
  }

  /** The child node for one path element, if any path under it is in the set. */
  child(pe: PathElement): FieldSet | undefined {
    return this.children?.get(pe);
  }

  /** Whether `path` itself is a member. The empty path (the whole object) is never owned. */
  has(path: readonly PathElement[]): boolean {
    let n: FieldSet | undefined = this;
    for (const pe of path) {
      n = n.children?.get(pe);
      if (!n) return false;
    }
    return path.length > 0 && n.member;
  }

  union(o: FieldSet): FieldSet {
    return unionNode(this, o);
  }

  /** Members of this set that are not members of `o` (children of an `o` member stay: see recursiveDifference). */
  difference(o: FieldSet): FieldSet {
    return diffNode(this, o, false);
  }

  /** Like difference, but an `o` member also removes everything below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    return diffNode(this, o, true);
  }

  intersection(o: FieldSet): FieldSet {
    return intersectNode(this, o);
  }

  equals(o: FieldSet): boolean {
    if (this === o) return true;
    if (this.member !== o.member || (this.children?.size ?? 0) !== (o.children?.size ?? 0)) return false;
    for (const [k, c] of this.children ?? []) {
      const oc = o.children!.get(k);
      if (!oc || !c.equals(oc)) return false;
    }
    return true;
  }

  /** Member paths in upstream iteration order: each level's members (sorted), then its children. */
  paths(): PathElement[][] {
    const out: PathElement[][] = [];
    iterate(this, [], out);
    return out;
  }

  /** The `fieldsV1` JSON: path elements in upstream sort order, `.` first. */
  toFieldsV1(): JsonObject {
    return emit(this, false);
  }

  toString(): string {
    return this.paths().map(pathToString).join('\n');
  }
}

const EMPTY = new FieldSet(false, undefined);
const LEAF = new FieldSet(true, undefined);

function make(member: boolean, children: Map<PathElement, FieldSet> | ReadonlyMap<PathElement, FieldSet> | undefined): FieldSet {
  if (children && children.size === 0) children = undefined;
  if (!children) return member ? LEAF : EMPTY;
  return new FieldSet(member, children);
}

/** A root holding one path (the empty path holds nothing: nobody owns the whole object). */
function single(path: readonly PathElement[]): FieldSet {
  if (path.length === 0) return EMPTY;
  let n: FieldSet = LEAF;
  for (let j = path.length - 1; j >= 0; j--) n = make(false, new Map([[path[j], n]]));
  return n;
}

function unionNode(a: FieldSet, b: FieldSet): FieldSet {
  if (a === b || b.isEmpty()) return a;
  if (a.isEmpty()) return b;
  const member = a.member || b.member;
  if (!b.children) return member === a.member ? a : make(member, a.children);
  if (!a.children) return member === b.member ? b : make(member, b.children);
  let out: Map<PathElement, FieldSet> | undefined;
  for (const [k, bc] of b.children) {
    const ac = a.children.get(k);
    const u = ac ? unionNode(ac, bc) : bc;
    if (u !== ac) (out ??= new Map(a.children)).set(k, u);
  }
  if (!out && member === a.member) return a;
  return make(member, out ?? a.children);
}

function diffNode(a: FieldSet, b: FieldSet, recursive: boolean): FieldSet {
  if (a === b) return EMPTY;
  const member = a.member && !b.member;
  let children = a.children;
  if (a.children && b.children) {
    let out: Map<PathElement, FieldSet> | undefined;
    const iterB = b.children.size <= a.children.size;
    for (const [k, c] of iterB ? b.children : a.children) {
      const ac = iterB ? a.children.get(k) : c;
      const bc = iterB ? c : b.children.get(k);
      if (!ac || !bc) continue;
      const d = recursive && bc.member ? EMPTY : diffNode(ac, bc, recursive);
      if (d === ac) continue;
      out ??= new Map(a.children);
      if (d.isEmpty()) out.delete(k);
      else out.set(k, d);
    }
    if (out) children = out;
  }
  if (member === a.member && children === a.children) return a;
  return make(member, children);
}

function intersectNode(a: FieldSet, b: FieldSet): FieldSet {
  if (a === b) return a;
  const member = a.member && b.member;
  let out: Map<PathElement, FieldSet> | undefined;
  if (a.children && b.children) {
    const [small, big] = a.children.size <= b.children.size ? [a.children, b.children] : [b.children, a.children];
    for (const [k, sc] of small) {
      const bc = big.get(k);
      if (!bc) continue;
      const i = intersectNode(sc, bc);
      if (!i.isEmpty()) (out ??= new Map()).set(k, i);
    }
  }
  return make(member, out);
}

function iterate(n: FieldSet, prefix: PathElement[], out: PathElement[][]): void {
  if (!n.children) return;
  const keys = sortPathElements([...n.children.keys()]);
  for (const k of keys) if (n.children.get(k)!.member) out.push([...prefix, k]);
  for (const k of keys) {
    const c = n.children.get(k)!;
    if (c.children) iterate(c, [...prefix, k], out);
  }
}

function emit(n: FieldSet, includeSelf: boolean): JsonObject {
  const o: JsonObject = {};
  if (includeSelf && n.children) o['.'] = {};
  if (n.children) {
    for (const k of sortPathElements([...n.children.keys()])) {
      const c = n.children.get(k)!;
      o[k] = c.children ? emit(c, c.member) : {};
    }
  }
  return o;
}

function readFieldsV1(v: unknown): { member: boolean; children?: Map<PathElement, FieldSet> } {
  if (!isObject(v)) throw new Error(`expected an object in fieldsV1, got ${JSON.stringify(v)}`);
  let member = false;
  let children: Map<PathElement, FieldSet> | undefined;
  for (const key of Object.keys(v)) {
    if (key === '.') {
      member = true;
      continue;
    }
    const pe = normalizePathElement(key);
    if (pe === undefined) continue;
    const sub = readFieldsV1(v[key]);
    const n = make(sub.member, sub.children);
    children ??= new Map();
    const prev = children.get(pe);
    children.set(pe, prev ? unionNode(prev, n) : n);
  }
  // Upstream: an entry without (understood) children is a member.
  if (!children) member = true;
  return { member, children };
}

// ---------------------------------------------------------------------------------------------
// Field types: how SSA sees a schema node (structured-merge-diff's conversion from OpenAPI).

export interface ScalarType {
  readonly kind: 'scalar';
}
/** A free-form value (no schema): maps are granular with free-form values, lists are atomic. */
export interface DeducedType {
  readonly kind: 'deduced';
}
/** A struct (declared `fields`) and/or a map (`elem` for other keys). */
export interface MapType {
  readonly kind: 'map';
  readonly atomic: boolean;
  readonly fields: Readonly<Record<string, SchemaNode>> | undefined;
  /** Value schema for undeclared keys; 'deduced' for free-form; undefined when the struct is closed. */
  readonly elem: SchemaNode | 'deduced' | undefined;
}
export interface ListType {
  readonly kind: 'list';
  readonly mode: 'atomic' | 'set' | 'map';
  /** list-map key names (empty for sets). */
  readonly keys: readonly string[];
  readonly items: SchemaNode | undefined;
  /** Defaults for key fields that items may omit (schema `default`, or TCP for `protocol`). */
  readonly keyDefaults: Readonly<Record<string, unknown>>;
}
export type FieldType = ScalarType | DeducedType | MapType | ListType;

const SCALAR: ScalarType = { kind: 'scalar' };
export const DEDUCED: DeducedType = { kind: 'deduced' };

// A memo of a pure function of the (immutable, possibly cyclic) schema graph, so a node is compiled
// once per process rather than per write. It holds no state observable from outside.
const typeCache = new WeakMap<SchemaNode, FieldType>();

/** The field type of a schema node; undefined (no schema) is the deduced type, as for unstructured objects. */
export function typeOf(node: SchemaNode | undefined): FieldType {
  if (!node) return DEDUCED;
  let t = typeCache.get(node);
  if (!t) {
    t = compileType(node);
    typeCache.set(node, t);
  }
  return t;
}

function compileType(n: SchemaNode): FieldType {
  if (n['x-kubernetes-int-or-string']) return SCALAR;
  if (n.type === 'array' || (!n.type && n.items)) {
    const { mode, keys } = listMode(n);
    const keyDefaults: Record<string, unknown> = {};
    for (const k of keys) {
      const d = (n.items?.properties?.[k] as { default?: unknown } | undefined)?.default;
      if (d !== undefined) keyDefaults[k] = d;
      // Built-in list-map keys that may be omitted are all `protocol`, defaulted to TCP by the API types.
      else if (k === 'protocol') keyDefaults[k] = 'TCP';
    }
    return { kind: 'list', mode, keys, items: n.items, keyDefaults };
  }
  const ap = n.additionalProperties;
  const preserve = n['x-kubernetes-preserve-unknown-fields'] === true;
  if (n.type === 'object' || n.properties || ap !== undefined || preserve) {
    const elem = ap && typeof ap === 'object' ? ap : ap === true || preserve ? 'deduced' : undefined;
    if (!n.properties && elem === undefined) return DEDUCED;
    if (!n.properties && elem === 'deduced' && n['x-kubernetes-map-type'] !== 'atomic') return DEDUCED;
    return { kind: 'map', atomic: n['x-kubernetes-map-type'] === 'atomic', fields: n.properties, elem };
  }
  if (n.type) return SCALAR;
  return DEDUCED;
}

function listMode(n: SchemaNode): { mode: ListType['mode']; keys: string[] } {
  const lt = n['x-kubernetes-list-type'];
  if (lt === 'map') {
    const keys = n['x-kubernetes-list-map-keys'] ?? [];
    return { mode: keys.length ? 'map' : 'set', keys: [...keys] };
  }
  if (lt === 'set') return { mode: 'set', keys: [] };
  if (lt === 'atomic') return { mode: 'atomic', keys: [] };
  // No list-type: structured-merge-diff reads the strategic-merge-patch markers.
  const strategy = n['x-kubernetes-patch-strategy'];
  if (strategy === 'merge' || strategy === 'merge,retainKeys') {
    const key = n['x-kubernetes-patch-merge-key'];
    return key ? { mode: 'map', keys: [key] } : { mode: 'set', keys: [] };
  }
  return { mode: 'atomic', keys: [] };
}

/** The type of field `name` of a map/struct, and whether it is a declared (named) field. */
export function childType(t: FieldType, name: string): { type: FieldType; declared: boolean } {
  if (t.kind !== 'map') return { type: DEDUCED, declared: false };
  const f = t.fields && Object.hasOwn(t.fields, name) ? t.fields[name] : undefined;
  if (f) return { type: typeOf(f), declared: true };
  // Undeclared fields of a closed struct are rejected upstream; we tolerate them as free-form.
  return { type: t.elem && t.elem !== 'deduced' ? typeOf(t.elem) : DEDUCED, declared: false };
}

export function elemType(t: ListType): FieldType {
  return typeOf(t.items);
}

export type Shape = 'leaf' | 'map' | 'list';

/** How a value of type `t` is walked: granular map, granular list, or a leaf (scalars, atomics, mismatches). */
export function shapeOf(t: FieldType, v: unknown): Shape {
  switch (t.kind) {
    case 'scalar':
      return 'leaf';
    case 'deduced':
      return v === null || isObject(v) ? 'map' : 'leaf';
    case 'map':
      if (v !== null && !isObject(v)) return 'leaf';
      return t.atomic ? 'leaf' : 'map';
    case 'list':
      if (v !== null && !Array.isArray(v)) return 'leaf';
      return t.mode === 'atomic' ? 'leaf' : 'list';
  }
}

/** The path element of a granular list item, or an error message in upstream wording. */
export function itemPE(t: ListType, item: unknown): PathElement | { error: string } {
  if (t.keys.length) {
    if (item === null) return { error: 'associative list with keys may not have a null element' };
    if (!isObject(item)) return { error: 'associative list with keys may not have non-map elements' };
    const fields: [string, unknown][] = [];
    for (const k of t.keys) {
      if (Object.hasOwn(item, k)) fields.push([k, item[k]]);
      else if (Object.hasOwn(t.keyDefaults, k)) fields.push([k, t.keyDefaults[k]]);
      else return { error: `associative list with keys has an element that omits key field ${JSON.stringify(k)} (and doesn't have default value)` };
    }
    return keyPE(fields);
  }
  if (isObject(item)) return { error: "associative list without keys has an element that's a map type" };
  if (Array.isArray(item)) return { error: 'not supported: associative list with lists as elements' };
  if (item === null) return { error: "associative list without keys has an element that's an explicit null" };
  return valuePE(item);
}

/** Item path element for objects already stored: an item without a usable key is addressed by index. */
export function itemPELenient(t: ListType, item: unknown, index: number): PathElement {
  const pe = itemPE(t, item);
  return typeof pe === 'string' ? pe : indexPE(index);
}

// ---------------------------------------------------------------------------------------------
// Schema-guided walks.

/**
 * The fields an object sets (upstream TypedValue.ToFieldSet): every scalar, atomic list/map and list
 * item, plus map entries that are not declared struct fields. With `errors`, the object is checked as an
 * applied configuration: bad or duplicate list keys are reported (in upstream wording) instead of tolerated.
 */
export function toFieldSet(value: unknown, t: FieldType, errors?: string[]): FieldSet {
  const n = collect(value, t, errors, []);
  return n ? make(false, n.children) : EMPTY;
}

function collect(v: unknown, t: FieldType, errors: string[] | undefined, path: PathElement[]): FieldSet | undefined {
  const shape = shapeOf(t, v);
  if (shape === 'leaf') return LEAF;
  let children: Map<PathElement, FieldSet> | undefined;
  if (shape === 'map') {
    if (!isObject(v)) return undefined;
    for (const k of Object.keys(v)) {
      const { type, declared } = childType(t, k);
      const pe = fieldPE(k);
      path.push(pe);
      let c = collect(v[k], type, errors, path);
      path.pop();
      if (!declared) c = withMember(c);
      if (c) (children ??= new Map()).set(pe, c);
    }
  } else {
    if (!Array.isArray(v)) return undefined;
    const lt = t as ListType;
    const et = elemType(lt);
    for (let i = 0; i < v.length; i++) {
      let pe = itemPE(lt, v[i]);
      if (typeof pe !== 'string') {
        if (errors) {
          errors.push(`${pathToString(path)}: element ${i}: ${pe.error}`);
          continue;
        }
        pe = indexPE(i);
      }
      children ??= new Map();
      const prev = children.get(pe);
      if (prev && errors) errors.push(`${pathToString(path)}: duplicate entries for key ${peToString(pe)}`);
      path.push(pe);
      const c = withMember(collect(v[i], et, errors, path));
      path.pop();
      children.set(pe, prev ? unionNode(prev, c) : c);
    }
  }
  return children ? make(false, children) : undefined;
}

function withMember(n: FieldSet | undefined): FieldSet {
  if (!n) return LEAF;
  return n.member ? n : make(true, n.children);
}

/** A set of field-name paths, e.g. [['status'], ['metadata', 'labels']] for reset fields. */
export function fieldNamePaths(paths: readonly (readonly string[])[]): FieldSet {
  return FieldSet.fromPaths(paths.map((p) => p.map(fieldPE)));
}

// ---------------------------------------------------------------------------------------------
// JSON helpers shared by the apply code (isObject comes from json-value.ts).

export function isEmptyObject(o: Record<string, unknown>): boolean {
  for (const k in o) if (Object.hasOwn(o, k)) return false;
  return true;
}

export { deepEqual } from '../equality.js';
