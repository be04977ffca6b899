// Turns a request path into what it addresses, following apiserver's RequestInfoFactory:
// /api/v1/namespaces/{ns}/{resource}/{name}/{subresource} and /apis/{group}/{version}/...

export interface ResourceRequest {
  kind: 'resource';
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

export interface OtherRequest {
  kind: 'other';
  path: string;
}

export type RequestInfo = ResourceRequest | OtherRequest;

export function parseRequestPath(pathname: string): RequestInfo {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return { kind: 'other', path: pathname };
  }
  rest = rest.map(decodeURIComponent);
  const info: ResourceRequest = { kind: 'resource', group, version, resource: '' };
  if (rest[0] === 'namespaces') {
    if (rest.length >= 3) {
      info.namespace = rest[1];
      rest = rest.slice(2);
    } else {
      // /api/v1/namespaces or /api/v1/namespaces/{name}
      info.resource = 'namespaces';
      if (rest.length === 2) info.name = rest[1];
      return info;
    }
  }
  info.resource = rest[0];
  if (rest.length >= 2) info.name = rest[1];
  if (rest.length >= 3) info.subresource = rest.slice(2).join('/');
  // The namespace object's own subresources: /api/v1/namespaces/{name}/status|finalize.
  if (info.namespace !== undefined && group === '' && (rest[0] === 'status' || rest[0] === 'finalize') && rest.length === 1) {
    return { kind: 'resource', group, version, resource: 'namespaces', name: info.namespace, subresource: rest[0] };
  }
  return info;
}
