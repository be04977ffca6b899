// Bad values of workload validation errors as v1.32's field.Error prints them: pointers are
// dereferenced, strings and numbers print plainly, and everything else is Go's `%#v` (a map as
// `map[string]string{"app":"web"}`, a selector as `v1.LabelSelector{MatchLabels:..., ...}`).
// kubectl shows these verbatim, e.g.
//   spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`

import { RenderedValue } from '../../api/errors.js';
import { goQuote, goStringSlice } from '../../api/validation/go-format.js';
import { isObject } from '../core/json-shape.js';

/** `%#v` of a map[string]string; JSON null/absent is the nil map. Keys are sorted, as fmt does. */
export function goStringMap(m: unknown): string {
  if (!isObject(m)) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${goQuote(k)}:${goQuote(String(m[k] ?? ''))}`).join(', ')}}`;
}

export function goStringMapValue(m: unknown): RenderedValue {
  return new RenderedValue(goStringMap(m), m ?? null);
}

function goStrings(v: unknown): string {
  return Array.isArray(v) ? goStringSlice(v.map((x) => String(x))) : '[]string(nil)';
}

/** `%#v` of a metav1.LabelSelector (the value behind spec.selector). */
export function goLabelSelector(sel: unknown): string {
  const s = isObject(sel) ? sel : {};
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map((e: unknown) => {
          const r = isObject(e) ? e : {};
          return `v1.LabelSelectorRequirement{Key:${goQuote(String(r.key ?? ''))}, Operator:${goQuote(String(r.operator ?? ''))}, Values:${goStrings(r.values)}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** The bad value for a spec.selector error; a missing selector is Go's nil pointer ("null"). */
export function goLabelSelectorValue(sel: unknown): RenderedValue | null {
  return isObject(sel) ? new RenderedValue(goLabelSelector(sel), sel) : null;
}

/** `%#v` of a []int32 (pod failure policy exit codes). */
export function goInt32SliceValue(v: unknown): RenderedValue {
  const text = Array.isArray(v) ? `[]int32{${v.map((x) => String(x)).join(', ')}}` : '[]int32(nil)';
  return new RenderedValue(text, v ?? null);
}

/**
 * `%#v` of a pointer field inside a struct: Go prints the address. There is none here, so a stable
 * stand-in in Go's heap range is printed (as src/api/validation/go-format.ts does for *bool).
 */
export function goPointer(type: string, present: boolean, slot = 0): string {
  return present ? `(*${type})(0x${(0xc000010000 + slot * 8).toString(16)})` : `(*${type})(nil)`;
}

/** `%#v` of a struct given as ordered [FieldName, rendered value] pairs. */
export function goStruct(type: string, fields: [string, string][]): string {
  return `${type}{${fields.map(([k, v]) => `${k}:${v}`).join(', ')}}`;
}

export { goQuote };
