// Service (core/v1): defaults (SetDefaults_Service), the REST layer's IP family and cluster IP /
// node port allocation (pkg/registry/core/service/storage), ValidateService(Update), and the table.
// Allocation here is stateless: a cluster IP is drawn at random from 10.96.0.0/12 (skipping
// 10.96.0.0/1 which the `kubernetes` service uses), node ports from 30000-32767. Upstream's
// allocator guarantees uniqueness; a collision here is possible but unlikely (1 in ~10^6).

import { randomInt } from 'node:crypto';
import { FieldError, FieldPath, RenderedValue, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum } from '../../api/validation/names.js';
import { validateLabels } from '../../api/validation/object-meta.js';
import type { KindDef } from '../types.js';
import { arr, formatLabels, isObject, num, obj, objs, str } from './json-shape.js';
import { validatePortNumOrName } from './pod-validation-containers.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';
import { isValidCIDRMessages } from './value-checks.js';

type Errs = FieldError[];

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

function externallyAccessible(spec: JsonObject): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
}

function isHeadless(spec: JsonObject): boolean {
  return spec.clusterIP === 'None';
}

export function defaultService(svc: KObject): void {
  if (!isObject(svc.spec)) svc.spec = {};
  const spec = svc.spec;
  if (!spec.sessionAffinity) spec.sessionAffinity = 'None';
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = obj(obj(spec.sessionAffinityConfig).clientIP);
    if (cfg.timeoutSeconds === undefined || cfg.timeoutSeconds === null) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds: 10800 } };
  }
  if (!spec.type) spec.type = 'ClusterIP';
  for (const p of objs(spec.ports)) {
    if (!p.protocol) p.protocol = 'TCP';
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (externallyAccessible(spec) && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (spec.internalTrafficPolicy === undefined && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(str(spec.type))) spec.internalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === undefined) spec.allocateLoadBalancerNodePorts = true;
  // ClusterIP and ClusterIPs are kept in sync by the strategy (either may be given).
  if (str(spec.clusterIP) && arr(spec.clusterIPs).length === 0) spec.clusterIPs = [spec.clusterIP];
  if (!str(spec.clusterIP) && arr(spec.clusterIPs).length > 0) spec.clusterIP = spec.clusterIPs[0];
}

function randomClusterIP(): string {
  // 10.96.0.0/12 spans 10.96.0.0 - 10.111.255.255; skip network, .1 and broadcast.
  const n = randomInt(2, (1 << 20) - 1);
  return `10.${96 + (n >> 16)}.${(n >> 8) & 0xff}.${n & 0xff}`;
}

function needsNodePorts(spec: JsonObject): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

/** The REST layer's allocations on create: cluster IP(s), IP families, node ports. */
export function allocateService(svc: KObject): void {
  const spec = obj(svc.spec);
  if (spec.type !== 'ExternalName') {
    if (!str(spec.clusterIP)) {
      spec.clusterIP = randomClusterIP();
      spec.clusterIPs = [spec.clusterIP];
    }
    if (arr(spec.ipFamilies).length === 0) spec.ipFamilies = ['IPv4'];
    if (!spec.ipFamilyPolicy) spec.ipFamilyPolicy = 'SingleStack';
  }
  if (needsNodePorts(spec)) {
    const used = new Set(objs(spec.ports).map((p) => num(p.nodePort)));
    for (const p of objs(spec.ports)) {
      if (num(p.nodePort) !== 0) continue;
      let port = 0;
      do port = randomInt(30000, 32768);
      while (used.has(port));
      used.add(port);
      p.nodePort = port;
    }
  }
  if (spec.type === 'LoadBalancer' && externallyAccessible(spec) && spec.externalTrafficPolicy === 'Local' && !num(spec.healthCheckNodePort)) {
    spec.healthCheckNodePort = randomInt(30000, 32768);
  }
  svc.status = { loadBalancer: {} };
}

function goServicePortKey(protocol: string, port: number): RenderedValue {
  const text = `core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${port}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`;
  return new RenderedValue(text, { protocol, port });
}

export function validateService(svc: KObject): Errs {
  const errs: Errs = [];
  const spec = obj(svc.spec);
  const sp = FieldPath.root('spec');
  const ports = objs(spec.ports);
  const headless = isHeadless(spec);
  const type = str(spec.type);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(fieldErr.required(String(sp.child('ports'))));
  if ((type === 'LoadBalancer' || type === 'NodePort') && headless) {
    errs.push(fieldErr.invalid(String(sp.child('clusterIPs').index(0)), 'None', `may not be set to 'None' for ${type} services`));
  }
  if (type === 'ExternalName') {
    if (arr(spec.clusterIPs).length > 0) errs.push(fieldErr.forbidden(String(sp.child('clusterIPs')), 'may not be set for ExternalName services'));
    if (arr(spec.ipFamilies).length > 0) errs.push(fieldErr.forbidden(String(sp.child('ipFamilies')), 'may not be set for ExternalName services'));
    if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(fieldErr.forbidden(String(sp.child('ipFamilyPolicy')), 'may not be set for ExternalName services'));
    const cname = str(spec.externalName).replace(/\.$/, '');
    if (cname) errs.push(...isDNS1123Subdomain(cname).map((m) => fieldErr.invalid(String(sp.child('externalName')), cname, m)));
    else errs.push(fieldErr.required(String(sp.child('externalName'))));
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = sp.child('ports').index(i);
    const name = str(port.name);
    if (ports.length > 1 && !name) errs.push(fieldErr.required(String(p.child('name'))));
    else if (name) {
      errs.push(...isDNS1123Label(name).map((m) => fieldErr.invalid(String(p.child('name')), name, m)));
      if (names.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
      else names.add(name);
    }
    errs.push(...isValidPortNum(num(port.port)).map((m) => fieldErr.invalid(String(p.child('port')), num(port.port), m)));
    const proto = str(port.protocol);
    if (!proto) errs.push(fieldErr.required(String(p.child('protocol'))));
    else if (!PROTOCOLS.includes(proto)) errs.push(fieldErr.notSupported(String(p.child('protocol')), proto, PROTOCOLS));
    errs.push(...validatePortNumOrName(port.targetPort, p.child('targetPort')));
    if (port.appProtocol !== undefined && port.appProtocol !== null) {
      errs.push(...isQualifiedName(str(port.appProtocol)).map((m) => fieldErr.invalid(String(p.child('appProtocol')), port.appProtocol, m)));
    }
  });
  if (isObject(spec.selector)) errs.push(...validateLabels(spec.selector, sp.child('selector')));
  const affinity = str(spec.sessionAffinity);
  if (!affinity) errs.push(fieldErr.required(String(sp.child('sessionAffinity'))));
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(fieldErr.notSupported(String(sp.child('sessionAffinity')), affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const cp = sp.child('sessionAffinityConfig');
    const t = obj(obj(spec.sessionAffinityConfig).clientIP).timeoutSeconds;
    if (typeof t === 'number' && (t <= 0 || t > 86400)) errs.push(fieldErr.invalid(String(cp.child('clientIP', 'timeoutSeconds')), t, 'must be greater than 0 and less than 86400'));
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(fieldErr.forbidden(String(sp.child('sessionAffinityConfig')), 'must not be set when session affinity is None'));
  }
  if (type !== 'ExternalName') errs.push(...validateClusterIPs(spec, sp));
  arr(spec.externalIPs).forEach((ip, i) => errs.push(...isValidIP(str(ip)).map((m) => fieldErr.invalid(String(sp.child('externalIPs').index(i)), ip, m))));
  if (!type) errs.push(fieldErr.required(String(sp.child('type'))));
  else if (!SERVICE_TYPES.includes(type)) errs.push(fieldErr.notSupported(String(sp.child('type')), type, SERVICE_TYPES));
  if (type === 'ClusterIP') {
    ports.forEach((port, i) => {
      if (num(port.nodePort) !== 0) errs.push(fieldErr.forbidden(String(sp.child('ports').index(i).child('nodePort')), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const nodePorts = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((port, i) => {
    const p = sp.child('ports').index(i);
    if (num(port.nodePort) !== 0) {
      const k = `${str(port.protocol)}/${num(port.nodePort)}`;
      if (nodePorts.has(k)) errs.push(fieldErr.duplicate(String(p.child('nodePort')), num(port.nodePort)));
      nodePorts.add(k);
    }
    const k = `${str(port.protocol)}/${num(port.port)}`;
    if (keys.has(k)) errs.push(fieldErr.duplicate(String(p), goServicePortKey(str(port.protocol), num(port.port))));
    keys.add(k);
  });
  const ranges = arr(spec.loadBalancerSourceRanges);
  if (ranges.length > 0) {
    const fp = sp.child('LoadBalancerSourceRanges');
    if (type !== 'LoadBalancer') errs.push(fieldErr.forbidden(String(fp), "may only be used when `type` is 'LoadBalancer'"));
    ranges.forEach((r, i) => errs.push(...isValidCIDRMessages(str(r).trim()).map((m) => fieldErr.invalid(String(fp.index(i)), str(r).trim(), m))));
  }
  if (spec.allocateLoadBalancerNodePorts !== undefined && spec.allocateLoadBalancerNodePorts !== null && type !== 'LoadBalancer') {
    errs.push(fieldErr.forbidden(String(sp.child('allocateLoadBalancerNodePorts')), "may only be used when `type` is 'LoadBalancer'"));
  }
  if (type === 'LoadBalancer' && (spec.allocateLoadBalancerNodePorts === undefined || spec.allocateLoadBalancerNodePorts === null)) {
    errs.push(fieldErr.required('allocateLoadBalancerNodePorts'));
  }
  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(fieldErr.invalid(String(sp.child('externalTrafficPolicy')), etp, 'may only be set for externally-accessible services'));
  } else if (!etp) errs.push(fieldErr.required(String(sp.child('externalTrafficPolicy'))));
  else if (etp !== 'Cluster' && etp !== 'Local') errs.push(fieldErr.notSupported(String(sp.child('externalTrafficPolicy')), etp, ['Cluster', 'Local']));
  const itp = spec.internalTrafficPolicy;
  if ((itp === undefined || itp === null) && ['NodePort', 'LoadBalancer', 'ClusterIP'].includes(type)) errs.push(fieldErr.required(String(sp.child('internalTrafficPolicy'))));
  if (itp !== undefined && itp !== null && itp !== 'Cluster' && itp !== 'Local') errs.push(fieldErr.notSupported(String(sp.child('internalTrafficPolicy')), itp, ['Cluster', 'Local']));
  if (spec.trafficDistribution !== undefined && spec.trafficDistribution !== null && spec.trafficDistribution !== 'PreferClose') {
    errs.push(fieldErr.notSupported(String(sp.child('trafficDistribution')), spec.trafficDistribution, ['PreferClose']));
  }
  return errs;
}

function validateClusterIPs(spec: JsonObject, sp: FieldPath): Errs {
  const errs: Errs = [];
  const ips = arr(spec.clusterIPs).map(str);
  const p = sp.child('clusterIPs');
  if (str(spec.clusterIP)) {
    if (ips.length === 0) errs.push(fieldErr.required(String(p)));
    else if (ips[0] !== spec.clusterIP) errs.push(fieldErr.invalid(String(p), ips, 'first value must match `clusterIP`'));
  } else if (ips.length > 0) errs.push(fieldErr.invalid(String(p), ips, 'must be empty when `clusterIP` is not specified'));
  const fams = arr(spec.ipFamilies).map(str);
  const seen = new Set<string>();
  fams.forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErr.notSupported(String(sp.child('ipFamilies').index(i)), f, ['IPv4', 'IPv6']));
    if (seen.has(f)) errs.push(fieldErr.duplicate(String(sp.child('ipFamilies').index(i)), f));
    seen.add(f);
  });
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && policy !== null && !['PreferDualStack', 'RequireDualStack', 'SingleStack'].includes(str(policy))) {
    errs.push(fieldErr.notSupported(String(sp.child('ipFamilyPolicy')), policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  ips.forEach((ip, i) => {
    if (i === 0 && ip === 'None') {
      if (ips.length > 1) errs.push(fieldErr.invalid(String(p), ips, "'None' must be the first and only value"));
      return;
    }
    errs.push(...isValidIP(ip).map((m) => fieldErr.invalid(String(p.index(i)), ip, m)));
  });
  return errs;
}

function validateServiceUpdate(svc: KObject, old: KObject): Errs {
  const errs: Errs = [];
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName') {
    const oldIPs = arr(oldSpec.clusterIPs).map(str);
    const newIPs = arr(spec.clusterIPs).map(str);
    if (oldIPs.length > 0 && newIPs.length > 0 && oldIPs[0] !== newIPs[0]) {
      errs.push(fieldErr.invalid(String(FieldPath.root('spec').child('clusterIPs').index(0)), new RenderedValue(`[]string{${newIPs.map((s) => JSON.stringify(s)).join(', ')}}`, newIPs), 'may not change once set'));
    }
    const oldF = arr(oldSpec.ipFamilies).map(str);
    const newF = arr(spec.ipFamilies).map(str);
    if (oldF.length > 0 && newF.length > 0 && oldF[0] !== newF[0]) {
      errs.push(fieldErr.invalid(String(FieldPath.root('spec').child('ipFamilies').index(0)), newF[0], 'may not change once set'));
    }
  }
  return errs;
}

/** PUT/patch without the allocated values keeps them, as upstream's patchAllocatedValues does. */
function keepAllocated(svc: KObject, old: KObject): void {
  const spec = obj(svc.spec);
  const oldSpec = obj(old.spec);
  if (spec.type === 'ExternalName' || oldSpec.type === 'ExternalName') return;
  if (!str(spec.clusterIP) && arr(spec.clusterIPs).length === 0 && str(oldSpec.clusterIP)) {
    spec.clusterIP = oldSpec.clusterIP;
    spec.clusterIPs = [...arr(oldSpec.clusterIPs)];
  }
  if (arr(spec.ipFamilies).length === 0 && arr(oldSpec.ipFamilies).length > 0) spec.ipFamilies = [...arr(oldSpec.ipFamilies)];
  if (!spec.ipFamilyPolicy && oldSpec.ipFamilyPolicy) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
  if (needsNodePorts(spec) && needsNodePorts(oldSpec)) {
    const oldPorts = objs(oldSpec.ports);
    for (const p of objs(spec.ports)) {
      if (num(p.nodePort) !== 0) continue;
      const match = oldPorts.find((o) => num(o.port) === num(p.port) && str(o.protocol) === str(p.protocol));
      if (match && num(match.nodePort)) p.nodePort = match.nodePort;
    }
  }
  if (needsNodePorts(spec)) allocateService({ ...svc, status: svc.status });
}

function externalIP(spec: JsonObject, status: JsonObject): string {
  const ext = arr(spec.externalIPs).map(str);
  switch (spec.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [...new Set(objs(obj(status.loadBalancer).ingress).map((i) => str(i.ip) || str(i.hostname)).filter(Boolean))].sort();
      if (ext.length) return [...lb, ...ext].join(',');
      return lb.length ? lb.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function portString(ports: JsonObject[]): string {
  return ports.map((p) => (num(p.nodePort) > 0 ? `${num(p.port)}:${num(p.nodePort)}/${str(p.protocol)}` : `${num(p.port)}/${str(p.protocol)}`)).join(',');
}

export const serviceKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Service',
  listKind: 'ServiceList',
  plural: 'services',
  singular: 'service',
  namespaced: true,
  nameValidation: 'dns1035',
  shortNames: ['svc'],
  categories: ['all'],
  extraSubresources: [{ name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'ServiceProxyOptions' } }],
  defaults: (svc) => defaultService(svc),
  prepareForCreate: (svc) => allocateService(svc),
  prepareForUpdate: (svc, old) => keepAllocated(svc, old),
  validate: (svc) => validateService(svc),
  validateUpdate: (svc, old) => validateServiceUpdate(svc, old),
  status: {
    validateUpdate(svc) {
      const errs: Errs = [];
      const ingress = objs(obj(obj(svc.status).loadBalancer).ingress);
      const p = FieldPath.root('status').child('loadBalancer', 'ingress');
      if (obj(svc.spec).type !== 'LoadBalancer' && ingress.length) errs.push(fieldErr.forbidden(String(p), "may only be used when `spec.type` is 'LoadBalancer'"));
      ingress.forEach((ing, i) => {
        if (str(ing.ip)) errs.push(...isValidIP(str(ing.ip)).map((m) => fieldErr.invalid(String(p.index(i).child('ip')), ing.ip, m)));
        if (str(ing.hostname)) errs.push(...isDNS1123Subdomain(str(ing.hostname)).map((m) => fieldErr.invalid(String(p.index(i).child('hostname')), ing.hostname, m)));
      });
      return errs;
    },
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Type', 'string', 'type determines how the Service is exposed.'),
      col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
      col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
      col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
      AGE_COLUMN,
      col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
    ],
    row(svc, now) {
      const spec = obj(svc.spec);
      const ips = arr(spec.clusterIPs).map(str);
      return [
        svc.metadata.name,
        str(spec.type),
        ips.length ? ips[0] : '<none>',
        externalIP(spec, obj(svc.status)),
        portString(objs(spec.ports)) || '<none>',
        since(svc.metadata.creationTimestamp, now),
        formatLabels(spec.selector),
      ];
    },
  },
};
