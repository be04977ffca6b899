import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KindDef } from '../../src/kinds/types.js';
import {
  buildGroupVersionDocument, buildOpenApiIndex, documentHash, groupVersionPath,
} from '../../src/openapi/document.js';
import { definitionName, definitions, getSchema, SchemaRegistry } from '../../src/openapi/schemas.js';

type Json = Record<string, any>;
const defs = definitions as Record<string, Json>;
const CORE = 'io.k8s.api.core.v1';
const APPS = 'io.k8s.api.apps.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Every kind k8ts serves, as [group, version, kind, has a List kind]. */
const SERVED: [string, string, string, boolean][] = [
  ...['Pod', 'ReplicationController', 'Namespace', 'Node', 'Event', 'PersistentVolumeClaim', 'PersistentVolume',
    'ConfigMap', 'Secret', 'ServiceAccount', 'Service', 'PodTemplate'].map((k): [string, string, string, boolean] => ['', 'v1', k, true]),
  ['', 'v1', 'Binding', false],
  ...['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision'].map((k): [string, string, string, boolean] => ['apps', 'v1', k, true]),
  ['batch', 'v1', 'Job', true], ['batch', 'v1', 'CronJob', true],
  ['coordination.k8s.io', 'v1', 'Lease', true],
  ['events.k8s.io', 'v1', 'Event', true],
  ['autoscaling', 'v1', 'Scale', false],
  ['policy', 'v1', 'Eviction', false],
  ['node.k8s.io', 'v1', 'RuntimeClass', true],
  ['storage.k8s.io', 'v1', 'StorageClass', true],
];

function prop(def: string, name: string): Json {
  const p = defs[def]?.properties?.[name];
  assert.ok(p, `${def}.${name} exists`);
  return p;
}

test('definitions carry the official descriptions from kubernetes-types', () => {
  assert.equal(defs[`${APPS}.Deployment`]!.description, 'Deployment enables declarative updates for Pods and ReplicaSets.');
  assert.match(prop(`${APPS}.DeploymentSpec`, 'replicas').description, /^Number of desired pods\./);
  // A described reference is wrapped so both texts survive (as upstream's v3 documents do).
  const strategy = prop(`${APPS}.DeploymentSpec`, 'strategy');
  assert.deepEqual(strategy.allOf, [{ $ref: `#/components/schemas/${APPS}.DeploymentStrategy` }]);
  assert.equal(strategy.description, 'The deployment strategy to use to replace existing pods with new ones.');
  // Multi-line JSDoc keeps its paragraphs.
  assert.match(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']!.description, /^Quantity is a fixed-point representation of a number\..*\n\nThe serialization format is:/s);
});

test('every served kind has a definition with x-kubernetes-group-version-kind, and its List too', () => {
  for (const [group, version, kind, hasList] of SERVED) {
    for (const k of hasList ? [kind, `${kind}List`] : [kind]) {
      const name = definitionName(group, version, k);
      assert.ok(name, `definition for ${group}/${version} ${k}`);
      assert.deepEqual(defs[name]!['x-kubernetes-group-version-kind'], [{ group, kind: k, version }]);
      assert.ok(getSchema(group, version, k)?.properties?.metadata, `${k} resolves with metadata`);
    }
  }
  assert.equal(definitionName('', 'v1', 'Pod'), `${CORE}.Pod`);
  assert.equal(definitionName('events.k8s.io', 'v1', 'Event'), 'io.k8s.api.events.v1.Event');
  assert.equal(definitionName('apps', 'v1', 'Nope'), undefined);
  assert.equal(getSchema('apps', 'v1', 'Nope'), undefined);
  // DeleteOptions is registered in every served group version (Eviction bodies, delete requests).
  assert.equal(definitionName('apps', 'v1', 'DeleteOptions'), `${META}.DeleteOptions`);
  assert.equal(definitionName('', 'v1', 'Status'), `${META}.Status`);
});

test('scalar types: int32 by default, int64 facts, IntOrString, Quantity, Time, byte maps', () => {
  const replicas = prop(`${APPS}.DeploymentSpec`, 'replicas');
  assert.deepEqual([replicas.type, replicas.format], ['integer', 'int32']);
  assert.equal(prop(`${META}.ObjectMeta`, 'generation').format, 'int64');
  assert.equal(prop(`${CORE}.PodSpec`, 'terminationGracePeriodSeconds').format, 'int64');
  assert.deepEqual(prop(`${CORE}.PodSecurityContext`, 'supplementalGroups').items, { type: 'integer', format: 'int64' });
  assert.equal(prop(`${APPS}.ControllerRevision`, 'revision').format, 'int64');
  const intOrString = defs['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!;
  assert.equal(intOrString['x-kubernetes-int-or-string'], true);
  assert.equal(intOrString.format, 'int-or-string');
  assert.deepEqual(prop(`${APPS}.RollingUpdateDeployment`, 'maxSurge').allOf, [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' }]);
  assert.deepEqual(defs[`${META}.Time`]!.type, 'string');
  assert.deepEqual(defs[`${META}.Time`]!.format, 'date-time');
  assert.deepEqual(defs['io.k8s.apimachinery.pkg.api.resource.Quantity']!.oneOf, [{ type: 'string' }, { type: 'number' }]);
  assert.deepEqual(prop(`${CORE}.Secret`, 'data').additionalProperties, { type: 'string', format: 'byte' });
  assert.deepEqual(prop(`${CORE}.Secret`, 'stringData').additionalProperties, { type: 'string' });
  assert.deepEqual(prop(`${CORE}.ResourceRequirements`, 'limits').additionalProperties, { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.api.resource.Quantity' });
  // Opaque JSON (RawExtension, FieldsV1) is not looked into by strict decoding.
  assert.equal(defs['io.k8s.apimachinery.pkg.runtime.RawExtension']!['x-kubernetes-preserve-unknown-fields'], true);
  // Required fields come from non-optional properties.
  assert.deepEqual(defs[`${APPS}.DeploymentSpec`]!.required, ['selector', 'template']);
  assert.deepEqual(defs[`${CORE}.PodSpec`]!.required, ['containers']);
});

test('patch metadata: the famous merge keys, strategies and list types', () => {
  const mergeMap = (keys: string[], strategy = 'merge') => ({
    'x-kubernetes-patch-merge-key': keys[0], 'x-kubernetes-patch-strategy': strategy,
    'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys,
  });
  const meta = (def: string, name: string) => {
    const p = prop(def, name);
    const out: Json = {};
    for (const k of Object.keys(p)) if (k.startsWith('x-kubernetes-')) out[k] = p[k];
    return out;
  };
  assert.deepEqual(meta(`${APPS}.DeploymentSpec`, 'strategy'), { 'x-kubernetes-patch-strategy': 'retainKeys' });
  for (const list of ['containers', 'initContainers', 'ephemeralContainers', 'imagePullSecrets', 'schedulingGates']) {
    assert.deepEqual(meta(`${CORE}.PodSpec`, list), mergeMap(['name']), list);
  }
  assert.deepEqual(meta(`${CORE}.PodSpec`, 'volumes'), mergeMap(['name'], 'merge,retainKeys'));
  assert.deepEqual(meta(`${CORE}.PodSpec`, 'resourceClaims'), mergeMap(['name'], 'merge,retainKeys'));
  assert.deepEqual(meta(`${CORE}.PodSpec`, 'hostAliases'), mergeMap(['ip']));
  assert.deepEqual(meta(`${CORE}.PodSpec`, 'topologySpreadConstraints'), mergeMap(['topologyKey', 'whenUnsatisfiable']));
  assert.deepEqual(meta(`${CORE}.PodSpec`, 'tolerations'), { 'x-kubernetes-list-type': 'atomic' });
  assert.deepEqual(meta(`${CORE}.PodSpec`, 'readinessGates'), { 'x-kubernetes-list-type': 'atomic' });
  for (const c of ['Container', 'EphemeralContainer']) {
    assert.deepEqual(meta(`${CORE}.${c}`, 'ports'), mergeMap(['containerPort', 'protocol']));
    assert.deepEqual(meta(`${CORE}.${c}`, 'env'), mergeMap(['name']));
    assert.deepEqual(meta(`${CORE}.${c}`, 'volumeMounts'), mergeMap(['mountPath']));
    assert.deepEqual(meta(`${CORE}.${c}`, 'volumeDevices'), mergeMap(['devicePath']));
  }
  assert.deepEqual(meta(`${META}.ObjectMeta`, 'ownerReferences'), mergeMap(['uid']));
  assert.deepEqual(meta(`${META}.ObjectMeta`, 'finalizers'), { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' });
  assert.deepEqual(meta(`${CORE}.ServiceSpec`, 'ports'), mergeMap(['port', 'protocol']));
  assert.deepEqual(meta(`${CORE}.NodeStatus`, 'addresses'), mergeMap(['type']));
  assert.deepEqual(meta(`${CORE}.NodeSpec`, 'taints'), { 'x-kubernetes-list-type': 'atomic' });
  assert.deepEqual(meta(`${CORE}.PodStatus`, 'podIPs'), mergeMap(['ip']));
  assert.deepEqual(meta(`${CORE}.ServiceAccount`, 'secrets'), mergeMap(['name']));
  assert.equal(defs[`${META}.LabelSelector`]!['x-kubernetes-map-type'], 'atomic');

  // Every `conditions` list merges by type.
  let conditions = 0;
  for (const [name, def] of Object.entries(defs)) {
    const c = def.properties?.conditions;
    if (c?.type !== 'array') continue;
    conditions++;
    assert.equal(c['x-kubernetes-patch-merge-key'], 'type', `${name}.conditions merge key`);
    assert.equal(c['x-kubernetes-patch-strategy'], 'merge', `${name}.conditions strategy`);
  }
  assert.ok(conditions >= 10, `found ${conditions} conditions lists`);
});

test('getSchema resolves references into a shared, cached graph carrying patch metadata', () => {
  const d = getSchema('apps', 'v1', 'Deployment')!;
  assert.equal(getSchema('apps', 'v1', 'Deployment'), d, 'same object on every lookup');
  const spec = d.properties!.spec!;
  assert.equal(spec.properties!.strategy!['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.equal(spec.properties!.strategy!.properties!.rollingUpdate!.properties!.maxSurge!['x-kubernetes-int-or-string'], true);
  const podSpec = spec.properties!.template!.properties!.spec!;
  const containers = podSpec.properties!.containers!;
  assert.equal(containers.type, 'array');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers.items!.properties!.image!.type, 'string');
  assert.deepEqual(containers.items!.properties!.ports!['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  // Plain references share the definition node: the Pod kind's spec is the same PodSpec node.
  assert.equal(getSchema('', 'v1', 'Pod')!.properties!.spec, podSpec);
  assert.deepEqual(d.properties!.metadata!.properties!.labels!.additionalProperties, { type: 'string' });
  assert.deepEqual(d['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
});

test('SchemaRegistry resolves self-referencing definitions and wrapped references', () => {
  const reg = new SchemaRegistry({
    'x.Node': { type: 'object', properties: { child: { $ref: '#/components/schemas/x.Node' }, name: { type: 'string' } },
      'x-kubernetes-group-version-kind': [{ group: 'x', version: 'v1', kind: 'Node' }] },
    'x.Holder': { type: 'object', properties: { node: { allOf: [{ $ref: '#/components/schemas/x.Node' }], 'x-kubernetes-map-type': 'atomic' } } },
  });
  const n = reg.get('x', 'v1', 'Node')!;
  assert.equal(n.properties!.child, n);
  const wrapped = reg.byName('x.Holder')!.properties!.node!;
  assert.equal(wrapped['x-kubernetes-map-type'], 'atomic');
  assert.equal(wrapped.properties, n.properties, 'the wrapper shares the referenced properties');
});

// ---------------------------------------------------------------------------------------------
// Documents

const scaleDef = { specReplicas: () => 1, setSpecReplicas: () => {}, statusReplicas: () => 1, selector: () => '' };
const DEPLOYMENT: KindDef = {
  group: 'apps', version: 'v1', kind: 'Deployment', listKind: 'DeploymentList', plural: 'deployments', singular: 'deployment',
  namespaced: true, status: {}, scale: scaleDef,
};
const POD: KindDef = {
  group: '', version: 'v1', kind: 'Pod', listKind: 'PodList', plural: 'pods', singular: 'pod', namespaced: true, status: {},
  extraSubresources: [
    { name: 'eviction', verbs: ['create'], kind: { group: 'policy', version: 'v1', kind: 'Eviction' } },
    { name: 'log', verbs: ['get'] },
  ],
};
const NODE: KindDef = { group: '', version: 'v1', kind: 'Node', listKind: 'NodeList', plural: 'nodes', singular: 'node', namespaced: false, status: {} };
const BINDING: KindDef = {
  group: '', version: 'v1', kind: 'Binding', listKind: 'BindingList', plural: 'bindings', singular: 'binding', namespaced: true, verbs: ['create'],
};

function allRefs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => allRefs(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else allRefs(v, out);
    }
  }
  return out;
}

test('GV document: PATCH declares fieldValidation, the GVK object and the four patch content types', () => {
  const doc = buildGroupVersionDocument('apps', 'v1', [DEPLOYMENT]) as Json;
  assert.equal(doc.openapi, '3.0.0');
  const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
  assert.ok(item, Object.keys(doc.paths).join(', '));
  const patch = item.patch;
  assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
  assert.equal(patch['x-kubernetes-action'], 'patch');
  const names = patch.parameters.map((p: Json) => `${p.in}:${p.name}`);
  for (const n of ['query:fieldValidation', 'query:fieldManager', 'query:dryRun', 'query:force']) assert.ok(names.includes(n), n);
  assert.deepEqual(Object.keys(patch.requestBody.content).sort(), [
    'application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json',
  ]);
  for (const verb of ['get', 'put', 'delete']) assert.ok(item[verb], verb);
  assert.ok(item.put.parameters.some((p: Json) => p.name === 'fieldValidation'), 'PUT declares fieldValidation');
  const coll = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
  assert.equal(coll.get['x-kubernetes-action'], 'list');
  assert.equal(coll.post['x-kubernetes-action'], 'post');
  assert.ok(coll.post.parameters.some((p: Json) => p.name === 'fieldValidation'), 'POST declares fieldValidation');
  assert.equal(coll.delete['x-kubernetes-action'], 'deletecollection');
  assert.ok(doc.paths['/apis/apps/v1/deployments'].get, 'list across namespaces');
  assert.deepEqual(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind'],
    { group: 'autoscaling', kind: 'Scale', version: 'v1' });
  assert.ok(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status'].patch);
  // Schemas: the kind (with its GVK array, for explain) and every referenced definition.
  const schemas = doc.components.schemas as Record<string, Json>;
  assert.deepEqual(schemas[`${APPS}.Deployment`]!['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
  for (const name of [`${APPS}.DeploymentList`, 'io.k8s.api.autoscaling.v1.Scale', `${CORE}.PodSpec`, `${META}.Status`, `${META}.Patch`, `${META}.DeleteOptions`]) {
    assert.ok(schemas[name], name);
  }
  for (const ref of allRefs(doc)) assert.ok(schemas[ref.replace('#/components/schemas/', '')], `dangling ${ref}`);
  assert.equal(schemas['io.k8s.api.batch.v1.Job'], undefined, 'only reachable definitions');
});

test('GV document: cluster-scoped paths, verb restrictions and subresources with their own kind', () => {
  const doc = buildGroupVersionDocument('', 'v1', [POD, NODE, BINDING]) as Json;
  const paths = doc.paths as Record<string, Json>;
  assert.ok(paths['/api/v1/nodes/{name}'].patch);
  assert.ok(!paths['/api/v1/namespaces/{namespace}/nodes/{name}']);
  assert.deepEqual(Object.keys(paths['/api/v1/namespaces/{namespace}/bindings']).sort(), ['parameters', 'post']);
  assert.ok(!paths['/api/v1/namespaces/{namespace}/bindings/{name}']);
  const eviction = paths['/api/v1/namespaces/{namespace}/pods/{name}/eviction'].post;
  assert.deepEqual(eviction['x-kubernetes-group-version-kind'], { group: 'policy', kind: 'Eviction', version: 'v1' });
  assert.ok(doc.components.schemas['io.k8s.api.policy.v1.Eviction']);
  assert.ok(!paths['/api/v1/namespaces/{namespace}/pods/{name}/log'], 'connect-style subresources are not described');
  assert.equal(paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch.operationId, 'patchCoreV1NamespacedPod');
  assert.equal(paths['/api/v1/nodes/{name}/status'].get.operationId, 'readCoreV1NodeStatus');
});

test('GV document: a kind without a generated definition still gets paths and an open schema', () => {
  const def: KindDef = { group: 'example.com', version: 'v1', kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget', namespaced: true };
  const doc = buildGroupVersionDocument('example.com', 'v1', [def]) as Json;
  const patch = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}'].patch;
  assert.ok(patch.parameters.some((p: Json) => p.name === 'fieldValidation'));
  const stub = doc.components.schemas[patch.responses['200'].content['application/json'].schema.$ref.replace('#/components/schemas/', '')];
  assert.equal(stub['x-kubernetes-preserve-unknown-fields'], true);
});

test('index: upstream keys and URLs; hashes are stable and content-addressed', () => {
  const gvs = [{ group: '', version: 'v1' }, { group: 'apps', version: 'v1' }];
  assert.deepEqual(gvs.map(groupVersionPath), ['api/v1', 'apis/apps/v1']);
  const text = () => JSON.stringify(buildGroupVersionDocument('apps', 'v1', [DEPLOYMENT]));
  const a = text();
  assert.equal(text(), a, 'building twice gives the same bytes');
  const h = documentHash(a);
  assert.match(h, /^[0-9A-F]{128}$/);
  assert.equal(documentHash(a), h);
  assert.notEqual(documentHash(JSON.stringify(buildGroupVersionDocument('', 'v1', [POD]))), h);
  const index = buildOpenApiIndex(gvs, (gv) => (gv.group === 'apps' ? h : 'CORE'));
  assert.deepEqual(index, {
    paths: {
      'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=CORE' },
      'apis/apps/v1': { serverRelativeURL: `/openapi/v3/apis/apps/v1?hash=${h}` },
    },
  });
});
