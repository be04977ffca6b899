// EndpointSlice (discovery.k8s.io/v1): SetDefaults_EndpointPort, ValidateEndpointSlice(Create|Update)
// (pkg/apis/discovery/validation, v1.32) and the `kubectl get endpointslices` table
// (printEndpointSlice: formatDiscoveryPorts / formatDiscoveryEndpoints).

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIPv4Address, isValidIPv6Address } from '../../api/validation/names.js';
import { validateLabels } from '../../api/validation/object-meta.js';
import { ENDPOINT_PROTOCOLS, validateNonSpecialIP } from '../core/endpoints.js';
import { arr, isObject, objs, str } from '../core/json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from '../core/table-cells.js';
import type { KindDef } from '../types.js';

type Errs = FieldError[];

const SUPPORTED_ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
/** Accepted on update only (slices stored before it was deprecated). */
const DEPRECATED_ADDRESS_TYPES = ['IP'];
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
export const MAX_SLICE_ENDPOINTS = 1000;

export function defaultEndpointSlice(slice: KObject): void {
  for (const p of objs(slice.ports)) {
    if (p.name === undefined || p.name === null) p.name = '';
    if (p.protocol === undefined || p.protocol === null) p.protocol = 'TCP';
  }
}

/** IsFullyQualifiedDomainName */
function fqdnErrors(path: string, name: string): Errs {
  if (!name) return [fieldErr.required(path)];
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  const sub = isDNS1123Subdomain(n);
  if (sub.length) return [fieldErr.invalid(path, n, sub.join(','))];
  const labels = n.split('.');
  if (labels.length < 2) return [fieldErr.invalid(path, n, 'should be a domain with at least two segments separated by dots')];
  for (const l of labels) {
    const e = isDNS1123Label(l);
    if (e.length) return [fieldErr.invalid(path, l, e.join(','))];
  }
  return [];
}

function validateSliceEndpoints(endpoints: JsonObject[], addressType: string, allowLoopback: boolean): Errs {
  const errs: Errs = [];
  const fp = FieldPath.root('endpoints');
  if (endpoints.length > MAX_SLICE_ENDPOINTS) return [fieldErr.tooMany(String(fp), endpoints.length, MAX_SLICE_ENDPOINTS)];
  endpoints.forEach((ep, i) => {
    const ip = fp.index(i);
    const ap = ip.child('addresses');
    const addrs = arr(ep.addresses).map(str);
    if (addrs.length === 0) errs.push(fieldErr.required(String(ap), 'must contain at least 1 address'));
    else if (addrs.length > MAX_ADDRESSES) errs.push(fieldErr.tooMany(String(ap), addrs.length, MAX_ADDRESSES));
    addrs.forEach((a, j) => {
      const p = String(ap.index(j));
      if (addressType === 'IPv4' || addressType === 'IPv6') {
        const ipErrs = (addressType === 'IPv4' ? isValidIPv4Address(a) : isValidIPv6Address(a)).map((m) => fieldErr.invalid(p, a, m));
        errs.push(...ipErrs);
        errs.push(...validateNonSpecialIP(a, p, allowLoopback));
      } else if (addressType === 'FQDN') errs.push(...fqdnErrors(p, a));
    });
    const topo = ep.deprecatedTopology;
    if (isObject(topo)) {
      const tp = ip.child('deprecatedTopology');
      if (Object.keys(topo).length > MAX_TOPOLOGY_LABELS) errs.push(fieldErr.tooMany(String(tp), Object.keys(topo).length, MAX_TOPOLOGY_LABELS));
      errs.push(...validateLabels(topo as Record<string, string>, tp));
    }
    if (ep.hostname !== undefined && ep.hostname !== null) {
      errs.push(...isDNS1123Label(str(ep.hostname)).map((m) => fieldErr.invalid(String(ip.child('hostname')), ep.hostname, m)));
    }
  });
  return errs;
}

function validateSlicePorts(ports: JsonObject[]): Errs {
  const fp = FieldPath.root('ports');
  if (ports.length > MAX_PORTS) return [fieldErr.tooMany(String(fp), ports.length, MAX_PORTS)];
  const errs: Errs = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const p = fp.index(i);
    const name = str(port.name);
    if (name) errs.push(...isDNS1123Label(name).map((m) => fieldErr.invalid(String(p.child('name')), name, m)));
    if (names.has(name)) errs.push(fieldErr.duplicate(String(p.child('name')), name));
    else names.add(name);
    if (port.protocol === undefined || port.protocol === null) errs.push(fieldErr.required(String(p.child('protocol'))));
    else if (!ENDPOINT_PROTOCOLS.includes(str(port.protocol))) errs.push(fieldErr.notSupported(String(p.child('protocol')), port.protocol, ENDPOINT_PROTOCOLS));
    if (port.appProtocol !== undefined && port.appProtocol !== null) {
      errs.push(...isQualifiedName(str(port.appProtocol)).map((m) => fieldErr.invalid(String(p.child('appProtocol')), port.appProtocol, m)));
    }
  });
  return errs;
}

/** ValidateEndpointSlice with the address types allowed for this write (create: supported only). */
export function validateEndpointSlice(slice: KObject, operation: 'create' | 'update', opts: { allowLoopback?: boolean } = {}): Errs {
  const errs: Errs = [];
  const valid = operation === 'create' ? SUPPORTED_ADDRESS_TYPES : [...SUPPORTED_ADDRESS_TYPES, ...DEPRECATED_ADDRESS_TYPES].sort();
  const at = str(slice.addressType);
  if (!at) errs.push(fieldErr.required('addressType'));
  else if (!valid.includes(at)) errs.push(fieldErr.notSupported('addressType', at, valid));
  errs.push(...validateSliceEndpoints(objs(slice.endpoints), at, !!opts.allowLoopback));
  errs.push(...validateSlicePorts(objs(slice.ports)));
  return errs;
}

function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** formatDiscoveryPorts */
export function formatSlicePorts(ports: JsonObject[]): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const port of ports) {
    if (list.length < 3) list.push(typeof port.port === 'number' ? String(port.port) : typeof port.name === 'string' ? port.name : '*');
    else if (list.length === 3) more = true;
    count++;
  }
  return listWithMore(list, more, count, 3);
}

/** formatDiscoveryEndpoints */
export function formatSliceEndpoints(endpoints: JsonObject[]): string {
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ep of endpoints) {
    for (const a of arr(ep.addresses)) {
      if (list.length < 3) list.push(str(a));
      else if (list.length === 3) more = true;
      count++;
    }
  }
  return listWithMore(list, more, count, 3);
}

export const endpointSliceKind: KindDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  plural: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  defaults: (s) => defaultEndpointSlice(s),
  validate: (s, ctx) => validateEndpointSlice(s, ctx.operation),
  validateUpdate(s, old) {
    if (str(s.addressType) !== str(old.addressType)) return [fieldErr.invalid('addressType', s.addressType, 'field is immutable')];
    return [];
  },
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'AddressType',
        'string',
        'addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name.',
      ),
      col(
        'Ports',
        'string',
        'ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates "all ports". Each slice may include a maximum of 100 ports.',
      ),
      col('Endpoints', 'string', 'endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints.'),
      AGE_COLUMN,
    ],
    row: (s, now) => [s.metadata.name, str(s.addressType), formatSlicePorts(objs(s.ports)), formatSliceEndpoints(objs(s.endpoints)), since(s.metadata.creationTimestamp, now)],
  },
};
