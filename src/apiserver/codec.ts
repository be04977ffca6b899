// Request body decoding (JSON, YAML, Kubernetes protobuf) and response negotiation (object,
// Table, PartialObjectMetadata). Replies are always JSON; kubectl accepts JSON everywhere.

import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { ApiError, apiErr } from '../api/errors.js';
import { decodeKubernetesProtobuf } from '../api/protobuf/decode.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type BodyFormat = 'json' | 'yaml' | 'protobuf';

export interface DecodedBody {
  value: unknown;
  format: BodyFormat;
  /** The raw text for JSON/YAML (duplicate-field detection needs it). */
  text?: string;
}

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export function decodeBody(buf: Buffer, contentType: string | undefined): DecodedBody {
  const mt = mediaType(contentType);
  if (buf.length === 0) throw apiErr.badRequest('the request body is empty');
  switch (mt) {
    case 'application/vnd.kubernetes.protobuf':
      return { value: decodeKubernetesProtobuf(buf), format: 'protobuf' };
    case 'application/yaml':
    case 'application/x-yaml':
    case 'text/yaml':
    case 'application/apply-patch+yaml':
      return decodeYaml(buf.toString('utf8'));
    case '':
    case 'application/json':
    case 'application/json-patch+json':
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
    case '*/*':
      return decodeJson(buf.toString('utf8'));
    default:
      throw apiErr.unsupportedMediaType(mt);
  }
}

function decodeJson(text: string): DecodedBody {
  try {
    return { value: JSON.parse(text), format: 'json', text };
  } catch (e) {
    throw apiErr.badRequest(`the body of the request could not be decoded as JSON: ${(e as Error).message}`);
  }
}

function decodeYaml(text: string): DecodedBody {
  // JSON is a YAML subset, but JSON.parse is much faster and gives precise errors for the common case.
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return { value: JSON.parse(text), format: 'json', text };
    } catch {
      /* fall through to YAML */
    }
  }
  try {
    const docs = parseAllDocuments(text);
    if (Array.isArray(docs) && docs.length > 1) throw apiErr.badRequest('the body of the request must hold exactly one YAML document');
    const value = parseYaml(text, { uniqueKeys: false, intAsBigInt: false });
    return { value, format: 'yaml', text };
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw apiErr.badRequest(`the body of the request could not be decoded as YAML: ${(e as Error).message}`);
  }
}

export type ResponseShape = 'object' | 'table' | 'metadata';

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [{ type: 'application/json', params: {} }];
  return accept.split(',').map((part) => {
    const [type, ...ps] = part.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of ps) {
      const i = p.indexOf('=');
      if (i > 0) params[p.slice(0, i).trim()] = p.slice(i + 1).trim();
    }
    return { type: type.toLowerCase(), params };
  });
}

/**
 * Picks the response shape from the Accept header, in the client's order of preference.
 * Tables are only offered where `tableAllowed` (get, list, watch of a resource).
 */
export function negotiate(accept: string | undefined, tableAllowed: boolean): ResponseShape {
  for (const r of parseAccept(accept)) {
    if (r.type === 'application/json' || r.type === 'application/yaml') {
      const as = r.params.as;
      if (!as) return 'object';
      if (r.params.g !== 'meta.k8s.io' || (r.params.v !== 'v1' && r.params.v !== 'v1beta1')) continue;
      if (as === 'Table' && tableAllowed) return 'table';
      if ((as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') && tableAllowed) return 'metadata';
      continue;
    }
    if (r.type === '*/*' || r.type === 'application/*') return 'object';
  }
  throw apiErr.notAcceptable(
    `only the following media types are accepted: application/json, application/yaml, application/json;as=Table;v=v1;g=meta.k8s.io`,
  );
}

export const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
