// Endpoints (core/v1): SetDefaults_EndpointPort, ValidateEndpoints(Update) (pkg/apis/core/validation,
// v1.32) and the `kubectl get endpoints` table (printEndpoints / formatEndpoints).

import { FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidIP, isValidPortNum, parseIPSloppy } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { num, objs, str } from './json-shape.js';
import { AGE_COLUMN, NAME_COLUMN, col, since } from './table-cells.js';

type Errs = FieldError[];

export const ENDPOINT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** Which of Go's net.IP special ranges the 4- or 16-byte address is in, if any. */
function specialIPKind(ip: number[]): 'unspecified' | 'loopback' | 'link-local' | 'link-local-multicast' | undefined {
  let v4: number[] | undefined;
  if (ip.length === 4) v4 = ip;
  else if (ip.slice(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) v4 = ip.slice(12);
  if (v4) {
    if (v4.every((b) => b === 0)) return 'unspecified';
    if (v4[0] === 127) return 'loopback';
    if (v4[0] === 169 && v4[1] === 254) return 'link-local';
    if (v4[0] === 224 && v4[1] === 0 && v4[2] === 0) return 'link-local-multicast';
    return undefined;
  }
  if (ip.every((b) => b === 0)) return 'unspecified';
  if (ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1) return 'loopback';
  if (ip[0] === 0xfe && (ip[1]! & 0xc0) === 0x80) return 'link-local';
  if (ip[0] === 0xff && (ip[1]! & 0x0f) === 0x02) return 'link-local-multicast';
  return undefined;
}

/**
 * ValidateNonSpecialIP: endpoint addresses may not be unspecified, loopback or link-local.
 * `allowLoopback` is for the API server's own `kubernetes` endpoints when it listens on loopback
 * only (upstream refuses those too and logs the failure; k8ts serves a loopback address by design).
 */
export function validateNonSpecialIP(ip: string, path: string, allowLoopback = false): Errs {
  const parsed = parseIPSloppy(ip);
  if (!parsed) return [fieldErr.invalid(path, ip, 'must be a valid IP address')];
  switch (specialIPKind(parsed)) {
    case 'unspecified':
      return [fieldErr.invalid(path, ip, `may not be unspecified (${ip})`)];
    case 'loopback':
      return allowLoopback ? [] : [fieldErr.invalid(path, ip, 'may not be in the loopback range (127.0.0.0/8, ::1/128)')];
    case 'link-local':
      return [fieldErr.invalid(path, ip, 'may not be in the link-local range (169.254.0.0/16, fe80::/10)')];
    case 'link-local-multicast':
      return [fieldErr.invalid(path, ip, 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)')];
    default:
      return [];
  }
}

export function defaultEndpoints(ep: KObject): void {
  for (const ss of objs(ep.subsets)) for (const p of objs(ss.ports)) if (!p.protocol) p.protocol = 'TCP';
}

function validateAddress(a: JsonObject, p: FieldPath, allowLoopback: boolean): Errs {
  const errs: Errs = [];
  const ip = str(a.ip);
  const ipErrs = isValidIP(ip).map((m) => fieldErr.invalid(String(p.child('ip')), ip, m));
  errs.push(...ipErrs);
  if (str(a.hostname)) errs.push(...isDNS1123Label(str(a.hostname)).map((m) => fieldErr.invalid(String(p.child('hostname')), a.hostname, m)));
  if (a.nodeName !== undefined && a.nodeName !== null) {
    errs.push(...isDNS1123Subdomain(str(a.nodeName)).map((m) => fieldErr.invalid(String(p.child('nodeName')), a.nodeName, m)));
  }
  if (ipErrs.length === 0) errs.push(...validateNonSpecialIP(ip, String(p.child('ip')), allowLoopback));
  return errs;
}

function validatePort(port: JsonObject, requireName: boolean, p: FieldPath): Errs {
  const errs: Errs = [];
  const name = str(port.name);
  if (requireName && !name) errs.push(fieldErr.required(String(p.child('name'))));
  else if (name) errs.push(...isDNS1123Label(name).map((m) => fieldErr.invalid(String(p.child('name')), name, m)));
  errs.push(...isValidPortNum(num(port.port)).map((m) => fieldErr.invalid(String(p.child('port')), num(port.port), m)));
  const proto = str(port.protocol);
  if (!proto) errs.push(fieldErr.required(String(p.child('protocol'))));
  else if (!ENDPOINT_PROTOCOLS.includes(proto)) errs.push(fieldErr.notSupported(String(p.child('protocol')), proto, ENDPOINT_PROTOCOLS));
  if (port.appProtocol !== undefined && port.appProtocol !== null) {
    errs.push(...isQualifiedName(str(port.appProtocol)).map((m) => fieldErr.invalid(String(p.child('appProtocol')), port.appProtocol, m)));
  }
  return errs;
}

/** validateEndpointSubsets (create and update alike). */
export function validateEndpoints(ep: KObject, opts: { allowLoopback?: boolean } = {}): Errs {
  const errs: Errs = [];
  objs(ep.subsets).forEach((ss, i) => {
    const p = FieldPath.root('subsets').index(i);
    const ready = objs(ss.addresses);
    const notReady = objs(ss.notReadyAddresses);
    if (ready.length === 0 && notReady.length === 0) errs.push(fieldErr.required(String(p), 'must specify `addresses` or `notReadyAddresses`'));
    ready.forEach((a, j) => errs.push(...validateAddress(a, p.child('addresses').index(j), !!opts.allowLoopback)));
    notReady.forEach((a, j) => errs.push(...validateAddress(a, p.child('notReadyAddresses').index(j), !!opts.allowLoopback)));
    const ports = objs(ss.ports);
    ports.forEach((port, j) => errs.push(...validatePort(port, ports.length > 1, p.child('ports').index(j))));
  });
  return errs;
}

/** formatEndpoints: up to three `ip:port` of ready addresses, then `+ N more...`; `<none>` without subsets. */
export function formatEndpoints(ep: KObject): string {
  const subsets = objs(ep.subsets);
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  const hostPort = (ip: string, port?: number) => (port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addrs = objs(ss.addresses);
    const ports = objs(ss.ports);
    const perPort: (number | undefined)[] = ports.length === 0 ? [undefined] : ports.map((p) => num(p.port));
    for (const port of perPort) {
      count += addrs.length;
      for (const a of addrs) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(hostPort(str(a.ip), port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsKind: KindDef = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  listKind: 'EndpointsList',
  plural: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  defaults: (ep) => defaultEndpoints(ep),
  validate: (ep) => validateEndpoints(ep),
  table: {
    columns: [
      NAME_COLUMN,
      col(
        'Endpoints',
        'string',
        'The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service.',
      ),
      AGE_COLUMN,
    ],
    row: (ep, now) => [ep.metadata.name, formatEndpoints(ep), since(ep.metadata.creationTimestamp, now)],
  },
};
