// The /openapi/v3 index and per-group-version documents, shaped like upstream's.
//
// What clients rely on (see shared/docs/kubectl-protocol.md §1.4):
// - kubectl apply/create/replace look for a PATCH operation whose `x-kubernetes-group-version-kind`
//   (an object here) matches the kind and whose parameters include `fieldValidation`; only then
//   do they send `?fieldValidation=Strict` instead of downloading /openapi/v2.
// - The PATCH request body lists the four patch content types (the apply patcher checks for SMP).
// - kubectl explain finds the kind's schema by its `x-kubernetes-group-version-kind` array in
//   `components.schemas` and follows `allOf`/`$ref` through properties.
// Documents are pure functions of their inputs: callers build each once, serialize it once and
// serve the cached string with documentHash() as the `?hash=` and ETag.

import { createHash } from 'node:crypto';
import type { KindDef } from '../kinds/types.js';
import { definitions as committedDefinitions, type Definitions, type JsonSchema } from './schemas.js';

export interface GroupVersion {
  group: string;
  version: string;
}

const REF_PREFIX = '#/components/schemas/';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const DEFAULT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];

/** Index key of a group version: "api/v1" or "apis/apps/v1" (no leading slash, as upstream). */
export function groupVersionPath({ group, version }: GroupVersion): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** The document served at /openapi/v3. */
export function buildOpenApiIndex(
  groupVersions: readonly GroupVersion[],
  hashOf: (gv: GroupVersion) => string,
): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const gv of groupVersions) {
    const key = groupVersionPath(gv);
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(gv)}` };
  }
  return { paths };
}

/** Content hash for `?hash=` and ETag: SHA-512 of the serialized document, upper-case hex as upstream. */
export function documentHash(serialized: string): string {
  return createHash('sha512').update(serialized).digest('hex').toUpperCase();
}

/** Definition names of the given roots and of everything they reference, sorted. */
export function reachableDefinitions(roots: Iterable<string>, defs: Definitions): string[] {
  const seen = new Set<string>();
  const stack = [...roots].filter((r) => defs[r] !== undefined);
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string' && v.startsWith(REF_PREFIX)) stack.push(v.slice(REF_PREFIX.length));
        else visit(v);
      }
    }
  };
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name) || defs[name] === undefined) continue;
    seen.add(name);
    visit(defs[name]);
  }
  return [...seen].sort();
}

// ---------------------------------------------------------------------------------------------
// Parameters and responses (descriptions kept short: the documents are fetched on every apply).

type Operation = Record<string, unknown>;

function query(name: string, type: 'string' | 'integer' | 'boolean', description: string): JsonSchema {
  return { description, in: 'query', name, schema: { type, uniqueItems: true } };
}
function pathParam(name: string, description: string): JsonSchema {
  return { description, in: 'path', name, required: true, schema: { type: 'string', uniqueItems: true } };
}

const P = {
  pretty: query('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: query('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: query('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: query('fieldValidation', 'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. ' +
    'Valid values are: - Ignore: unknown fields are silently dropped and the last duplicate field wins. ' +
    '- Warn: each unknown or duplicate field is reported in a warning header; the request still succeeds. This is the default. ' +
    '- Strict: the request fails with a BadRequest error listing every unknown and duplicate field.'),
  force: query('force', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Must be unset for non-apply patch requests.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. The value zero indicates delete immediately.'),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.'),
  propagationPolicy: query('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
  labelSelector: query('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: query('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: query('limit', 'integer', 'limit is a maximum number of responses to return for a list call; the server sets `continue` on the list metadata when more items exist.'),
  continue: query('continue', 'string', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: query('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  watch: query('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Timeout for the list/watch call.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', '`sendInitialEvents=true` may be set together with `watch=true` to start the watch stream with synthetic events for the current state.'),
  name: (kind: string) => pathParam('name', `name of the ${kind}`),
  namespace: pathParam('namespace', 'object name and auth scope, such as for teams and projects'),
};

const LIST_PARAMS = [
  P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit,
  P.resourceVersion, P.resourceVersionMatch, P.sendInitialEvents, P.timeoutSeconds, P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

function ref(name: string): JsonSchema {
  return { $ref: REF_PREFIX + name };
}
function content(schema: JsonSchema, watch = false): JsonSchema {
  const c: JsonSchema = { 'application/json': { schema }, 'application/yaml': { schema } };
  if (watch) c['application/json;stream=watch'] = { schema };
  return c;
}
function responses(schema: JsonSchema, codes: ('200' | '201' | '202')[], watch = false): JsonSchema {
  const text = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
  const out: JsonSchema = {};
  for (const code of codes) out[code] = { content: content(schema, watch), description: text[code] };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** "coordination.k8s.io" → "Coordination", "" → "Core" (upstream's operationId and tag naming). */
function groupWord(group: string): string {
  const first = group === '' ? 'core' : group.split('.')[0]!;
  return first.charAt(0).toUpperCase() + first.slice(1);
}
function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// ---------------------------------------------------------------------------------------------

/** The definition carrying a group/version/kind in its `x-kubernetes-group-version-kind`. */
function schemaNameOf(defs: Definitions, group: string, version: string, kind: string): string | undefined {
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
    if (gvks?.some((g) => g.group === group && g.version === version && g.kind === kind)) return name;
  }
  return undefined;
}

/**
 * The OpenAPI v3 document of one group version, holding the paths of `kinds` (all from that group
 * version) and every schema they reach.
 */
export function buildGroupVersionDocument(
  group: string,
  version: string,
  kinds: readonly KindDef[],
  defs: Definitions = committedDefinitions,
): Record<string, unknown> {
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  const idWord = `${groupWord(group)}${capitalize(version)}`;
  const tag = `${group === '' ? 'core' : group.split('.')[0]}_${version}`;
  const paths: Record<string, Record<string, unknown>> = {};
  const roots = new Set<string>([`${META}.Status`, `${META}.DeleteOptions`, `${META}.Patch`]);
  const stubs: Record<string, JsonSchema> = {};

  const schemaFor = (g: string, v: string, k: string): string => {
    const name = schemaNameOf(defs, g, v, k);
    if (name !== undefined) {
      roots.add(name);
      return name;
    }
    // No generated definition: an open object, so paths (and fieldValidation support) still exist.
    const stub = `k8ts.unstructured.${g || 'core'}.${v}.${k}`;
    stubs[stub] = {
      description: `${k} (no schema available)`,
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: g, kind: k, version: v }],
      'x-kubernetes-preserve-unknown-fields': true,
    };
    return stub;
  };

  for (const def of kinds) {
    const verbs = new Set(def.verbs ?? DEFAULT_VERBS);
    const gvk = { group: def.group, kind: def.kind, version: def.version };
    const objSchema = ref(schemaFor(def.group, def.version, def.kind));
    const listSchema = ref(schemaFor(def.group, def.version, def.listKind));
    const scope = def.namespaced ? 'Namespaced' : '';
    const collection = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
    const item = `${collection}/{name}`;
    const scopeParams = def.namespaced ? [P.namespace, P.pretty] : [P.pretty];
    // operationId as upstream: verb + group/version + Namespaced? + kind + subresource.
    const id = (verb: string, suffix = '', namespaced = scope) => `${verb}${idWord}${namespaced}${def.kind}${suffix}`;
    const op = (operationId: string, action: string, what: string, extra: Operation, opGvk: object = gvk): Operation => ({
      description: what,
      operationId,
      tags: [tag],
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': opGvk,
      ...extra,
    });
    const statusRef = ref(`${META}.Status`);
    const deleteBody = { content: { '*/*': { schema: ref(`${META}.DeleteOptions`) } } };
    const writeBody = (schema: JsonSchema) => ({ content: { '*/*': { schema } }, required: true });
    const patchBody = {
      content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: ref(`${META}.Patch`) }])),
      required: true,
    };

    const coll: Record<string, unknown> = {};
    if (verbs.has('list')) {
      coll.get = op(id('list'), 'list', `list or watch objects of kind ${def.kind}`, {
        parameters: LIST_PARAMS, responses: responses(listSchema, ['200'], true),
      });
    }
    if (verbs.has('create')) {
      coll.post = op(id('create'), 'post', `create a ${def.kind}`, {
        parameters: WRITE_PARAMS, requestBody: writeBody(objSchema), responses: responses(objSchema, ['200', '201', '202']),
      });
    }
    if (verbs.has('deletecollection')) {
      coll.delete = op(id('deleteCollection'), 'deletecollection', `delete collection of ${def.kind}`, {
        parameters: [...DELETE_PARAMS, ...LIST_PARAMS], requestBody: deleteBody, responses: responses(statusRef, ['200']),
      });
    }
    if (Object.keys(coll).length > 0) paths[collection] = { ...coll, parameters: scopeParams };

    if (def.namespaced && verbs.has('list')) {
      paths[`${prefix}/${def.plural}`] = {
        get: op(id('list', 'ForAllNamespaces', ''), 'list', `list or watch objects of kind ${def.kind}`, {
          parameters: LIST_PARAMS, responses: responses(listSchema, ['200'], true),
        }),
        parameters: [P.pretty],
      };
    }

    const itemParams = [P.name(def.kind), ...scopeParams];
    const itemOps: Record<string, unknown> = {};
    if (verbs.has('get')) {
      itemOps.get = op(id('read'), 'get', `read the specified ${def.kind}`, { responses: responses(objSchema, ['200']) });
    }
    if (verbs.has('update')) {
      itemOps.put = op(id('replace'), 'put', `replace the specified ${def.kind}`, {
        parameters: WRITE_PARAMS, requestBody: writeBody(objSchema), responses: responses(objSchema, ['200', '201']),
      });
    }
    if (verbs.has('patch')) {
      itemOps.patch = op(id('patch'), 'patch', `partially update the specified ${def.kind}`, {
        parameters: [...WRITE_PARAMS, P.force], requestBody: patchBody, responses: responses(objSchema, ['200', '201']),
      });
    }
    if (verbs.has('delete')) {
      itemOps.delete = op(id('delete'), 'delete', `delete a ${def.kind}`, {
        parameters: DELETE_PARAMS, requestBody: deleteBody, responses: responses(statusRef, ['200', '202']),
      });
    }
    if (Object.keys(itemOps).length > 0) paths[item] = { ...itemOps, parameters: itemParams };

    // Subresources that replace or patch an object: status (same kind) and scale (autoscaling/v1 Scale).
    const sub = (name: string, word: string, schema: JsonSchema, subGvk: object): void => {
      const suffix = capitalize(name);
      paths[`${item}/${name}`] = {
        get: op(id('read', suffix), 'get', `read ${word} of the specified ${def.kind}`, { responses: responses(schema, ['200']) }, subGvk),
        put: op(id('replace', suffix), 'put', `replace ${word} of the specified ${def.kind}`, {
          parameters: WRITE_PARAMS, requestBody: writeBody(schema), responses: responses(schema, ['200', '201']),
        }, subGvk),
        patch: op(id('patch', suffix), 'patch', `partially update ${word} of the specified ${def.kind}`, {
          parameters: [...WRITE_PARAMS, P.force], requestBody: patchBody, responses: responses(schema, ['200', '201']),
        }, subGvk),
        parameters: itemParams,
      };
    };
    if (def.status) sub('status', 'status', objSchema, gvk);
    if (def.scale) sub('scale', 'scale', ref(schemaFor('autoscaling', 'v1', 'Scale')), { group: 'autoscaling', kind: 'Scale', version: 'v1' });

    // Subresources created with their own kind (pods/eviction, pods/binding).
    for (const extra of def.extraSubresources ?? []) {
      if (!extra.kind || !extra.verbs.includes('create')) continue;
      const schema = ref(schemaFor(extra.kind.group, extra.kind.version, extra.kind.kind));
      const subGvk = { group: extra.kind.group, kind: extra.kind.kind, version: extra.kind.version };
      paths[`${item}/${extra.name}`] = {
        post: op(id('create', capitalize(extra.name)), 'post', `create ${extra.name} of a ${def.kind}`, {
          parameters: WRITE_PARAMS, requestBody: writeBody(schema), responses: responses(schema, ['200', '201', '202']),
        }, subGvk),
        parameters: [pathParam('name', `name of the ${extra.kind.kind}`), ...scopeParams],
      };
    }
  }

  const schemas: Record<string, JsonSchema> = { ...stubs };
  for (const name of reachableDefinitions(roots, defs)) schemas[name] = defs[name]!;
  return {
    components: { schemas: sortedRecord(schemas) },
    info: { title: 'Kubernetes', version: 'unversioned' },
    openapi: '3.0.0',
    paths: sortedRecord(paths),
  };
}

function sortedRecord<T>(r: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k]!;
  return out;
}
