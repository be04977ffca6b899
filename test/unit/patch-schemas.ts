// Hand-built SchemaNode graphs for the patch tests: a small slice of the apps/v1 Deployment and core/v1 Pod
// schemas carrying the same x-kubernetes-patch-* metadata as the real OpenAPI (the generated one lives in
// src/openapi and is not used here so these tests pin the patch semantics on their own).

import type { SchemaNode } from '../../src/api/schema.js';

const str: SchemaNode = { type: 'string' };
const int: SchemaNode = { type: 'integer' };
const bool: SchemaNode = { type: 'boolean' };
const stringMap: SchemaNode = { type: 'object', additionalProperties: str };

function list(items: SchemaNode, mergeKey?: string, strategy?: string): SchemaNode {
  const n: SchemaNode = { type: 'array', items };
  if (mergeKey) n['x-kubernetes-patch-merge-key'] = mergeKey;
  if (strategy) n['x-kubernetes-patch-strategy'] = strategy;
  return n;
}

const ownerReference: SchemaNode = {
  type: 'object',
  properties: { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
};

export const objectMeta: SchemaNode = {
  type: 'object',
  properties: {
    name: str,
    namespace: str,
    resourceVersion: str,
    labels: stringMap,
    annotations: stringMap,
    finalizers: list(str, undefined, 'merge'),
    ownerReferences: list(ownerReference, 'uid', 'merge'),
  },
};

const containerPort: SchemaNode = { type: 'object', properties: { name: str, containerPort: int, protocol: str } };
const envVar: SchemaNode = { type: 'object', properties: { name: str, value: str } };
const volumeMount: SchemaNode = { type: 'object', properties: { name: str, mountPath: str, readOnly: bool } };
const quantityMap: SchemaNode = { type: 'object', additionalProperties: { type: 'string', 'x-kubernetes-int-or-string': true } };

export const container: SchemaNode = {
  type: 'object',
  properties: {
    name: str,
    image: str,
    args: list(str),
    command: list(str),
    ports: list(containerPort, 'containerPort', 'merge'),
    env: list(envVar, 'name', 'merge'),
    volumeMounts: list(volumeMount, 'mountPath', 'merge'),
    resources: { type: 'object', properties: { limits: quantityMap, requests: quantityMap } },
  },
};

const toleration: SchemaNode = { type: 'object', properties: { key: str, operator: str, value: str, effect: str } };

const volume: SchemaNode = {
  type: 'object',
  properties: {
    name: str,
    emptyDir: { type: 'object', properties: { medium: str, sizeLimit: str } },
    configMap: { type: 'object', properties: { name: str, defaultMode: int } },
    secret: { type: 'object', properties: { secretName: str } },
  },
};

export const podSpec: SchemaNode = {
  type: 'object',
  properties: {
    containers: list(container, 'name', 'merge'),
    initContainers: list(container, 'name', 'merge'),
    volumes: list(volume, 'name', 'merge,retainKeys'),
    tolerations: list(toleration),
    nodeSelector: stringMap,
    restartPolicy: str,
  },
};

export const podTemplateSpec: SchemaNode = { type: 'object', properties: { metadata: objectMeta, spec: podSpec } };

const condition: SchemaNode = { type: 'object', properties: { type: str, status: str, reason: str, message: str } };

export const deployment: SchemaNode = {
  type: 'object',
  'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
  properties: {
    apiVersion: str,
    kind: str,
    metadata: objectMeta,
    spec: {
      type: 'object',
      properties: {
        replicas: int,
        paused: bool,
        selector: { type: 'object', properties: { matchLabels: stringMap } },
        template: podTemplateSpec,
        strategy: {
          type: 'object',
          'x-kubernetes-patch-strategy': 'retainKeys',
          properties: {
            type: str,
            rollingUpdate: { type: 'object', properties: { maxSurge: str, maxUnavailable: str } },
          },
        },
        // Not a real Deployment field: a map whose values are structs with a merge list, to check that
        // the patch follows additionalProperties.
        overrides: {
          type: 'object',
          additionalProperties: { type: 'object', properties: { env: list(envVar, 'name', 'merge') } },
        },
      },
    },
    status: {
      type: 'object',
      properties: { replicas: int, conditions: list(condition, 'type', 'merge') },
    },
  },
};

export const pod: SchemaNode = {
  type: 'object',
  'x-kubernetes-group-version-kind': [{ group: '', version: 'v1', kind: 'Pod' }],
  properties: { apiVersion: str, kind: str, metadata: objectMeta, spec: podSpec },
};

/** Recursively freezes a JSON value so a test fails if the code under test mutates its input. */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v as object)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
