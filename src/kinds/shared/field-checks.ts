// Small field checks from pkg/apis/core/validation that every workload kind uses, with upstream's
// exact messages.

import { FieldError, type FieldPath, fieldErr } from '../../api/errors.js';
import { semanticEqual } from './semantic-equal.js';

/** ValidateNonnegativeField ("must be greater than or equal to 0"). Non-numbers are left to the schema. */
export function nonNegative(v: unknown, path: FieldPath): FieldError[] {
  return typeof v === 'number' && v < 0 ? [fieldErr.invalid(String(path), v, 'must be greater than or equal to 0')] : [];
}

/** nonNegative for an optional (pointer) field: absent/null is fine. */
export function optionalNonNegative(v: unknown, path: FieldPath): FieldError[] {
  return v === undefined || v === null ? [] : nonNegative(v, path);
}

/**
 * ValidateImmutableField: `Invalid value: <new>: field is immutable` when the value changed.
 * `render` turns the new value into the bad value as Go prints it (see go-values.ts).
 */
export function immutable(newVal: unknown, oldVal: unknown, path: FieldPath, render?: (v: unknown) => unknown): FieldError[] {
  if (semanticEqual(newVal, oldVal)) return [];
  return [fieldErr.invalid(String(path), render ? render(newVal) : (newVal ?? null), 'field is immutable')];
}

/** IsDecremented for pointer counters such as status.collisionCount. */
export function isDecremented(update: unknown, old: unknown): boolean {
  if (typeof update !== 'number') return typeof old === 'number';
  return typeof old === 'number' && update < old;
}

/** field.Invalid(path, field.OmitValueType{}, detail): "Invalid value: <detail>" with no value. */
class OmittedValueError extends FieldError {
  override body(): string {
    return this.detail ? `Invalid value: ${this.detail}` : 'Invalid value';
  }
}

export function invalidOmitValue(path: FieldPath, detail: string): FieldError {
  return new OmittedValueError('FieldValueInvalid', String(path), null, detail);
}

/** Go's %q of a []string, as in `valid values: ["Count" "FailIndex"]`. */
export function goQuotedList(values: readonly string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(' ')}]`;
}
