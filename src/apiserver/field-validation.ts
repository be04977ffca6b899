// Server-side field validation (fieldValidation=Strict|Warn|Ignore). Unknown fields are always
// dropped before storing, as decoding into Go structs does upstream; Strict refuses them (and
// duplicate fields) with upstream's "strict decoding error", Warn reports them as warnings.

import { apiErr } from '../api/errors.js';
import type { SchemaLookup, SchemaNode } from '../api/schema.js';
import type { KObject } from '../api/types.js';
import type { KindDef } from '../kinds/types.js';
import { findDuplicateFields, findUnknownFields } from '../openapi/field-validation.js';
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
 * Applies the field validation directive to a decoded body. `isPatch` bodies may carry patch
 * directives (`$patch`, `$setElementOrder/...`), which are not unknown fields.
 */
export function checkFields(schemas: SchemaLookup, def: KindDef, body: DecodedBody, mode: FieldValidation, warnings: string[], isPatch = false): void {
  const schema = schemas(def.group, def.version, def.kind);
  if (!schema) return;
  const obj = body.value as KObject;
  if (mode !== 'Ignore') {
    const problems: string[] = [];
    if (body.text && body.format !== 'protobuf') {
      for (const d of findDuplicateFields(body.text, body.format === 'yaml' ? 'yaml' : 'json')) problems.push(`duplicate field "${d}"`);
    }
    for (const u of findUnknownFields(obj, schema)) {
      const leaf = u.split('.').pop() ?? u;
      if (isPatch && (leaf.startsWith('$') || u.includes('$setElementOrder') || u.includes('$deleteFromPrimitiveList') || u.includes('$retainKeys'))) continue;
      problems.push(`unknown field "${u}"`);
    }
    if (problems.length) {
      if (mode === 'Strict') {
        throw apiErr.badRequest(`${def.kind} in version "${def.version}" cannot be handled as a ${def.kind}: strict decoding error: ${problems.join(', ')}`);
      }
      warnings.push(...problems);
    }
  }
  if (!isPatch) pruneUnknownFields(obj, schema);
}
