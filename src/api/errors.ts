// Typed API errors. Validation collects FieldErrors; only the HTTP edge turns an ApiError into a
// meta/v1 Status (see toStatus). Messages follow apimachinery's wording because kubectl prints them.

import { goQuote } from './validation/go-quote.js';

export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'InternalError'
  | 'FieldManagerConflict'
  | 'UnexpectedServerResponse'
  | 'ExitCode';

const TYPE_TEXT: Record<string, string> = {
  FieldValueNotFound: 'Not found',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueInvalid: 'Invalid value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
  FieldValueTypeInvalid: 'Invalid value',
  InternalError: 'Internal error',
};

const OMIT = Symbol('omit');

/**
 * A bad value whose text in messages is given verbatim: what Go's fmt prints for values that are
 * neither strings nor numbers (`%#v` of a struct, a time's String()), e.g.
 * `intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}`. `value` is the plain value it stands for.
 */
export class RenderedValue {
  constructor(
    readonly text: string,
    readonly value?: unknown,
  ) {}
  toJSON(): unknown {
    return this.value;
  }
}

/** One validation failure at a field path such as `spec.containers[0].image`. */
export class FieldError {
  constructor(
    readonly type: CauseType,
    readonly field: string,
    readonly badValue: unknown,
    readonly detail: string = '',
  ) {}

  /** The part after the field path, e.g. `Invalid value: "Foo": a lowercase RFC 1123 ...`. */
  body(): string {
    let s = TYPE_TEXT[this.type] ?? this.type;
    const simple =
      this.type === 'FieldValueRequired' ||
      this.type === 'FieldValueForbidden' ||
      this.type === 'FieldValueTooLong' ||
      this.type === 'InternalError' ||
      this.badValue === OMIT;
    if (!simple) s += ': ' + formatBadValue(this.badValue);
    if (this.detail) s += ': ' + this.detail;
    return s;
  }

  toString(): string {
    return this.field ? `${this.field}: ${this.body()}` : this.body();
  }
}

function formatBadValue(v: unknown): string {
  if (v instanceof RenderedValue) return v.text;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v); // Go's %q
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

function quoteList(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(', ');
}

/** Constructors named as in apimachinery's `field` package. */
export const fieldErr = {
  required: (path: string, detail = '') => new FieldError('FieldValueRequired', path, OMIT, detail),
  invalid: (path: string, value: unknown, detail = '') => new FieldError('FieldValueInvalid', path, value, detail),
  notSupported: (path: string, value: unknown, valid: readonly string[]) =>
    new FieldError('FieldValueNotSupported', path, value, valid.length ? `supported values: ${quoteList(valid)}` : ''),
  duplicate: (path: string, value: unknown) => new FieldError('FieldValueDuplicate', path, value),
  forbidden: (path: string, detail: string) => new FieldError('FieldValueForbidden', path, OMIT, detail),
  notFound: (path: string, value: unknown) => new FieldError('FieldValueNotFound', path, value),
  /** field.TooLong (1.32 wording): the value itself is never printed. */
  tooLong: (path: string, _value: unknown, max: number) =>
    new FieldError('FieldValueTooLong', path, OMIT, max >= 0 ? `may not be more than ${max} ${max === 1 ? 'byte' : 'bytes'}` : 'value is too long'),
  tooMany: (path: string, actual: number, max: number) =>
    new FieldError('FieldValueTooMany', path, actual, `must have at most ${max} items`),
  typeInvalid: (path: string, value: unknown, detail: string) => new FieldError('FieldValueTypeInvalid', path, value, detail),
  internal: (path: string, detail: string) => new FieldError('InternalError', path, OMIT, detail),
};

/** Builds Kubernetes field paths: `spec.containers[0].image`, `metadata.labels[app]`. */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }
  child(name: string, ...more: string[]): FieldPath {
    let t = this.text ? `${this.text}.${name}` : name;
    for (const m of more) t += `.${m}`;
    return new FieldPath(t);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error that becomes an HTTP status code and a Status body. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Status {
    const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) s.details = this.details;
    return s;
  }
}

/** `pods`, `deployments.apps`: the resource name as apimachinery prints it in messages. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function gd(group: string, kind: string, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (group) d.group = group;
  d.kind = kind;
  return d;
}

export const apiErr = {
  notFound: (group: string, resource: string, name: string) =>
    new ApiError(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, gd(group, resource, name)),
  alreadyExists: (group: string, resource: string, name: string) =>
    new ApiError(409, 'AlreadyExists', `${qualifiedResource(group, resource)} "${name}" already exists`, gd(group, resource, name)),
  conflict: (group: string, resource: string, name: string, why: string) =>
    new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`, gd(group, resource, name)),
  /** 422; `kind` is the Kind (e.g. "Pod"), since kubectl rebuilds its message from details.kind. */
  invalid: (group: string, kind: string, name: string, errs: readonly FieldError[]) => {
    // ErrorList.ToAggregate: identical messages are listed once (causes keep every error).
    const unique = [...new Set(errs.map((e) => e.toString()))];
    const agg = unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
    const details = gd(group, kind, name);
    details.causes = errs.map((e) => ({ reason: e.type, message: e.body(), field: e.field }));
    const what = `${kind}${group ? '.' + group : ''} "${name}" is invalid`;
    return new ApiError(422, 'Invalid', unique.length ? `${what}: ${agg}` : what, details);
  },
  badRequest: (message: string) => new ApiError(400, 'BadRequest', message),
  unauthorized: () => new ApiError(401, 'Unauthorized', 'Unauthorized'),
  forbidden: (message: string) => new ApiError(403, 'Forbidden', message),
  methodNotAllowed: (message = 'the server does not allow this method on the requested resource') =>
    new ApiError(405, 'MethodNotAllowed', message),
  notAcceptable: (message: string) => new ApiError(406, 'NotAcceptable', message),
  gone: (message: string) => new ApiError(410, 'Expired', message),
  tooLarge: (message = 'the request is too large') => new ApiError(413, 'RequestEntityTooLarge', message),
  unsupportedMediaType: (contentType: string) =>
    new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`, { kind: contentType }),
  tooManyRequests: (message: string, retryAfterSeconds = 1) =>
    new ApiError(429, 'TooManyRequests', message, { retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) }),
  internal: (message: string) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] }),
  timeout: (message: string) => new ApiError(504, 'Timeout', message),
  /** The NotFound-shaped 404 for paths that are no resource at all. */
  pathNotFound: () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', { causes: [{ reason: 'UnexpectedServerResponse', message: '404 page not found' }] }),
};
