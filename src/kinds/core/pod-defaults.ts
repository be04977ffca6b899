// Pod and pod-template defaulting, restating pkg/apis/core/v1/defaults.go and the generated
// SetObjectDefaults_* functions. Two levels exist upstream and they differ on purpose:
//  - PodSpec defaults (SetDefaults_PodSpec + per-field defaults) apply wherever a PodSpec is
//    embedded: pods, pod templates, workload templates. `defaultPodSpec` does exactly these.
//  - Pod-only defaults (SetDefaults_Pod): enableServiceLinks, requests copied from limits, host
//    ports under hostNetwork. They never appear in a Deployment's template, so they live in
//    `defaultPodOnly`, which the Pod kind calls after `defaultPodSpec`.
// Every function mutates in place and is idempotent (defaulting runs on create, update and patch).

import type { JsonObject } from '../../api/types.js';
import { defaultPullPolicy } from './image-ref.js';
import { isObject, objs, setDefault, setDefaultStr } from './json-shape.js';
import { canonicalizeResourceList } from './resource-list.js';

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** PodSpec-level defaults (restartPolicy, dnsPolicy, ...) plus every nested field default. */
export function defaultPodSpec(spec: JsonObject): void {
  if (!isObject(spec)) return;
  setDefaultStr(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultStr(spec, 'restartPolicy', 'Always');
  setDefault(spec, 'securityContext', {});
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultStr(spec, 'schedulerName', 'default-scheduler');
  // v1 conversion keeps the deprecated `serviceAccount` mirror of serviceAccountName in sync
  // (Convert_v1_PodSpec_To_core_PodSpec reads it as a fallback, the reverse writes it back).
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) {
    spec.serviceAccountName = spec.serviceAccount;
  }
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName) spec.serviceAccount = spec.serviceAccountName;

  for (const v of objs(spec.volumes)) defaultVolume(v);
  for (const list of CONTAINER_LISTS) {
    for (const c of objs(spec[list])) defaultContainer(c);
  }
  if (isObject(spec.overhead)) canonicalizeResourceList(spec.overhead);
  if (isObject(spec.resources)) {
    if (isObject(spec.resources.limits)) canonicalizeResourceList(spec.resources.limits);
    if (isObject(spec.resources.requests)) canonicalizeResourceList(spec.resources.requests);
  }
}

/** Defaults for a PodTemplateSpec (`{metadata, spec}`) embedded in a workload. */
export function defaultPodTemplateSpec(tpl: JsonObject): void {
  if (!isObject(tpl)) return;
  if (isObject(tpl.spec)) defaultPodSpec(tpl.spec);
}

/** SetDefaults_Pod: defaults that only a Pod object (never a template) receives. */
export function defaultPodOnly(spec: JsonObject): void {
  if (!isObject(spec)) return;
  for (const list of ['containers', 'initContainers'] as const) {
    for (const c of objs(spec[list])) {
      const res = c.resources;
      if (!isObject(res) || !isObject(res.limits)) continue;
      if (!isObject(res.requests)) res.requests = {};
      for (const k of Object.keys(res.limits)) {
        if (res.requests[k] === undefined) res.requests[k] = res.limits[k];
      }
    }
  }
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    for (const list of ['containers', 'initContainers'] as const) {
      for (const c of objs(spec[list])) {
        for (const p of objs(c.ports)) {
          if (!p.hostPort) p.hostPort = p.containerPort;
        }
      }
    }
  }
}

export function defaultContainer(c: JsonObject): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = defaultPullPolicy(c.image);
  setDefaultStr(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultStr(c, 'terminationMessagePolicy', 'File');
  // `resources` is a non-pointer struct in the Go type, so it always serializes (as `{}`).
  if (!isObject(c.resources)) c.resources = {};
  if (isObject(c.resources.limits)) canonicalizeResourceList(c.resources.limits);
  if (isObject(c.resources.requests)) canonicalizeResourceList(c.resources.requests);
  for (const p of objs(c.ports)) setDefaultStr(p, 'protocol', 'TCP');
  for (const e of objs(c.env)) {
    if (isObject(e.valueFrom) && isObject(e.valueFrom.fieldRef)) setDefaultStr(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  }
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (isObject(c[probe])) defaultProbe(c[probe]);
  }
  if (isObject(c.lifecycle)) {
    for (const h of ['postStart', 'preStop']) {
      const handler = c.lifecycle[h];
      if (isObject(handler) && isObject(handler.httpGet)) defaultHTTPGet(handler.httpGet);
    }
  }
}

export function defaultProbe(p: JsonObject): void {
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  if (isObject(p.httpGet)) defaultHTTPGet(p.httpGet);
  if (isObject(p.grpc)) setDefault(p.grpc, 'service', '');
}

function defaultHTTPGet(h: JsonObject): void {
  setDefaultStr(h, 'path', '/');
  setDefaultStr(h, 'scheme', 'HTTP');
}

const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
] as const;

export const volumeSourceNames: readonly string[] = VOLUME_SOURCES;

function defaultVolume(v: JsonObject): void {
  // SetDefaults_Volume: a volume that names no source at all becomes an emptyDir.
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  if (isObject(v.hostPath)) setDefault(v.hostPath, 'type', '');
  if (isObject(v.secret)) setDefault(v.secret, 'defaultMode', 0o644);
  if (isObject(v.configMap)) setDefault(v.configMap, 'defaultMode', 0o644);
  if (isObject(v.downwardAPI)) {
    setDefault(v.downwardAPI, 'defaultMode', 0o644);
    defaultDownwardItems(v.downwardAPI.items);
  }
  if (isObject(v.projected)) {
    setDefault(v.projected, 'defaultMode', 0o644);
    for (const src of objs(v.projected.sources)) {
      if (isObject(src.downwardAPI)) defaultDownwardItems(src.downwardAPI.items);
      if (isObject(src.serviceAccountToken)) setDefault(src.serviceAccountToken, 'expirationSeconds', 3600);
    }
  }
  if (isObject(v.iscsi)) setDefaultStr(v.iscsi, 'iscsiInterface', 'default');
  if (isObject(v.rbd)) {
    setDefaultStr(v.rbd, 'pool', 'rbd');
    setDefaultStr(v.rbd, 'user', 'admin');
    setDefaultStr(v.rbd, 'keyring', '/etc/ceph/keyring');
  }
  if (isObject(v.azureDisk)) {
    setDefault(v.azureDisk, 'cachingMode', 'ReadWrite');
    setDefault(v.azureDisk, 'fsType', 'ext4');
    setDefault(v.azureDisk, 'readOnly', false);
    setDefault(v.azureDisk, 'kind', 'Shared');
  }
  if (isObject(v.image) && !v.image.pullPolicy) v.image.pullPolicy = defaultPullPolicy(v.image.reference);
  if (isObject(v.ephemeral) && isObject(v.ephemeral.volumeClaimTemplate) && isObject(v.ephemeral.volumeClaimTemplate.spec)) {
    defaultPVCSpec(v.ephemeral.volumeClaimTemplate.spec);
  }
}

function defaultDownwardItems(items: unknown): void {
  for (const it of objs(items)) {
    if (isObject(it.fieldRef)) setDefaultStr(it.fieldRef, 'apiVersion', 'v1');
  }
}

/** SetDefaults_PersistentVolumeClaimSpec (also used by StatefulSet volumeClaimTemplates). */
export function defaultPVCSpec(spec: JsonObject): void {
  setDefault(spec, 'volumeMode', 'Filesystem');
  if (isObject(spec.resources)) {
    if (isObject(spec.resources.limits)) canonicalizeResourceList(spec.resources.limits);
    if (isObject(spec.resources.requests)) canonicalizeResourceList(spec.resources.requests);
  }
}
