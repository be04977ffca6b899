// Node (core/v1): pkg/registry/core/node/strategy.go. Nodes may set everything, status included,
// on create; the main resource keeps the stored status and the status subresource keeps spec.
// Taint errors are reported under `metadata.taints[...]`, as upstream does (ValidateNode passes
// the metadata path).

import { FieldError, FieldPath, RenderedValue, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isValidLabelValue } from '../../api/validation/names.js';
import { validateLabelName } from '../../api/validation/object-meta.js';
import type { KindDef } from '../types.js';
import { arr, isObject, obj, objs, str } from './json-shape.js';
import { validateTaintEffect } from './pod-validation-scheduling.js';
import { quantityOf, validateResourceQuantityValue } from './resource-validation.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';
import { isIPv4, isIPv6, isValidCIDRMessages } from './value-checks.js';

type Errs = FieldError[];

function validateTaints(taints: unknown, path: FieldPath): Errs {
  const errs: Errs = [];
  const seen = new Map<string, Set<string>>();
  objs(taints).forEach((t, i) => {
    const p = path.index(i);
    const key = str(t.key);
    const effect = str(t.effect);
    errs.push(...validateLabelName(key, p.child('key')));
    const vm = isValidLabelValue(str(t.value));
    if (vm.length) errs.push(fieldErr.invalid(String(p.child('value')), str(t.value), vm.join(';')));
    errs.push(...validateTaintEffect(effect, false, p.child('effect')));
    const keys = seen.get(effect);
    if (keys?.has(key)) {
      const text = `core.Taint{Key:${JSON.stringify(key)}, Value:${JSON.stringify(str(t.value))}, Effect:${JSON.stringify(effect)}, TimeAdded:<nil>}`;
      errs.push(new FieldError('FieldValueDuplicate', String(p), new RenderedValue(text, t), 'taints must be unique by key and effect pair'));
      return;
    }
    if (!keys) seen.set(effect, new Set([key]));
    else keys.add(key);
  });
  return errs;
}

function validateNodeResources(node: KObject): Errs {
  const errs: Errs = [];
  const st = obj(node.status);
  for (const which of ['capacity', 'allocatable']) {
    const list = obj(st[which]);
    for (const k of Object.keys(list)) {
      const p = FieldPath.root('status').child(which, k);
      const q = quantityOf(list[k], p, errs);
      if (q) errs.push(...validateResourceQuantityValue(k, q, p));
    }
  }
  return errs;
}

function validatePodCIDRs(cidrs: unknown): Errs {
  const list = arr(cidrs).map(str);
  if (list.length === 0) return [];
  const p = FieldPath.root('spec').child('podCIDRs');
  const errs: Errs = [];
  list.forEach((c, i) => errs.push(...isValidCIDRMessages(c).map((m) => fieldErr.invalid(String(p.index(i)), c, m))));
  if (list.length > 1) {
    const fam = (c: string) => c.split('/')[0];
    const v4 = list.filter((c) => isIPv4(fam(c))).length;
    const v6 = list.filter((c) => isIPv6(fam(c))).length;
    if (!(v4 === 1 && v6 === 1) || list.length > 2) errs.push(fieldErr.invalid(String(p), list, 'may specify no more than one CIDR for each IP family'));
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c)) errs.push(fieldErr.duplicate(String(p.index(i)), c));
      seen.add(c);
    });
  }
  return errs;
}

export function validateNode(node: KObject): Errs {
  const spec = obj(node.spec);
  return [...validateTaints(spec.taints, FieldPath.root('metadata').child('taints')), ...validateNodeResources(node), ...validatePodCIDRs(spec.podCIDRs)];
}

export function validateNodeUpdate(node: KObject, old: KObject): Errs {
  const errs: Errs = [];
  const spec = obj(node.spec);
  const oldSpec = obj(old.spec);
  const addresses = objs(obj(node.status).addresses);
  const seen = new Set<string>();
  addresses.forEach((a, i) => {
    const k = `${str(a.type)}\u0000${str(a.address)}`;
    if (seen.has(k)) errs.push(fieldErr.duplicate(String(FieldPath.root('status').child('addresses').index(i)), a));
    seen.add(k);
  });
  const oldCIDRs = arr(oldSpec.podCIDRs);
  const newCIDRs = arr(spec.podCIDRs);
  if (oldCIDRs.length > 0) {
    const msg = 'node updates may not change podCIDR except from "" to valid';
    if (oldCIDRs.length !== newCIDRs.length) errs.push(fieldErr.forbidden('spec.podCIDRs', msg));
    else oldCIDRs.forEach((c, i) => c !== newCIDRs[i] && errs.push(fieldErr.forbidden('spec.podCIDRs', msg)));
  }
  if (str(oldSpec.providerID) && oldSpec.providerID !== spec.providerID) {
    errs.push(fieldErr.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  if (str(spec.externalID) !== str(oldSpec.externalID)) errs.push(fieldErr.forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

function nodeStatus(node: KObject): string {
  const conds = objs(obj(node.status).conditions);
  const ready = conds.filter((c) => c.type === 'Ready').pop();
  const status: string[] = [];
  if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
  else status.push('Unknown');
  if (obj(node.spec).unschedulable === true) status.push('SchedulingDisabled');
  return status.join(',');
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and the `kubernetes.io/role` value. */
export function nodeRoles(node: KObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

function address(node: KObject, type: string): string {
  return str(objs(obj(node.status).addresses).find((a) => a.type === type)?.address) || '<none>';
}

export const nodeKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  listKind: 'NodeList',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  extraSubresources: [{ name: 'proxy', verbs: ['create', 'delete', 'get', 'patch', 'update'], kind: { group: '', version: 'v1', kind: 'NodeProxyOptions' } }],
  defaults(node) {
    const st = node.status;
    if (isObject(st) && st.allocatable === undefined && isObject(st.capacity)) st.allocatable = { ...st.capacity };
  },
  validate: (node) => validateNode(node),
  validateUpdate: (node, old) => validateNodeUpdate(node, old),
  status: {
    validateUpdate: (node, old) => [...validateNodeResources(node), ...validateNodeUpdate(node, old)],
  },
  fieldSelectors: {
    'spec.unschedulable': (n) => String(obj(n.spec).unschedulable === true),
  },
  table: {
    columns: [
      NAME_COLUMN,
      col('Status', 'string', 'The status of the node'),
      col('Roles', 'string', 'The roles of the node'),
      AGE_COLUMN,
      col('Version', 'string', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 'List of addresses reachable to the node.', 1),
      col('External-IP', 'string', 'List of addresses reachable to the node.', 1),
      col('OS-Image', 'string', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', 1),
      col('Kernel-Version', 'string', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
      col('Container-Runtime', 'string', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', 1),
    ],
    row(node, now) {
      const info: JsonObject = obj(obj(node.status).nodeInfo);
      return [
        node.metadata.name,
        nodeStatus(node),
        nodeRoles(node),
        since(node.metadata.creationTimestamp, now),
        str(info.kubeletVersion),
        address(node, 'InternalIP'),
        address(node, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>',
      ];
    },
  },
};
