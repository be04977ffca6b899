// Strict field validation (fieldValidation=Strict|Warn): unknown and duplicate fields, reported
// with upstream's exact wording.
//
// Upstream (apimachinery's JSON serializer in strict mode, sigs.k8s.io/json underneath):
// - unknown fields:   `unknown field "spec.template.spec.containers[0].imagee"`
// - duplicate fields: `duplicate field "metadata.name"` (JSON bodies)
// - YAML bodies are first checked by the strict YAML→JSON converter, whose duplicate-key error is
//   one message: `yaml: unmarshal errors:\n  line 5: key "name" already set in map` (one line
//   per duplicate); unknown fields come after it, found in the converted JSON (sorted keys).
// - all of them joined: `strict decoding error: <e1>, <e2>`, and on create/update wrapped as
//   `Pod in version "v1" cannot be handled as a Pod: strict decoding error: ...` (400 BadRequest).
// - Warn: one warning per error; a YAML duplicate error is split into one warning per line.

import { fieldErr, type FieldError } from '../api/errors.js';
import type { SchemaNode } from '../api/schema.js';
import { LineCounter, parseDocument, isMap, isScalar, isSeq, type Node as YamlNode } from 'yaml';

export interface UnknownFieldOptions {
  /** Skip SMP directives (`$patch`, `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`). */
  patchDirectives?: boolean;
  /** Visit object keys in sorted order (what upstream does for YAML bodies, after YAML→JSON). */
  sortKeys?: boolean;
}

const EMBEDDED_KEYS = new Set(['apiVersion', 'kind', 'metadata']);

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/** The schema node for `key` inside an object node, or undefined when the key is unknown. */
function fieldSchema(node: SchemaNode, key: string): SchemaNode | undefined {
  if (node.properties && Object.prototype.hasOwnProperty.call(node.properties, key)) return node.properties[key];
  return undefined;
}

/** True when `key` is allowed in an object described by `node` without a schema of its own. */
function keyAllowed(node: SchemaNode, key: string, opts: UnknownFieldOptions): boolean {
  if (node['x-kubernetes-preserve-unknown-fields']) return true;
  if (node['x-kubernetes-embedded-resource'] && EMBEDDED_KEYS.has(key)) return true;
  return !!opts.patchDirectives && key.startsWith('$');
}

/**
 * Paths of fields the schema does not declare, in upstream's notation (`spec.foo`,
 * `spec.containers[0].imagee`, map values as `metadata.labels.x`). Values under an unknown field,
 * under `x-kubernetes-preserve-unknown-fields` or under int-or-string scalars are not looked into.
 */
export function findUnknownFields(obj: unknown, schema: SchemaNode, opts: UnknownFieldOptions = {}): string[] {
  const out: string[] = [];
  walkValue(obj, schema, '', opts, out);
  return out;
}

function walkValue(value: unknown, node: SchemaNode | undefined, path: string, opts: UnknownFieldOptions, out: string[]): void {
  if (!node || value === null || typeof value !== 'object' || node['x-kubernetes-int-or-string']) return;
  if (Array.isArray(value)) {
    if (node.items) for (let i = 0; i < value.length; i++) walkValue(value[i], node.items, `${path}[${i}]`, opts, out);
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = opts.sortKeys ? Object.keys(record).sort() : Object.keys(record);
  if (node.properties) {
    for (const key of keys) {
      const sub = fieldSchema(node, key);
      if (sub) walkValue(record[key], sub, childPath(path, key), opts, out);
      else if (!keyAllowed(node, key, opts)) out.push(childPath(path, key));
    }
  } else if (node.additionalProperties && typeof node.additionalProperties === 'object') {
    const valueNode = node.additionalProperties;
    for (const key of keys) walkValue(record[key], valueNode, childPath(path, key), opts, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Raw JSON scanning: duplicates (and, given a schema, unknown fields) in document order.

interface JsonIssue {
  kind: 'duplicate' | 'unknown';
  path: string;
}

/**
 * Walks JSON text without building values. JSON.parse keeps only the last of duplicate keys, so
 * duplicates can only be seen here. The body is expected to be valid JSON (parsed before);
 * on malformed input the scan stops and returns what it found.
 */
class JsonScanner {
  private i = 0;
  readonly issues: JsonIssue[] = [];

  constructor(
    private readonly s: string,
    private readonly opts: UnknownFieldOptions,
  ) {}

  scan(schema: SchemaNode | undefined): void {
    try {
      this.value('', schema);
    } catch {
      // Malformed JSON: the caller's parser reports it.
    }
  }

  private ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.i);
  }

  private value(path: string, node: SchemaNode | undefined): void {
    this.ws();
    const c = this.s[this.i];
    if (c === '{') this.object(path, node);
    else if (c === '[') this.array(path, node);
    else if (c === '"') this.string();
    else this.literal();
  }

  private object(path: string, node: SchemaNode | undefined): void {
    this.i++; // {
    const seen = new Set<string>();
    const check = node && !node['x-kubernetes-int-or-string'] ? node : undefined;
    const mapValues = check && !check.properties && typeof check.additionalProperties === 'object' ? check.additionalProperties : undefined;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string();
      const p = childPath(path, key);
      if (seen.has(key)) this.issues.push({ kind: 'duplicate', path: p });
      else seen.add(key);
      this.ws();
      if (this.s[this.i] !== ':') throw new Error('expected :');
      this.i++;
      let sub: SchemaNode | undefined;
      if (check?.properties) {
        sub = fieldSchema(check, key);
        if (!sub && !keyAllowed(check, key, this.opts)) this.issues.push({ kind: 'unknown', path: p });
      } else sub = mapValues;
      this.value(p, sub);
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return;
      if (c !== ',') throw new Error('expected , or }');
    }
  }

  private array(path: string, node: SchemaNode | undefined): void {
    this.i++; // [
    const items = node?.items;
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.value(`${path}[${n}]`, items);
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return;
      if (c !== ',') throw new Error('expected , or ]');
    }
  }

  /** Reads a string token and returns its value (escapes decoded only when present). */
  private string(): string {
    const s = this.s;
    if (s[this.i] !== '"') throw new Error('expected string');
    const start = ++this.i;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(this.i);
      if (Number.isNaN(c)) throw new Error('unterminated string');
      if (c === 92 /* \ */) {
        escaped = true;
        this.i += 2;
      } else if (c === 34 /* " */) {
        const raw = s.slice(start, this.i++);
        return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
      } else this.i++;
    }
  }

  private literal(): void {
    const s = this.s;
    const start = this.i;
    for (;;) {
      const c = s[this.i];
      if (c === undefined || c === ',' || c === '}' || c === ']' || c === ' ' || c === '\n' || c === '\r' || c === '\t') break;
      this.i++;
    }
    if (this.i === start) throw new Error('unexpected token');
  }
}

// ---------------------------------------------------------------------------------------------
// YAML duplicate keys.

interface YamlDuplicate {
  path: string;
  line: number; // 1-based line of the repeated key
  key: string;
}

function yamlDuplicates(raw: string): YamlDuplicate[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(raw, { uniqueKeys: false, lineCounter, prettyErrors: false });
  const out: YamlDuplicate[] = [];
  const visit = (node: unknown, path: string): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        const key = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        if (seen.has(key)) {
          const pos = keyNode?.range ? lineCounter.linePos(keyNode.range[0]) : { line: 0 };
          out.push({ path: childPath(path, key), line: pos.line, key });
        } else seen.add(key);
        visit(pair.value, childPath(path, key));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, `${path}[${i}]`));
    }
  };
  visit(doc.contents, '');
  return out;
}

/** Go's %#v of a string (close enough: JSON quoting matches strconv.Quote for printable text). */
function goQuote(s: string): string {
  return JSON.stringify(s);
}

/**
 * The strict YAML→JSON converter's error for duplicate keys, or undefined when there is none:
 * `yaml: unmarshal errors:\n  line 4: key "name" already set in map`.
 */
export function yamlDuplicateKeysError(raw: string): string | undefined {
  const dups = yamlDuplicates(raw);
  if (dups.length === 0) return undefined;
  return 'yaml: unmarshal errors:\n' + dups.map((d) => `  line ${d.line}: key ${goQuote(d.key)} already set in map`).join('\n');
}

/** Paths of keys repeated within one object of the raw body (`metadata.name`, `spec.containers[0].name`). */
export function findDuplicateFields(raw: string, contentType: 'json' | 'yaml'): string[] {
  if (contentType === 'yaml') return yamlDuplicates(raw).map((d) => d.path);
  const scanner = new JsonScanner(raw, {});
  scanner.scan(undefined);
  return scanner.issues.map((i) => i.path);
}

// ---------------------------------------------------------------------------------------------
// Messages.

export interface StrictCheckInput {
  /** The decoded body. */
  value: unknown;
  /** The schema of the kind the body is decoded into. */
  schema: SchemaNode;
  /** The raw body text; absent for protobuf (upstream does no strict checks on protobuf). */
  raw?: string;
  contentType: 'json' | 'yaml' | 'protobuf';
  /** The body is a strategic merge patch: `$` directives are not unknown fields. */
  patchDirectives?: boolean;
}

/**
 * Every strict decoding error of a body, worded and ordered as upstream's decoder reports them:
 * JSON: duplicates and unknown fields in document order; YAML: the YAML duplicate-key error
 * first, then unknown fields in sorted-key order. Empty when the body is clean.
 */
export function strictDecodingErrors(input: StrictCheckInput): string[] {
  const opts: UnknownFieldOptions = { patchDirectives: input.patchDirectives };
  if (input.contentType === 'protobuf') return [];
  if (input.contentType === 'json' && input.raw !== undefined) {
    const scanner = new JsonScanner(input.raw, opts);
    scanner.scan(input.schema);
    return scanner.issues.map((i) => `${i.kind} field "${i.path}"`);
  }
  const errors: string[] = [];
  if (input.contentType === 'yaml' && input.raw !== undefined) {
    const dup = yamlDuplicateKeysError(input.raw);
    if (dup) errors.push(dup);
  }
  for (const p of findUnknownFields(input.value, input.schema, { ...opts, sortKeys: input.contentType === 'yaml' })) {
    errors.push(`unknown field "${p}"`);
  }
  return errors;
}

/** `strict decoding error: <e1>, <e2>` (runtime.NewStrictDecodingError). */
export function strictDecodingError(errors: readonly string[]): string {
  return `strict decoding error: ${errors.join(', ')}`;
}

/**
 * The BadRequest message of a create/update whose body fails strict decoding, e.g.
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
 * `kind`/`version` come from the body's apiVersion/kind; `intoKind` is the kind of the endpoint.
 */
export function strictDecodingMessage(kind: string, version: string, errors: readonly string[], intoKind: string = kind): string {
  return `${kind} in version ${goQuote(version)} cannot be handled as a ${intoKind}: ${strictDecodingError(errors)}`;
}

/**
 * Upstream's message when the body names no kind:
 * `the object provided is unrecognized (must be of type Pod): <err> (<first 30 bytes> ...)`.
 */
export function unrecognizedObjectMessage(intoKind: string, error: string, body: string): string {
  return `the object provided is unrecognized (must be of type ${intoKind}): ${error} (${summarizeBody(body, 30)})`;
}

function summarizeBody(body: string, max: number): string {
  if (body.length === 0) return '<empty>';
  const bytes = Buffer.from(body, 'utf8');
  if (body[0] === '{') return bytes.length > max ? `${bytes.subarray(0, max).toString('utf8')} ...` : body;
  return bytes.length > max ? `${bytes.subarray(0, max).toString('hex')} ...` : bytes.toString('hex');
}

/**
 * Warnings for fieldValidation=Warn: one per error, the YAML duplicate-key error split into one
 * per line (`line 4: key "name" already set in map`). Sent as `Warning: 299 - "<text>"` headers;
 * kubectl prints `Warning: unknown field "spec.foo"`.
 */
export function warningsFor(errors: readonly string[]): string[] {
  const out: string[] = [];
  for (const e of errors) {
    const prefix = ['yaml: unmarshal errors:\n', 'error converting YAML to JSON: yaml: unmarshal errors:\n'].find((p) => e.startsWith(p));
    if (prefix === undefined) out.push(e);
    else out.push(...e.slice(prefix.length).split('\n').map((s) => s.trim()));
  }
  return out;
}

/**
 * The field error of a patch that fails strict decoding (upstream answers 422 with no kind or
 * name: kubectl prints `The request is invalid: patch: Invalid value: "map[spec:map[foo:1]]":
 * strict decoding error: unknown field "spec.foo"`). `value` is the patch map for strategic
 * merge patches (render it with goMapString) and the patched object's JSON for JSON/merge patches.
 */
export function patchStrictDecodingFieldError(value: string, errors: readonly string[]): FieldError {
  return fieldErr.invalid('patch', value, strictDecodingError(errors));
}

/** Go's `%+v` of a decoded JSON value (`map[a:1 b:[x y]]`, keys sorted, `<nil>` for null). */
export function goMapString(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goMapString).join(' ')}]`;
  if (typeof value === 'object') {
    const rec = value as Record<string, unknown>;
    return `map[${Object.keys(rec).sort().map((k) => `${k}:${goMapString(rec[k])}`).join(' ')}]`;
  }
  if (typeof value === 'number') return goFloat(value);
  return String(value);
}

/** Go prints integral JSON numbers as int64 (kjson preserves ints), others with %v of a float64:
 * shortest digits, exponent form when the exponent is below -4 or at least 6 (`1.5e+06`). */
function goFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return String(n);
  const [mantissa, e] = n.toExponential().split('e');
  const exp = Number(e);
  if (exp < -4 || exp >= 6) return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(n);
}
