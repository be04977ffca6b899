// Generates src/openapi/definitions.json: the OpenAPI v3 component schemas of every type reachable
// from the kinds k8ts serves, in the shape of upstream's /openapi/v3 documents.
//
// Source of truth: the `kubernetes-types` package, whose .d.ts files are generated from the
// official OpenAPI spec and carry every field description as JSDoc. This script reads them with
// the TypeScript compiler API (syntax only: the declarations are plain interfaces and aliases),
// then adds the facts the TypeScript types cannot express, kept as small tables in
// src/openapi/field-formats.ts (int64 / float / byte formats) and src/openapi/patch-meta.ts
// (patch strategies, merge keys, list and map types).
//
// Usage: npx tsx scripts/gen-openapi.ts        (writes src/openapi/definitions.json)
//        npx tsx scripts/gen-openapi.ts --check (exit 1 when the committed file is stale)

import ts from 'typescript';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BYTE_FIELDS, FLOAT_FIELDS, INT64_FIELDS } from '../src/openapi/field-formats.js';
import { DEFINITION_MAP_TYPE, PROPERTY_PATCH_META } from '../src/openapi/patch-meta.js';

export type JsonSchema = { [key: string]: unknown };
export type Definitions = Record<string, JsonSchema>;

const REF_PREFIX = '#/components/schemas/';
export const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** The root types: every kind k8ts serves, its List, and the meta types its endpoints use. */
export const ROOT_TYPES: Readonly<Record<string, readonly string[]>> = {
  'core/v1': [
    'Pod', 'ReplicationController', 'Namespace', 'Node', 'Event', 'PersistentVolumeClaim', 'PersistentVolume',
    'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'PodTemplate', 'Endpoints',
  ].flatMap((k) => [k, `${k}List`]).concat(['Binding']),
  'apps/v1': ['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision'].flatMap((k) => [k, `${k}List`]),
  'batch/v1': ['Job', 'JobList', 'CronJob', 'CronJobList'],
  'coordination/v1': ['Lease', 'LeaseList'],
  'discovery/v1': ['EndpointSlice', 'EndpointSliceList'],
  'events/v1': ['Event', 'EventList'],
  'autoscaling/v1': ['Scale'],
  'policy/v1': ['Eviction', 'PodDisruptionBudget', 'PodDisruptionBudgetList'],
  'node/v1': ['RuntimeClass', 'RuntimeClassList'],
  'storage/v1': ['StorageClass', 'StorageClassList'],
  'meta/v1': ['DeleteOptions', 'Status', 'WatchEvent', 'Patch'],
};

/** Meta types whose apiVersion/kind are not literal in the declarations, but which upstream
 * registers in every group version (DeleteOptions, WatchEvent) or in core v1 only (Status). */
const PER_GROUP_VERSION_KINDS = ['DeleteOptions', 'WatchEvent'];
const META_PACKAGE = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Package prefix of a kubernetes-types module path ("apps/v1" → io.k8s.api.apps.v1). */
export function packageOf(modulePath: string): string {
  switch (modulePath) {
    case 'meta/v1': return META_PACKAGE;
    case 'api/resource': return 'io.k8s.apimachinery.pkg.api.resource';
    case 'runtime': return 'io.k8s.apimachinery.pkg.runtime';
    case 'version': return 'io.k8s.apimachinery.pkg.version';
    case 'apiextensions/v1': return 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';
    default: return `io.k8s.api.${modulePath.replace(/\//g, '.')}`;
  }
}

/** Named aliases whose wire form needs more than their TypeScript alias says. */
const SPECIAL_ALIASES: Record<string, JsonSchema> = {
  [`${META_PACKAGE}.Time`]: { type: 'string', format: 'date-time' },
  [`${META_PACKAGE}.MicroTime`]: { type: 'string', format: 'date-time' },
  // A Quantity is written as a string but also accepted as a JSON number (upstream: oneOf).
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    oneOf: [{ type: 'string' }, { type: 'number' }],
    'x-kubernetes-int-or-string': true,
  },
};

/** The hand-kept facts merged into the generated schemas (overridable for tests). */
export interface Facts {
  int64: readonly string[];
  floats: readonly string[];
  bytes: readonly string[];
  propertyPatchMeta: Readonly<Record<string, object>>;
  definitionMapType: Readonly<Record<string, string>>;
}

export const DEFAULT_FACTS: Facts = {
  int64: INT64_FIELDS,
  floats: FLOAT_FIELDS,
  bytes: BYTE_FIELDS,
  propertyPatchMeta: PROPERTY_PATCH_META,
  definitionMapType: DEFINITION_MAP_TYPE,
};

interface ModuleInfo {
  path: string;
  decls: Map<string, ts.InterfaceDeclaration | ts.TypeAliasDeclaration>;
  imports: Map<string, string>; // local name → module path
  text: string;
}

export function locateKubernetesTypes(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('kubernetes-types/package.json'));
}

/** The JSDoc text directly before a declaration, without comment markers. */
function jsDocText(node: ts.Node, text: string): string | undefined {
  const ranges = ts.getLeadingCommentRanges(text, node.getFullStart());
  const last = ranges?.filter((r) => text.startsWith('/**', r.pos)).pop();
  if (!last) return undefined;
  const body = text.slice(last.pos + 3, last.end - 2);
  const lines = body.split('\n').map((line, i) => {
    if (i === 0) return line.trim();
    return line.replace(/^\s*\* ?/, '').replace(/^\s*\*$/, '').trimEnd();
  });
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const result = lines.join('\n').trim();
  return result === '' ? undefined : result;
}

function propName(name: ts.PropertyName): string {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  throw new Error(`unsupported property name kind ${ts.SyntaxKind[name.kind]}`);
}

class Generator {
  private readonly modules = new Map<string, ModuleInfo>();
  private readonly defs: Definitions = {};
  private readonly queue: { module: string; name: string }[] = [];
  private readonly int64: Set<string>;
  private readonly floats: Set<string>;
  private readonly bytes: Set<string>;

  constructor(
    private readonly typesDir: string,
    private readonly facts: Facts,
  ) {
    this.int64 = new Set(facts.int64);
    this.floats = new Set(facts.floats);
    this.bytes = new Set(facts.bytes);
  }

  run(): Definitions {
    for (const [mod, names] of Object.entries(ROOT_TYPES)) for (const name of names) this.enqueue(mod, name);
    while (this.queue.length > 0) {
      const { module, name } = this.queue.shift()!;
      const defName = `${packageOf(module)}.${name}`;
      if (this.defs[defName] !== undefined) continue;
      this.defs[defName] = {}; // reserve first: types may refer to themselves
      this.defs[defName] = this.convertDeclaration(module, name, defName);
    }
    this.addMetaGroupVersionKinds();
    this.checkFormatTables();
    this.applyPatchMeta();
    return sortKeysDeep(this.defs) as Definitions;
  }

  private module(modPath: string): ModuleInfo {
    let info = this.modules.get(modPath);
    if (info) return info;
    const file = path.join(this.typesDir, `${modPath}.d.ts`);
    const text = readFileSync(file, 'utf8');
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    info = { path: modPath, decls: new Map(), imports: new Map(), text };
    for (const stmt of sf.statements) {
      if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(modPath), stmt.moduleSpecifier.text));
        const bindings = stmt.importClause?.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const el of bindings.elements) info.imports.set(el.name.text, target);
        }
      } else if (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) {
        info.decls.set(stmt.name.text, stmt);
      }
    }
    this.modules.set(modPath, info);
    return info;
  }

  private enqueue(module: string, name: string): string {
    const defName = `${packageOf(module)}.${name}`;
    if (this.defs[defName] === undefined) this.queue.push({ module, name });
    return defName;
  }

  private convertDeclaration(modPath: string, name: string, defName: string): JsonSchema {
    const mod = this.module(modPath);
    const decl = mod.decls.get(name);
    if (!decl) throw new Error(`kubernetes-types ${modPath} has no declaration ${name}`);
    const description = jsDocText(decl, mod.text);
    const out: JsonSchema = {};
    if (description) out.description = description;

    if (ts.isTypeAliasDeclaration(decl)) {
      const special = SPECIAL_ALIASES[defName];
      return { ...out, ...(special ?? this.convertType(decl.type, mod, `${defName}`)) };
    }
    if (decl.heritageClauses?.length) throw new Error(`${defName}: interface inheritance is not supported`);

    const members = decl.members.filter(ts.isPropertySignature);
    if (members.length === 0) {
      // RawExtension, FieldsV1, Patch: arbitrary JSON objects that strict decoding does not look into.
      return { ...out, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    let apiVersion: string | undefined;
    let kind: string | undefined;
    for (const m of members) {
      const prop = propName(m.name);
      if (!m.type) throw new Error(`${defName}.${prop}: missing type`);
      if (!m.questionToken) required.push(prop);
      if (ts.isLiteralTypeNode(m.type) && ts.isStringLiteral(m.type.literal)) {
        if (prop === 'apiVersion') apiVersion = m.type.literal.text;
        if (prop === 'kind') kind = m.type.literal.text;
      }
      properties[prop] = this.convertProperty(m, mod, defName, prop);
    }
    Object.assign(out, { type: 'object', properties });
    if (required.length > 0) out.required = required;
    if (apiVersion !== undefined && kind !== undefined) {
      const slash = apiVersion.indexOf('/');
      const group = slash < 0 ? '' : apiVersion.slice(0, slash);
      const version = apiVersion.slice(slash + 1);
      out['x-kubernetes-group-version-kind'] = [{ group, kind, version }];
    }
    const mapType = this.facts.definitionMapType[defName];
    if (mapType) out['x-kubernetes-map-type'] = mapType;
    return out;
  }

  private convertProperty(m: ts.PropertySignature, mod: ModuleInfo, defName: string, prop: string): JsonSchema {
    const schema = this.convertType(m.type!, mod, `${defName}.${prop}`);
    const description = jsDocText(m, mod.text);
    if (typeof schema.$ref === 'string') {
      // Upstream wraps a described reference so that both the field's and the type's text survive
      // (kubectl explain prints both).
      return description ? { allOf: [schema], description } : schema;
    }
    return description ? { ...schema, description } : schema;
  }

  /** `key` is `<definition>.<property>`, used to look up format facts. */
  private convertType(t: ts.TypeNode, mod: ModuleInfo, key: string): JsonSchema {
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return this.bytes.has(key) ? { type: 'string', format: 'byte' } : { type: 'string' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.NumberKeyword:
        if (this.floats.has(key)) return { type: 'number', format: 'double' };
        return { type: 'integer', format: this.int64.has(key) ? 'int64' : 'int32' };
    }
    if (ts.isLiteralTypeNode(t) && ts.isStringLiteral(t.literal)) return { type: 'string' };
    if (ts.isParenthesizedTypeNode(t)) return this.convertType(t.type, mod, key);
    if (ts.isArrayTypeNode(t)) return { type: 'array', items: this.convertType(t.elementType, mod, key) };
    if (ts.isUnionTypeNode(t)) {
      const kinds = t.types.map((x) => x.kind).sort();
      const numOrString = [ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.StringKeyword].sort();
      if (kinds.length === 2 && kinds[0] === numOrString[0] && kinds[1] === numOrString[1]) {
        if (this.defs[INT_OR_STRING] === undefined) this.defs[INT_OR_STRING] = intOrStringDefinition();
        return { $ref: REF_PREFIX + INT_OR_STRING };
      }
      throw new Error(`${key}: unsupported union type`);
    }
    if (ts.isTypeLiteralNode(t)) {
      const [sig, ...rest] = t.members;
      if (sig && rest.length === 0 && ts.isIndexSignatureDeclaration(sig)) {
        return { type: 'object', additionalProperties: this.convertType(sig.type, mod, key) };
      }
      throw new Error(`${key}: unsupported inline object type`);
    }
    if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) {
      const name = t.typeName.text;
      if (name === 'Array' && t.typeArguments?.length === 1) {
        return { type: 'array', items: this.convertType(t.typeArguments[0]!, mod, key) };
      }
      const target = mod.decls.has(name) ? mod.path : mod.imports.get(name);
      if (target === undefined) throw new Error(`${key}: cannot resolve type ${name}`);
      return { $ref: REF_PREFIX + this.enqueue(target, name) };
    }
    throw new Error(`${key}: unsupported type syntax ${ts.SyntaxKind[t.kind]}`);
  }

  /** DeleteOptions and WatchEvent are registered in every group version served; Status in core v1. */
  private addMetaGroupVersionKinds(): void {
    const gvs = new Map<string, { group: string; version: string }>();
    for (const def of Object.values(this.defs)) {
      const gvks = def['x-kubernetes-group-version-kind'] as { group: string; version: string }[] | undefined;
      for (const { group, version } of gvks ?? []) gvs.set(`${group}/${version}`, { group, version });
    }
    const sorted = [...gvs.values()].sort((a, b) => (a.group + '/' + a.version).localeCompare(b.group + '/' + b.version));
    for (const kind of PER_GROUP_VERSION_KINDS) {
      const def = this.defs[`${META_PACKAGE}.${kind}`];
      if (def) def['x-kubernetes-group-version-kind'] = sorted.map(({ group, version }) => ({ group, kind, version }));
    }
    const status = this.defs[`${META_PACKAGE}.Status`];
    if (status) status['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'Status', version: 'v1' }];
  }

  private property(key: string): JsonSchema | undefined {
    const dot = key.lastIndexOf('.');
    const def = this.defs[key.slice(0, dot)];
    if (!def) return undefined; // a fact about a type k8ts does not serve
    const props = def.properties as Record<string, JsonSchema> | undefined;
    const prop = props?.[key.slice(dot + 1)];
    if (!prop) throw new Error(`fact table names ${key}, but the definition has no such property`);
    return prop;
  }

  private checkFormatTables(): void {
    for (const key of [...this.facts.int64, ...this.facts.floats, ...this.facts.bytes]) this.property(key);
  }

  private applyPatchMeta(): void {
    for (const [key, meta] of Object.entries(this.facts.propertyPatchMeta)) {
      const prop = this.property(key);
      if (!prop) continue;
      if (typeof prop.$ref === 'string') {
        // A bare reference cannot carry siblings in OpenAPI 3.0: wrap it like upstream does.
        const ref = prop.$ref;
        delete prop.$ref;
        prop.allOf = [{ $ref: ref }];
      }
      Object.assign(prop, meta);
    }
  }
}

function intOrStringDefinition(): JsonSchema {
  // kubernetes-types inlines IntOrString as `number | string`, so it carries no doc text for it.
  return {
    description: 'IntOrString is a type that can hold an int32 or a string. It is marshalled as the inner type: ' +
      'a JSON number for an int, a JSON string for a string, so a field can accept e.g. a port number or a port name.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  };
}

export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Builds the definitions in memory (deterministic: same input, same output). */
export function generateDefinitions(typesDir: string = locateKubernetesTypes(), facts: Facts = DEFAULT_FACTS): Definitions {
  return new Generator(typesDir, facts).run();
}

/** The committed file's exact text. */
export function serializeDefinitions(defs: Definitions): string {
  return JSON.stringify(sortKeysDeep(defs), null, 1) + '\n';
}

/** Repository root: the nearest ancestor holding package.json and tsconfig.json (works from scripts/ and dist/scripts/). */
export function repoRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!(existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'tsconfig.json')))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no repository root above ${from}`);
    dir = parent;
  }
  return dir;
}

export const DEFINITIONS_PATH = 'src/openapi/definitions.json';

function main(): void {
  const target = path.join(repoRoot(), DEFINITIONS_PATH);
  const text = serializeDefinitions(generateDefinitions());
  if (process.argv.includes('--check')) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error(`${DEFINITIONS_PATH} is stale: run npx tsx scripts/gen-openapi.ts`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(target, text);
  console.log(`wrote ${DEFINITIONS_PATH}: ${Object.keys(JSON.parse(text)).length} definitions, ${text.length} bytes`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
