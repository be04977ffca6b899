// The resolved OpenAPI schema shape that server-side pieces walk: strict field validation,
// strategic merge patch (merge keys, patch strategies) and server-side apply (list types).
// `$ref`s are resolved into direct object references, so the graph may be cyclic.

export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  /** For maps (`map[string]T`): the value schema. */
  additionalProperties?: SchemaNode | boolean;
  enum?: unknown[];
  'x-kubernetes-patch-merge-key'?: string;
  /** e.g. "merge", "retainKeys", "merge,retainKeys", "replace". */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  /** Set on the definition root, e.g. [{group:"apps",version:"v1",kind:"Deployment"}]. */
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
}

/** Looks up the resolved schema of a top-level kind; undefined when the kind is unknown. */
export type SchemaLookup = (group: string, version: string, kind: string) => SchemaNode | undefined;
