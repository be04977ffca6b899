// GET /openapi/v2: content negotiation and caching for the Swagger 2.0 document.
//
// As upstream's kube-openapi handler: the Accept clauses are tried best-first (by q, then by
// specificity); `application/json` and the two gnostic protobuf media types are offered, an empty
// Accept means `*/*` (JSON), anything else is answered 406 with an empty body. Each form carries a
// quoted content-hash ETag and `Vary: Accept`, and a matching If-None-Match gets 304, so kubectl's
// HTTP cache (--cache-dir) revalidates instead of downloading the document again.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encodeSwaggerDocument } from './gnostic-encode.js';

/** What kubectl sends (upstream calls it deprecated). `@` is not a token character, so Go's
 * mime.ParseMediaType rejects it and client-go fails a response labelled with it ("mime: unexpected
 * content after media subtype"): both spellings are answered as OPENAPI_V2_PROTOBUF, as upstream does. */
export const OPENAPI_V2_PROTOBUF_AT = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

interface Rendered {
  body: Buffer;
  etag: string;
}

/**
 * The two renderings of one Swagger document, each built on first use and then kept. Building
 * takes tens of milliseconds (it walks every definition), so it never happens at start-up.
 */
export class OpenApiV2Documents {
  private doc?: Record<string, unknown>;
  private jsonForm?: Rendered;
  private protoForm?: Rendered;

  constructor(private readonly build: () => Record<string, unknown>) {}

  private swagger(): Record<string, unknown> {
    return (this.doc ??= this.build());
  }

  json(): Rendered {
    return (this.jsonForm ??= rendered(Buffer.from(JSON.stringify(this.swagger()))));
  }

  protobuf(): Rendered {
    if (!this.protoForm) {
      const bytes = encodeSwaggerDocument(this.swagger());
      this.protoForm = rendered(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    }
    return this.protoForm;
  }
}

function rendered(body: Buffer): Rendered {
  // SHA-512 upper-case hex, like the v3 documents' hashes.
  return { body, etag: `"${createHash('sha512').update(body).digest('hex').toUpperCase()}"` };
}

const OFFERS: { type: string; subtype: string; contentType: string; form: 'json' | 'protobuf' }[] = [
  { type: 'application', subtype: 'json', contentType: 'application/json', form: 'json' },
  { type: 'application', subtype: OPENAPI_V2_PROTOBUF_AT.slice('application/'.length), contentType: OPENAPI_V2_PROTOBUF, form: 'protobuf' },
  { type: 'application', subtype: OPENAPI_V2_PROTOBUF.slice('application/'.length), contentType: OPENAPI_V2_PROTOBUF, form: 'protobuf' },
];

/** The media type to answer an Accept header with, or undefined when none is acceptable (406). */
export function negotiateOpenApiV2(accept: string | undefined): { contentType: string; form: 'json' | 'protobuf' } | undefined {
  const clauses = (accept && accept.trim() !== '' ? accept : '*/*')
    .split(',')
    .map((raw, index) => {
      const [range, ...params] = raw.split(';').map((s) => s.trim());
      const [type = '', subtype = ''] = (range ?? '').toLowerCase().split('/');
      let q = 1;
      for (const p of params) {
        const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
        if (m) q = Number(m[1]);
      }
      const specificity = (type === '*' ? 0 : 1) + (subtype === '*' ? 0 : 1);
      return { type, subtype, q, specificity, index };
    })
    .filter((c) => c.type !== '' && c.subtype !== '' && c.q > 0)
    .sort((a, b) => b.q - a.q || b.specificity - a.specificity || a.index - b.index);
  for (const c of clauses) {
    for (const offer of OFFERS) {
      if ((c.type === offer.type || c.type === '*') && (c.subtype === offer.subtype || c.subtype === '*')) {
        return { contentType: offer.contentType, form: offer.form };
      }
    }
  }
  return undefined;
}

/** Answers GET/HEAD /openapi/v2 from `docs`. */
export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse, docs: OpenApiV2Documents): void {
  const choice = negotiateOpenApiV2(req.headers.accept);
  if (!choice) {
    res.writeHead(406, { Vary: 'Accept', 'Content-Length': '0' });
    res.end();
    return;
  }
  const { body, etag } = choice.form === 'json' ? docs.json() : docs.protobuf();
  const headers = { 'Content-Type': choice.contentType, Etag: etag, Vary: 'Accept' };
  const inm = req.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}
