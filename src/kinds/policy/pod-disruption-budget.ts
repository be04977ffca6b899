// policy/v1 PodDisruptionBudget: pkg/apis/policy/validation (ValidatePodDisruptionBudgetSpec,
// ValidatePodDisruptionBudgetStatusUpdate), pkg/registry/policy/poddisruptionbudget/strategy.go
// and printPodDisruptionBudget. Upstream stores no defaults for policy/v1: an unset
// unhealthyPodEvictionPolicy means IfHealthyBudget (see unhealthyPodEvictionPolicy below).

import { type FieldError, FieldPath, RenderedValue, fieldErr } from '../../api/errors.js';
import { isNotMoreThan100Percent, validatePositiveIntOrPercent } from '../../api/intstr.js';
import type { KObject } from '../../api/types.js';
import { labelSelectorHasInvalidLabelValue, validateLabelName, validateLabelSelector, validateNonnegativeField } from '../../api/validation/object-meta.js';
import { regexError } from '../../api/validation/names.js';
import type { KindDef } from '../types.js';
import { isObject, obj, setDefault } from '../core/json-shape.js';
import { AGE_COLUMN, NAME_COLUMN } from '../core/table-cells.js';
import { goPointer, goStruct } from '../shared/go-values.js';
import { count, since } from '../shared/table-cells.js';

const SPEC = FieldPath.root('spec');
const STATUS = FieldPath.root('status');

export const IF_HEALTHY_BUDGET = 'IfHealthyBudget';
export const ALWAYS_ALLOW = 'AlwaysAllow';
/** sets.NewString(...).List(): sorted. */
const SUPPORTED_UNHEALTHY_POLICIES = [ALWAYS_ALLOW, IF_HEALTHY_BUDGET];

/** The policy in force: unset (or null) is IfHealthyBudget, as the field's documentation says. */
export function unhealthyPodEvictionPolicy(pdb: KObject): string {
  const p = obj(pdb.spec).unhealthyPodEvictionPolicy;
  return typeof p === 'string' && p ? p : IF_HEALTHY_BUDGET;
}

const present = (v: unknown) => v !== undefined && v !== null;

/** `%#v` of the internal PodDisruptionBudgetSpec (the bad value of the both-set error). */
function goSpec(spec: Record<string, unknown>): RenderedValue {
  return new RenderedValue(
    goStruct('policy.PodDisruptionBudgetSpec', [
      ['MinAvailable', goPointer('intstr.IntOrString', present(spec.minAvailable), 0)],
      ['Selector', goPointer('v1.LabelSelector', present(spec.selector), 1)],
      ['MaxUnavailable', goPointer('intstr.IntOrString', present(spec.maxUnavailable), 2)],
      ['UnhealthyPodEvictionPolicy', goPointer('policy.UnhealthyPodEvictionPolicyType', present(spec.unhealthyPodEvictionPolicy), 3)],
    ]),
    spec,
  );
}

function intOrPercent(v: unknown, path: FieldPath): FieldError[] {
  if (typeof v !== 'number' && typeof v !== 'string') return [fieldErr.invalid(String(path), v, "must be an integer or percentage (e.g '5%')")];
  return [...validatePositiveIntOrPercent(v, path), ...isNotMoreThan100Percent(v, path)];
}

/** ValidatePodDisruptionBudgetSpec */
export function validatePdbSpec(spec: unknown, opts: { allowInvalidLabelValueInSelector?: boolean } = {}): FieldError[] {
  const s = obj(spec);
  const errs: FieldError[] = [];
  if (present(s.minAvailable) && present(s.maxUnavailable)) {
    errs.push(fieldErr.invalid(String(SPEC), goSpec(s), 'minAvailable and maxUnavailable cannot be both set'));
  }
  if (present(s.minAvailable)) errs.push(...intOrPercent(s.minAvailable, SPEC.child('minAvailable')));
  if (present(s.maxUnavailable)) errs.push(...intOrPercent(s.maxUnavailable, SPEC.child('maxUnavailable')));
  if (isObject(s.selector)) errs.push(...validateLabelSelector(s.selector, SPEC.child('selector'), opts));
  const policy = s.unhealthyPodEvictionPolicy;
  if (present(policy) && !SUPPORTED_UNHEALTHY_POLICIES.includes(policy as string)) {
    errs.push(fieldErr.notSupported(String(SPEC.child('unhealthyPodEvictionPolicy')), policy, SUPPORTED_UNHEALTHY_POLICIES));
  }
  return errs;
}

const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const CONDITION_REASON_FMT = '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?';
const CONDITION_REASON_ERR =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_'";

/** metav1validation.ValidateConditions (metav1.Condition lists). */
export function validateConditions(conditions: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (Array.isArray(conditions) ? conditions : []).forEach((raw, i) => {
    const c = obj(raw);
    const p = path.index(i);
    const type = typeof c.type === 'string' ? c.type : '';
    if (seen.has(type)) errs.push(fieldErr.duplicate(String(p.child('type')), type));
    seen.add(type);
    errs.push(...validateLabelName(type, p.child('type')));
    const status = typeof c.status === 'string' ? c.status : '';
    if (!CONDITION_STATUSES.includes(status)) errs.push(fieldErr.notSupported(String(p.child('status')), status, CONDITION_STATUSES));
    if (typeof c.observedGeneration === 'number' && c.observedGeneration < 0) {
      errs.push(fieldErr.invalid(String(p.child('observedGeneration')), c.observedGeneration, 'must be greater than or equal to zero'));
    }
    if (typeof c.lastTransitionTime !== 'string' || !c.lastTransitionTime) errs.push(fieldErr.required(String(p.child('lastTransitionTime')), 'must be set'));
    const reason = typeof c.reason === 'string' ? c.reason : '';
    if (!reason) errs.push(fieldErr.required(String(p.child('reason')), 'must be set'));
    else {
      if (!new RegExp(`^${CONDITION_REASON_FMT}$`).test(reason)) {
        errs.push(fieldErr.invalid(String(p.child('reason')), reason, regexError(CONDITION_REASON_ERR, CONDITION_REASON_FMT, 'my_name', 'MY_NAME', 'MyName', 'ReasonA,ReasonB', 'ReasonA:ReasonB')));
      }
      if (reason.length > 1024) errs.push(fieldErr.tooLong(String(p.child('reason')), reason, 1024));
    }
    if (typeof c.message === 'string' && c.message.length > 32 * 1024) errs.push(fieldErr.tooLong(String(p.child('message')), c.message, 32 * 1024));
  });
  return errs;
}

/** ValidatePodDisruptionBudgetStatusUpdate (policy/v1: the counts must not be negative). */
export function validatePdbStatus(status: unknown): FieldError[] {
  const st = obj(status);
  const errs = validateConditions(st.conditions, STATUS.child('conditions'));
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) {
    errs.push(...validateNonnegativeField(typeof st[f] === 'number' ? (st[f] as number) : 0, STATUS.child(f)));
  }
  return errs;
}

/** The four counts have no omitempty in Go: they are always served, 0 when unset. */
function defaultStatus(o: KObject): void {
  if (!isObject(o.status)) return;
  for (const f of ['disruptionsAllowed', 'currentHealthy', 'desiredHealthy', 'expectedPods']) setDefault(o.status, f, 0);
}

/** IntOrString.String(), or "N/A" when unset (printPodDisruptionBudget). */
function intOrStringCell(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return v;
  return 'N/A';
}

export const podDisruptionBudgetKind: KindDef = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  listKind: 'PodDisruptionBudgetList',
  plural: 'poddisruptionbudgets',
  singular: 'poddisruptionbudget',
  namespaced: true,
  shortNames: ['pdb'],
  generation: true,
  defaults: defaultStatus,
  prepareForCreate(o) {
    // Create cannot set status.
    o.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  validate: (o, ctx) => (ctx.operation === 'create' ? validatePdbSpec(o.spec) : []),
  validateUpdate: (n, old) => validatePdbSpec(n.spec, { allowInvalidLabelValueInSelector: labelSelectorHasInvalidLabelValue(obj(obj(old.spec).selector)) }),
  status: {
    validateUpdate: (n) => validatePdbStatus(n.status),
  },
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Min Available', type: 'string', description: 'The minimum number of pods that must be available.', priority: 0 },
      { name: 'Max Unavailable', type: 'string', description: 'The maximum number of pods that may be unavailable.', priority: 0 },
      { name: 'Allowed Disruptions', type: 'integer', description: 'Calculated number of pods that may be disrupted at this time.', priority: 0 },
      AGE_COLUMN,
    ],
    row(o, now) {
      const spec = obj(o.spec);
      return [o.metadata.name, intOrStringCell(spec.minAvailable), intOrStringCell(spec.maxUnavailable), count(obj(o.status).disruptionsAllowed), since(o.metadata.creationTimestamp, now)];
    },
  },
};
