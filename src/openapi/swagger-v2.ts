// The Swagger 2.0 document served at /openapi/v2 (JSON form; gnostic-encode.ts turns it into the
// protobuf kubectl asks for).
//
// Who reads it: kubectl 1.27 and 1.28 (and client-side apply of later versions) fetch only v2.
// - `apply`/`create -f` decide whether the server validates fields by finding the first PATCH
//   operation whose `x-kubernetes-group-version-kind` (a map) matches the kind and looking for an
//   inline query parameter named `fieldValidation` among that operation's own parameters.
// - `explain` and client-side validation parse every definition with kube-openapi's proto models,
//   which reject a `$ref` schema carrying `type` or `properties`, refs outside `#/definitions/`,
//   arrays without exactly one `items` schema, and schemas with several types. One bad definition
//   fails the whole document, so the conversion below keeps every schema inside those rules.
// - client-side apply reads `x-kubernetes-patch-strategy`/`-merge-key` from property schemas to
//   build strategic merge patches, so extensions on a property stay next to its `$ref`.
//
// The paths come from the v3 builder (one source of truth for which operations exist) and are
// translated: parameters lose their `schema` wrapper, request bodies become `in: body`
// parameters plus `consumes`, response content becomes `schema` plus `produces`.

import type { KindDef } from '../kinds/types.js';
import { buildGroupVersionDocument, type GroupVersion } from './document.js';
import { definitions as committedDefinitions, type Definitions, type JsonSchema } from './schemas.js';

const V3_REF = '#/components/schemas/';
const V2_REF = '#/definitions/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** One Swagger 2.0 document covering every served group version, with definitions under `#/definitions/`. */
export function buildSwaggerV2(
  groupVersions: readonly GroupVersion[],
  kindsOf: (group: string, version: string) => readonly KindDef[],
  defs: Definitions = committedDefinitions,
): Record<string, unknown> {
  const paths: Record<string, JsonSchema> = {};
  const definitions: Record<string, JsonSchema> = {};
  for (const { group, version } of groupVersions) {
    const kinds = kindsOf(group, version);
    if (kinds.length === 0) continue;
    const v3 = buildGroupVersionDocument(group, version, kinds, defs);
    const schemas = (v3.components as { schemas: Record<string, JsonSchema> }).schemas;
    // Group versions share definitions (ObjectMeta, Status...): identical, so the first copy wins.
    for (const [name, schema] of Object.entries(schemas)) definitions[name] ??= convertSchema(schema);
    for (const [path, item] of Object.entries(v3.paths as Record<string, JsonSchema>)) paths[path] = convertPathItem(item);
  }
  return {
    definitions: sorted(definitions),
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths: sorted(paths),
    swagger: '2.0',
  };
}

// ---------------------------------------------------------------------------------------------
// Schemas

/**
 * A v3 component schema in v2 form: `$ref`s point at `#/definitions/`, a single-`allOf` reference
 * (v3's way of giving a reference a description or extensions) becomes a `$ref` with siblings as
 * upstream's v2 document has, and a `oneOf` scalar (IntOrString, Quantity) becomes a string.
 */
export function convertSchema(schema: JsonSchema): JsonSchema {
  const allOf = schema.allOf as JsonSchema[] | undefined;
  if (allOf && allOf.length === 1 && typeof allOf[0]!.$ref === 'string') {
    const { allOf: _drop, ...rest } = schema;
    return convertSchema({ ...rest, $ref: allOf[0]!.$ref });
  }
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    switch (key) {
      case '$ref':
        out.$ref = rewriteRef(value as string);
        break;
      case 'properties': {
        const props: Record<string, JsonSchema> = {};
        for (const [name, sub] of Object.entries(value as Record<string, JsonSchema>)) props[name] = convertSchema(sub);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = convertSchema(value as JsonSchema);
        break;
      case 'additionalProperties':
        out.additionalProperties = typeof value === 'boolean' ? value : convertSchema(value as JsonSchema);
        break;
      case 'allOf':
        out.allOf = (value as JsonSchema[]).map(convertSchema);
        break;
      case 'oneOf':
      case 'anyOf':
      case 'not':
      case 'nullable':
        // Not in Swagger 2.0; the scalar unions are described by `format`/`x-kubernetes-int-or-string`.
        break;
      default:
        out[key] = value;
    }
  }
  if (schema.oneOf !== undefined && out.type === undefined && out.$ref === undefined) out.type = 'string';
  if (out.$ref !== undefined) {
    // kube-openapi rejects a reference that also declares a type or inline properties.
    delete out.type;
    delete out.properties;
  }
  return out;
}

function rewriteRef(ref: string): string {
  return ref.startsWith(V3_REF) ? V2_REF + ref.slice(V3_REF.length) : ref;
}

// ---------------------------------------------------------------------------------------------
// Paths

function convertPathItem(item: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const method of METHODS) {
    const op = item[method] as JsonSchema | undefined;
    if (op) out[method] = convertOperation(op);
  }
  const params = item.parameters as JsonSchema[] | undefined;
  if (params) out.parameters = params.map(convertParameter);
  return out;
}

function convertOperation(op: JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  const parameters: JsonSchema[] = [];
  const body = op.requestBody as { content: Record<string, { schema: JsonSchema }>; required?: boolean } | undefined;
  if (body) {
    const types = Object.keys(body.content);
    out.consumes = types;
    const body2: JsonSchema = { in: 'body', name: 'body', schema: convertSchema(body.content[types[0]!]!.schema) };
    if (body.required) body2.required = true;
    parameters.push(body2);
  } else {
    out.consumes = ['*/*'];
  }
  for (const p of (op.parameters as JsonSchema[] | undefined) ?? []) parameters.push(convertParameter(p));

  const responses: Record<string, JsonSchema> = {};
  let produces: string[] | undefined;
  for (const [code, r] of Object.entries(op.responses as Record<string, JsonSchema>)) {
    const content = r.content as Record<string, { schema: JsonSchema }> | undefined;
    const r2: JsonSchema = { description: r.description };
    if (content) {
      const types = Object.keys(content);
      produces ??= types;
      r2.schema = convertSchema(content[types[0]!]!.schema);
    }
    responses[code] = r2;
  }

  for (const [key, value] of Object.entries(op)) {
    if (key !== 'requestBody' && key !== 'parameters' && key !== 'responses') out[key] = value;
  }
  if (parameters.length > 0) out.parameters = parameters;
  if (produces) out.produces = produces;
  out.responses = responses;
  out.schemes = ['https'];
  return out;
}

/** A v3 query/path parameter `{name, in, schema: {type, uniqueItems}}` as v2 `{name, in, type, uniqueItems}`. */
function convertParameter(p: JsonSchema): JsonSchema {
  const { schema, ...rest } = p;
  return { ...rest, ...((schema as JsonSchema | undefined) ?? {}) };
}

function sorted<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
