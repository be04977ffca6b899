// Container resource requirements (validateResourceRequirements with validateContainerResourceName)
// and the resource-name helpers of pkg/apis/core/helper that decide overcommit and integer rules.

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { type Quantity, parseQuantity } from '../../api/quantity.js';
import { isDNS1123Label, isQualifiedName } from '../../api/validation/names.js';
import { isObject, objs, str } from './json-shape.js';

type Errs = FieldError[];

const STANDARD_RESOURCES = new Set([
  'cpu', 'memory', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.ephemeral-storage', 'limits.cpu',
  'limits.memory', 'limits.ephemeral-storage', 'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets',
  'configmaps', 'persistentvolumeclaims', 'storage', 'requests.storage', 'services.nodeports', 'services.loadbalancers',
]);
const INTEGER_RESOURCES = new Set([
  'pods', 'services', 'replicationcontrollers', 'resourcequotas', 'secrets', 'configmaps', 'persistentvolumeclaims',
  'services.nodeports', 'services.loadbalancers',
]);

export function isHugePageResourceName(name: string): boolean {
  return name.startsWith('hugepages-');
}

export function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

export function isExtendedResourceName(name: string): boolean {
  if (isNativeResource(name) || name.startsWith('requests.')) return false;
  return isQualifiedName(`requests.${name}`).length === 0;
}

export function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePageResourceName(name);
}

function isStandardResourceName(name: string): boolean {
  return STANDARD_RESOURCES.has(name) || isHugePageResourceName(name) || name.startsWith('requests.hugepages-');
}

function isIntegerResourceName(name: string): boolean {
  return INTEGER_RESOURCES.has(name) || isExtendedResourceName(name);
}

function validateContainerResourceName(name: string, p: FieldPath): Errs {
  const errs: Errs = [];
  for (const m of isQualifiedName(name)) errs.push(fieldErr.invalid(String(p), name, m));
  if (errs.length === 0 && !name.includes('/') && !isStandardResourceName(name)) {
    errs.push(fieldErr.invalid(String(p), name, 'must be a standard resource type or fully qualified'));
  }
  if (!name.includes('/')) {
    if (!(name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || isHugePageResourceName(name))) {
      errs.push(fieldErr.invalid(String(p), name, 'must be a standard resource for containers'));
    }
  } else if (!isNativeResource(name) && !isExtendedResourceName(name)) {
    errs.push(fieldErr.invalid(String(p), name, "doesn't follow extended resource name standard"));
  }
  return errs;
}

/** Parses a quantity field value; undefined (with an error pushed) when it is not a quantity. */
export function quantityOf(v: unknown, p: FieldPath, errs: Errs): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') {
    errs.push(fieldErr.invalid(String(p), v, 'must be a quantity'));
    return undefined;
  }
  try {
    return parseQuantity(String(v));
  } catch {
    errs.push(
      fieldErr.invalid(String(p), String(v), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"),
    );
    return undefined;
  }
}

/** ValidateResourceQuantityValue: non-negative, and whole for integer resources. */
export function validateResourceQuantityValue(name: string, q: Quantity, p: FieldPath): Errs {
  const errs: Errs = [];
  if (q.sign() < 0) errs.push(fieldErr.invalid(String(p), q.toString(), 'must be greater than or equal to 0'));
  if (isIntegerResourceName(name) && q.milliValue() % 1000 !== 0) errs.push(fieldErr.invalid(String(p), q.toString(), 'must be an integer'));
  return errs;
}

export function validateResourceRequirements(res: JsonObject, podClaimNames: Set<string>, path: FieldPath): Errs {
  const errs: Errs = [];
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  const limits = isObject(res.limits) ? res.limits : {};
  const requests = isObject(res.requests) ? res.requests : {};
  const limitQ = new Map<string, Quantity>();
  let limCpuMem = false;
  let reqCpuMem = false;
  let hugePages = false;
  for (const name of Object.keys(limits)) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityOf(limits[name], p, errs);
    if (!q) continue;
    limitQ.set(name, q);
    errs.push(...validateResourceQuantityValue(name, q, p));
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') limCpuMem = true;
  }
  for (const name of Object.keys(requests)) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    const q = quantityOf(requests[name], p, errs);
    if (!q) continue;
    errs.push(...validateResourceQuantityValue(name, q, p));
    const lim = limitQ.get(name);
    if (lim) {
      if (q.cmp(lim) !== 0 && !isOvercommitAllowed(name)) {
        errs.push(fieldErr.invalid(String(reqPath), q.toString(), `must be equal to ${name} limit of ${lim.toString()}`));
      } else if (q.cmp(lim) > 0) {
        errs.push(fieldErr.invalid(String(reqPath), q.toString(), `must be less than or equal to ${name} limit of ${lim.toString()}`));
      }
    } else if (!isOvercommitAllowed(name) && limits[name] === undefined) {
      errs.push(fieldErr.required(String(limPath), 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePageResourceName(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') reqCpuMem = true;
  }
  if (!limCpuMem && !reqCpuMem && hugePages) errs.push(fieldErr.forbidden(String(path), 'HugePages require cpu or memory'));
  const seen = new Set<string>();
  objs(res.claims).forEach((c, i) => {
    const p = path.child('claims').index(i);
    const name = str(c.name);
    if (!name) {
      errs.push(fieldErr.required(String(p)));
      return;
    }
    const key = c.request ? `${name}/${str(c.request)}` : name;
    if (seen.has(name) || seen.has(key)) errs.push(fieldErr.duplicate(String(p), key));
    if (c.request) for (const m of isDNS1123Label(str(c.request))) errs.push(fieldErr.invalid(String(p.child('request')), c.request, m));
    seen.add(key);
    if (!podClaimNames.has(name)) {
      const detail =
        'must be one of the names in pod.spec.resourceClaims' +
        (podClaimNames.size === 0 ? ' which is empty' : ': ' + [...podClaimNames].sort().join(', '));
      errs.push(new FieldError('FieldValueNotFound', String(p), name, detail));
    }
  });
  return errs;
}
