// /openapi/v2: the Swagger 2.0 document, its gnostic protobuf encoding, and content negotiation.
//
// The protobuf is checked by decoding it with a small test-only decoder whose field numbers are
// written out here independently from the encoder (from gnostic's openapiv2/OpenAPIv2.proto), and
// by running kubectl's own fieldValidation-support check against the decoded messages.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { ResourceTable } from '../../src/apiserver/resources.js';
import { allKinds } from '../../src/kinds/registry.js';
import type { KindDef } from '../../src/kinds/types.js';
import { encodeSwaggerDocument } from '../../src/openapi/gnostic-encode.js';
import { buildSwaggerV2, convertSchema } from '../../src/openapi/swagger-v2.js';
import { negotiateOpenApiV2, OPENAPI_V2_PROTOBUF, OpenApiV2Documents } from '../../src/openapi/v2-endpoint.js';

type Json = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Test-only protobuf decoder.

type Raw = Map<number, (bigint | Uint8Array)[]>;

function decodeRaw(buf: Uint8Array): Raw {
  const out: Raw = new Map();
  let pos = 0;
  const varint = (): bigint => {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      const b = buf[pos++];
      assert.ok(b !== undefined, 'truncated varint');
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return v;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const wire = key & 7;
    let value: bigint | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 1) {
      value = buf.subarray(pos, pos + 8);
      pos += 8;
    } else if (wire === 2) {
      const n = Number(varint());
      value = buf.subarray(pos, pos + n);
      assert.equal(value.length, n, 'truncated length-delimited field');
      pos += n;
    } else throw new Error(`unexpected wire type ${wire}`);
    if (!out.has(field)) out.set(field, []);
    out.get(field)!.push(value);
  }
  return out;
}

const text = (b: bigint | Uint8Array) => Buffer.from(b as Uint8Array).toString('utf8');

/** Field tables (number → [JSON key, kind]) for the messages the document uses, from the .proto. */
type K = 'string' | 'bool' | 'strings' | 'double' | 'int64' | 'any' | 'anys' | { msg: string } | { each: string } | { map: string };
const MESSAGES: Record<string, { fields: Record<number, [string, K]>; vendor?: number }> = {
  Document: { fields: { 1: ['swagger', 'string'], 2: ['info', { msg: 'Info' }], 8: ['paths', { msg: 'Paths' }], 9: ['definitions', { map: 'Schema' }] }, vendor: 16 },
  Info: { fields: { 1: ['title', 'string'], 2: ['version', 'string'] }, vendor: 7 },
  PathItem: {
    fields: {
      2: ['get', { msg: 'Operation' }], 3: ['put', { msg: 'Operation' }], 4: ['post', { msg: 'Operation' }],
      5: ['delete', { msg: 'Operation' }], 8: ['patch', { msg: 'Operation' }], 9: ['parameters', { each: 'ParametersItem' }],
    },
    vendor: 10,
  },
  Operation: {
    fields: {
      1: ['tags', 'strings'], 3: ['description', 'string'], 5: ['operationId', 'string'], 6: ['produces', 'strings'],
      7: ['consumes', 'strings'], 8: ['parameters', { each: 'ParametersItem' }], 9: ['responses', { msg: 'Responses' }],
      10: ['schemes', 'strings'],
    },
    vendor: 13,
  },
  BodyParameter: { fields: { 1: ['description', 'string'], 2: ['name', 'string'], 3: ['in', 'string'], 4: ['required', 'bool'], 5: ['schema', { msg: 'Schema' }] }, vendor: 6 },
  QueryParameterSubSchema: {
    fields: { 1: ['required', 'bool'], 2: ['in', 'string'], 3: ['description', 'string'], 4: ['name', 'string'], 6: ['type', 'string'], 20: ['uniqueItems', 'bool'] },
    vendor: 23,
  },
  PathParameterSubSchema: {
    fields: { 1: ['required', 'bool'], 2: ['in', 'string'], 3: ['description', 'string'], 4: ['name', 'string'], 5: ['type', 'string'], 19: ['uniqueItems', 'bool'] },
    vendor: 22,
  },
  Response: { fields: { 1: ['description', 'string'] }, vendor: 5 },
  Schema: {
    fields: {
      1: ['$ref', 'string'], 2: ['format', 'string'], 4: ['description', 'string'], 5: ['default', 'any'], 7: ['maximum', 'double'],
      11: ['maxLength', 'int64'], 19: ['required', 'strings'], 20: ['enum', 'anys'], 24: ['allOf', { each: 'Schema' }],
      25: ['properties', { map: 'Schema' }],
    },
    vendor: 31,
  },
};

function decodeMessage(buf: Uint8Array, name: string): Json {
  const raw = decodeRaw(buf);
  const out: Json = {};
  const def = MESSAGES[name];
  for (const [field, values] of raw) {
    // Messages with oneofs or wrappers the tables cannot express.
    const special = decodeSpecial(name, field, values, out);
    if (special) continue;
    if (def?.vendor === field) {
      for (const v of values) {
        const na = decodeRaw(v as Uint8Array);
        const any = decodeRaw(na.get(2)![0] as Uint8Array);
        out[text(na.get(1)![0]!)] = parseYaml(text(any.get(2)![0]!), { version: '1.1' });
      }
      continue;
    }
    const spec = def?.fields[field];
    assert.ok(spec, `${name} field ${field} is not expected`);
    const [key, kind] = spec;
    if (kind === 'string') out[key] = text(values.at(-1)!);
    else if (kind === 'strings') out[key] = values.map(text);
    else if (kind === 'bool') out[key] = values.at(-1) === 1n;
    else if (kind === 'int64') out[key] = Number(BigInt.asIntN(64, values.at(-1) as bigint));
    else if (kind === 'double') out[key] = Buffer.from(values.at(-1) as Uint8Array).readDoubleLE(0);
    else if (kind === 'any') out[key] = parseYaml(text(decodeRaw(values.at(-1) as Uint8Array).get(2)![0]!), { version: '1.1' });
    else if (kind === 'anys') out[key] = values.map((v) => parseYaml(text(decodeRaw(v as Uint8Array).get(2)![0]!), { version: '1.1' }));
    else if ('msg' in kind) out[key] = decodeMessage(values.at(-1) as Uint8Array, kind.msg);
    else if ('each' in kind) out[key] = values.map((v) => decodeMessage(v as Uint8Array, kind.each));
    else {
      // Definitions / Properties: field 1 = repeated NamedSchema{1 name, 2 value}.
      const map: Json = {};
      for (const entry of decodeRaw(values.at(-1) as Uint8Array).get(1) ?? []) {
        const named = decodeRaw(entry as Uint8Array);
        map[text(named.get(1)![0]!)] = decodeMessage(named.get(2)![0] as Uint8Array, kind.map);
      }
      out[key] = map;
    }
  }
  return out;
}

function decodeSpecial(name: string, field: number, values: (bigint | Uint8Array)[], out: Json): boolean {
  const only = () => {
    assert.equal(values.length, 1, `${name} field ${field} appears once`);
    return values[0] as Uint8Array;
  };
  if (name === 'Paths' && field === 2) {
    for (const v of values) {
      const named = decodeRaw(v as Uint8Array);
      out[text(named.get(1)![0]!)] = decodeMessage(named.get(2)![0] as Uint8Array, 'PathItem');
    }
    return true;
  }
  if (name === 'ParametersItem') {
    assert.equal(field, 1, 'inline Parameter, not a JsonReference');
    const param = decodeRaw(only());
    if (param.has(1)) Object.assign(out, decodeMessage(param.get(1)![0] as Uint8Array, 'BodyParameter'));
    else {
      const nonBody = decodeRaw(param.get(2)![0] as Uint8Array);
      const [[which, [sub]]] = [...nonBody] as [number, Uint8Array[]][];
      Object.assign(out, decodeMessage(sub!, { 3: 'QueryParameterSubSchema', 4: 'PathParameterSubSchema' }[which]!));
    }
    return true;
  }
  if (name === 'Responses' && field === 1) {
    for (const v of values) {
      const named = decodeRaw(v as Uint8Array);
      const responseValue = decodeRaw(named.get(2)![0] as Uint8Array);
      out[text(named.get(1)![0]!)] = decodeMessage(responseValue.get(1)![0] as Uint8Array, 'Response');
    }
    return true;
  }
  if (name === 'Response' && field === 2) {
    out.schema = decodeMessage(decodeRaw(only()).get(1)![0] as Uint8Array, 'Schema'); // SchemaItem.schema
    return true;
  }
  if (name === 'Schema' && field === 21) {
    const ap = decodeRaw(only()); // AdditionalPropertiesItem oneof
    out.additionalProperties = ap.has(2) ? ap.get(2)![0] === 1n : decodeMessage(ap.get(1)![0] as Uint8Array, 'Schema');
    return true;
  }
  if (name === 'Schema' && field === 22) {
    const types = (decodeRaw(only()).get(1) ?? []).map(text); // TypeItem
    out.type = types.length === 1 ? types[0] : types;
    return true;
  }
  if (name === 'Schema' && field === 23) {
    const items = decodeRaw(only()).get(1) ?? []; // ItemsItem
    assert.equal(items.length, 1, 'one items schema');
    out.items = decodeMessage(items[0] as Uint8Array, 'Schema');
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------

const table = new ResourceTable(allKinds());
const swagger = buildSwaggerV2(table.groupVersions(), (g, v) => table.kindsOf(g, v)) as Json;
const encoded = encodeSwaggerDocument(swagger, { strict: true });
const decoded = decodeMessage(encoded, 'Document');

test('the protobuf decodes back to exactly the JSON document', () => {
  assert.deepEqual(decoded, JSON.parse(JSON.stringify(swagger)));
  // The very first bytes: field 1 (swagger) = "2.0".
  assert.deepEqual([...encoded.subarray(0, 5)], [0x0a, 3, 0x32, 0x2e, 0x30]);
});

test('every served kind has a definition carrying its group-version-kind and paths with its operations', () => {
  const byGvk = new Map<string, string>();
  for (const [name, def] of Object.entries(decoded.definitions as Json)) {
    for (const g of (def['x-kubernetes-group-version-kind'] ?? []) as Json[]) byGvk.set(`${g.group}/${g.version}/${g.kind}`, name);
  }
  for (const k of allKinds()) {
    assert.ok(byGvk.has(`${k.group}/${k.version}/${k.kind}`), `definition of ${k.group}/${k.version} ${k.kind}`);
    const prefix = k.group === '' ? `/api/${k.version}` : `/apis/${k.group}/${k.version}`;
    const item = `${prefix}${k.namespaced ? '/namespaces/{namespace}' : ''}/${k.plural}/{name}`;
    const verbs = k.verbs ?? ['get', 'patch'];
    if (verbs.includes('get')) {
      const get = decoded.paths[item]?.get;
      assert.ok(get, `GET ${item}`);
      assert.deepEqual(get['x-kubernetes-group-version-kind'], { group: k.group, kind: k.kind, version: k.version });
      assert.equal(get['x-kubernetes-action'], 'get');
      assert.equal(get.responses['200'].schema.$ref, `#/definitions/${byGvk.get(`${k.group}/${k.version}/${k.kind}`)}`);
    }
  }
  const pods = decoded.paths['/api/v1/namespaces/{namespace}/pods/{name}'];
  assert.deepEqual(pods.parameters.map((p: Json) => [p.name, p.in]), [['name', 'path'], ['namespace', 'path'], ['pretty', 'query']]);
  assert.deepEqual(pods.parameters[0], { description: 'name of the Pod', in: 'path', name: 'name', required: true, type: 'string', uniqueItems: true });
  assert.ok(decoded.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch);
  assert.deepEqual(decoded.paths['/api/v1/pods'].get['x-kubernetes-action'], 'list');
});

/** kubectl 1.27's QueryParamVerifier (cli-runtime supportsQueryParam) over the decoded protobuf. */
function supportsQueryParam(doc: Uint8Array, gvk: { group: string; version: string; kind: string }, param: string): boolean | 'not found' {
  const paths = decodeRaw(decodeRaw(doc).get(8)![0] as Uint8Array).get(2) ?? [];
  for (const namedPath of paths) {
    const pathItem = decodeRaw(decodeRaw(namedPath as Uint8Array).get(2)![0] as Uint8Array);
    const patch = pathItem.get(8)?.[0] as Uint8Array | undefined;
    if (!patch) continue;
    const op = decodeRaw(patch);
    // hasGVKExtension: the first x-kubernetes-group-version-kind extension decides.
    const ext = (op.get(13) ?? []).map((e) => decodeRaw(e as Uint8Array)).find((na) => text(na.get(1)![0]!) === 'x-kubernetes-group-version-kind');
    if (!ext) continue;
    const value = parseYaml(text(decodeRaw(ext.get(2)![0] as Uint8Array).get(2)![0]!), { version: '1.1' }) as Json;
    if (value.group !== gvk.group || value.kind !== gvk.kind || value.version !== gvk.version) continue;
    for (const p of op.get(8) ?? []) {
      const parameter = decodeRaw(p as Uint8Array).get(1)?.[0] as Uint8Array | undefined;
      const nonBody = parameter && (decodeRaw(parameter).get(2)?.[0] as Uint8Array | undefined);
      const query = nonBody && (decodeRaw(nonBody).get(3)?.[0] as Uint8Array | undefined);
      if (query && text(decodeRaw(query).get(4)![0]!) === param) return true;
    }
    return false;
  }
  return 'not found';
}

test("kubectl's fieldValidation check finds the parameter for every kind that serves PATCH", () => {
  for (const k of allKinds()) {
    if (k.verbs && !k.verbs.includes('patch')) continue;
    const gvk = { group: k.group, version: k.version, kind: k.kind };
    assert.equal(supportsQueryParam(encoded, gvk, 'fieldValidation'), true, `${k.kind} fieldValidation`);
    assert.equal(supportsQueryParam(encoded, gvk, 'dryRun'), true, `${k.kind} dryRun`);
  }
  assert.equal(supportsQueryParam(encoded, { group: '', version: 'v1', kind: 'Nope' }, 'fieldValidation'), 'not found');
  const patch = decoded.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
  assert.deepEqual(patch.consumes, ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
  assert.deepEqual(patch.parameters.map((p: Json) => `${p.in}:${p.name}`), ['body:body', 'query:dryRun', 'query:fieldManager', 'query:fieldValidation', 'query:force']);
  assert.deepEqual(patch.parameters[0].schema, { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' });
});

test('definitions keep to what kube-openapi (kubectl explain, client-side validation) can parse', () => {
  const defs = decoded.definitions as Json;
  const check = (s: Json, where: string): void => {
    if (s.$ref !== undefined) {
      assert.ok(s.$ref.startsWith('#/definitions/') && defs[s.$ref.slice('#/definitions/'.length)], `${where}: ${s.$ref} resolves`);
      assert.equal(s.type, undefined, `${where}: a reference has no type`);
      assert.equal(s.properties, undefined, `${where}: a reference has no properties`);
      return;
    }
    assert.equal(s.allOf, undefined, `${where}: no allOf`);
    assert.ok(s.type === undefined || typeof s.type === 'string', `${where}: one type`);
    if (s.type === 'array') assert.ok(s.items, `${where}: array with items`);
    for (const [k, v] of Object.entries((s.properties ?? {}) as Json)) check(v, `${where}.${k}`);
    if (s.items) check(s.items, `${where}[]`);
    if (typeof s.additionalProperties === 'object') check(s.additionalProperties, `${where}{}`);
  };
  for (const [name, def] of Object.entries(defs)) check(def, name);

  const spec = defs['io.k8s.api.apps.v1.DeploymentSpec'];
  assert.deepEqual(spec.properties.strategy, {
    $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentStrategy',
    description: 'The deployment strategy to use to replace existing pods with new ones.',
    'x-kubernetes-patch-strategy': 'retainKeys',
  });
  // Patch metadata stays next to the reference for client-side strategic merge patches.
  const containers = defs['io.k8s.api.core.v1.PodSpec'].properties.containers;
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  assert.deepEqual(containers.items, { $ref: '#/definitions/io.k8s.api.core.v1.Container' });
  assert.deepEqual(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].type, 'string');
  assert.equal(defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString'].format, 'int-or-string');
  assert.deepEqual(defs['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  assert.deepEqual(defs['io.k8s.api.core.v1.ConfigMap'].properties.data.additionalProperties, { type: 'string' });
});

test('convertSchema: allOf references, oneOf scalars, nested schemas', () => {
  assert.deepEqual(convertSchema({ allOf: [{ $ref: '#/components/schemas/A' }], description: 'd', type: 'object' }), { description: 'd', $ref: '#/definitions/A' });
  assert.deepEqual(convertSchema({ oneOf: [{ type: 'integer' }, { type: 'string' }], format: 'int-or-string' }), { format: 'int-or-string', type: 'string' });
  assert.deepEqual(
    convertSchema({ type: 'object', additionalProperties: { items: { $ref: '#/components/schemas/B' }, type: 'array' } }),
    { type: 'object', additionalProperties: { items: { $ref: '#/definitions/B' }, type: 'array' } },
  );
  assert.deepEqual(convertSchema({ type: 'object', additionalProperties: false }), { type: 'object', additionalProperties: false });
});

test('encoder: proto3 defaults are omitted except inside a oneof; scalars, numbers and YAML extensions', () => {
  const doc = {
    swagger: '2.0',
    info: { title: '', version: 'v' },
    definitions: {
      A: {
        type: 'object',
        additionalProperties: false,
        maximum: 2.5,
        maxLength: 7,
        enum: ['on', 'off'],
        default: 'x',
        properties: {},
        'x-kubernetes-list-map-keys': ['name', 'protocol'],
        'x-yes': 'yes',
      },
    },
  };
  const bytes = encodeSwaggerDocument(doc, { strict: true });
  const back = decodeMessage(bytes, 'Document');
  assert.deepEqual(back, { ...doc, info: { version: 'v' } }); // the empty title is not written
  // AdditionalPropertiesItem{boolean: false} is present as field 2 = 0 (oneof), i.e. bytes 0x10 0x00.
  const schema = decodeRaw(decodeRaw(decodeRaw(decodeRaw(bytes).get(9)![0] as Uint8Array).get(1)![0] as Uint8Array).get(2)![0] as Uint8Array);
  assert.deepEqual([...(schema.get(21)![0] as Uint8Array)], [0x10, 0x00]);
  // Strings YAML 1.1 would read as booleans are quoted (kubectl parses with go-yaml v2).
  const ext = (schema.get(31) ?? []).map((e) => decodeRaw(e as Uint8Array)).find((na) => text(na.get(1)![0]!) === 'x-yes')!;
  assert.equal(text(decodeRaw(ext.get(2)![0] as Uint8Array).get(2)![0]!), '"yes"\n');
  // An empty properties map is still a (zero-length) Properties message.
  assert.deepEqual([...(schema.get(25)![0] as Uint8Array)], []);
  assert.throws(() => encodeSwaggerDocument({ swagger: '2.0', bogus: 1 }, { strict: true }), /Document has no field for "bogus"/);
  assert.doesNotThrow(() => encodeSwaggerDocument({ swagger: '2.0', bogus: 1 }));
  // Large and negative int64 varints.
  const big = decodeMessage(encodeSwaggerDocument({ definitions: { B: { maxLength: 2 ** 40 }, C: { maxLength: -1 } } }), 'Document');
  assert.equal(big.definitions.B.maxLength, 2 ** 40);
  assert.equal(big.definitions.C.maxLength, -1);
});

test('Accept negotiation as upstream: JSON, both protobuf spellings, q-values, 406', () => {
  const pb = { contentType: OPENAPI_V2_PROTOBUF, form: 'protobuf' };
  const json = { contentType: 'application/json', form: 'json' };
  assert.deepEqual(negotiateOpenApiV2('application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), pb);
  assert.deepEqual(negotiateOpenApiV2('application/com.github.proto-openapi.spec.v2.v1.0+protobuf'), pb);
  assert.deepEqual(negotiateOpenApiV2('application/json'), json);
  assert.deepEqual(negotiateOpenApiV2(undefined), json);
  assert.deepEqual(negotiateOpenApiV2('*/*'), json);
  assert.deepEqual(negotiateOpenApiV2('application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf'), pb);
  assert.deepEqual(negotiateOpenApiV2('text/html, application/json;q=0.1'), json);
  assert.equal(negotiateOpenApiV2('text/html'), undefined);
  assert.equal(negotiateOpenApiV2('application/json;q=0'), undefined);
});

test('OpenApiV2Documents builds once, on first use, with stable content ETags', () => {
  let builds = 0;
  const kinds: KindDef[] = allKinds().filter((k) => k.group === 'coordination.k8s.io');
  const docs = new OpenApiV2Documents(() => {
    builds++;
    return buildSwaggerV2([{ group: 'coordination.k8s.io', version: 'v1' }], () => kinds);
  });
  assert.equal(builds, 0);
  const pb = docs.protobuf();
  const js = docs.json();
  assert.equal(builds, 1);
  assert.equal(docs.protobuf(), pb);
  assert.match(pb.etag, /^"[0-9A-F]{128}"$/);
  assert.notEqual(pb.etag, js.etag);
  assert.deepEqual(Object.keys(JSON.parse(js.body.toString()).paths), [
    '/apis/coordination.k8s.io/v1/leases',
    '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases',
    '/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}',
  ]);
  assert.equal(decodeMessage(pb.body, 'Document').swagger, '2.0');
});
