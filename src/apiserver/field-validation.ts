// Server-side field validation (fieldValidation=Strict|Warn|Ignore). Unknown fields are always
// dropped before storing, as decoding into Go structs does upstream; Strict refuses them (and
// duplicate fields) with upstream's "strict decoding error", Warn reports them as warnings.

import { apiErr } from '../api/errors.js';
import type { SchemaLookup, SchemaNode } from '../api/schema.js';
import type { KObject } from '../api/types.js';
import type { KindDef } from '../kinds/types.js';
import { goMapString, patchStrictDecodingFieldError, strictDecodingErrors, strictDecodingMessage, warningsFor } from '../openapi/field-validation.js';
import type { DecodedBody } from './codec.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Removes fields the schema does not know, in place. */
export function pruneUnknownFields(value: unknown, schema: SchemaNode | undefined): void {
  if (!schema || value === null || typeof value !== 'object') return;
  if (schema['x-kubernetes-preserve-unknown-fields']) return;
  if (Array.isArray(value)) {
    if (schema.items) for (const v of value) pruneUnknownFields(v, schema.items);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (schema.properties) {
    for (const k of Object.keys(obj)) {
      const sub = schema.properties[k];
      if (!sub) {
        if (!k.startsWith('$')) delete obj[k];
        continue;
      }
      pruneUnknownFields(obj[k], sub);
    }
  } else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    for (const k of Object.keys(obj)) pruneUnknownFields(obj[k], schema.additionalProperties);
  }
}

/**
 * Applies the field validation directive to a decoded body. Patch bodies may carry patch
 * directives; their strict failures are 422 Invalid (`patch: Invalid value: ...`) as upstream.
 */
export function checkFields(schemas: SchemaLookup, def: KindDef, body: DecodedBody, mode: FieldValidation, warnings: string[], isPatch = false): void {
  const schema = schemas(def.group, def.version, def.kind);
  if (!schema) return;
  const obj = body.value as KObject;
  if (mode !== 'Ignore') {
    const errors = strictDecodingErrors({ value: obj, schema, raw: body.text, contentType: body.format, patchDirectives: isPatch });
    if (errors.length) {
      if (mode === 'Warn') warnings.push(...warningsFor(errors));
      else if (isPatch) throw apiErr.invalid('', '', '', [patchStrictDecodingFieldError(goMapString(obj), errors)]);
      else {
        const gv = typeof obj.apiVersion === 'string' ? obj.apiVersion : def.version;
        const version = gv.includes('/') ? gv.slice(gv.indexOf('/') + 1) : gv;
        throw apiErr.badRequest(strictDecodingMessage(typeof obj.kind === 'string' ? obj.kind : def.kind, version, errors, def.kind));
      }
    }
  }
  if (!isPatch) pruneUnknownFields(obj, schema);
}
