// validateJobSpec from pkg/apis/batch/validation (v1.32): the JobSpec rules shared by Jobs and
// CronJob job templates, including podFailurePolicy, successPolicy, podReplacementPolicy and the
// restartPolicy restriction of Job pod templates.

import { RenderedValue, type FieldError, type FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { isDNS1123Subdomain, isQualifiedName, regexError } from '../../api/validation/names.js';
import { isObject, obj, objs, str } from '../core/json-shape.js';
import { validatePodTemplateSpec } from '../core/pod-spec.js';
import { goQuotedList, invalidOmitValue, nonNegative, optionalNonNegative } from '../shared/field-checks.js';
import { goInt32SliceValue, goPointer, goStruct } from '../shared/go-values.js';

const MAX_PARALLELISM_FOR_INDEXED_JOB = 100_000;
const MAX_FAILED_INDEXES_FOR_INDEXED_JOB = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS = 10_000;
const MAX_POD_FAILURE_POLICY_RULES = 20;
const MAX_ON_EXIT_CODES_VALUES = 255;
const MAX_ON_POD_CONDITIONS_PATTERNS = 20;
const MAX_MANAGED_BY_LENGTH = 63;
const MAX_SUCCEEDED_INDEXES_LENGTH = 64 * 1024;
const MAX_SUCCESS_POLICY_RULES = 20;

// sets.List order (sorted), as upstream prints them.
const POD_FAILURE_POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const ON_EXIT_CODES_OPERATORS = ['In', 'NotIn'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const POD_REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

const HTTP_PATH_FMT = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

function isSet(v: unknown): boolean {
  return v !== undefined && v !== null;
}

function n(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

/** validation.IsDomainPrefixedPath (spec.managedBy). */
function validateDomainPrefixedPath(value: string, path: FieldPath): FieldError[] {
  if (value.length === 0) return [fieldErr.required(String(path))];
  const slash = value.indexOf('/');
  if (slash <= 0 || slash === value.length - 1) {
    return [fieldErr.invalid(String(path), value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  }
  const host = value.slice(0, slash);
  const rest = value.slice(slash + 1);
  const errs = isDNS1123Subdomain(host).map((m) => fieldErr.invalid(String(path), host, m));
  if (!HTTP_PATH.test(rest)) errs.push(fieldErr.invalid(String(path), rest, regexError('Invalid path', HTTP_PATH_FMT)));
  return errs;
}

/**
 * validateIndexesFormat: an ascending list of indexes and intervals ("0,2-4") below `completions`.
 * Returns the number of indexes, or throws with upstream's message.
 */
export function parseIndexes(text: string, completions: number): number {
  if (text.length === 0) return 0;
  let last: number | undefined;
  let total = 0;
  const atoi = (s: string): number => {
    if (!/^[+-]?[0-9]+$/.test(s)) throw new Error(`cannot convert string to integer for index: ${JSON.stringify(s)}`);
    return Number(s);
  };
  for (const interval of text.split(',')) {
    const limits = interval.split('-');
    if (limits.length > 2) {
      throw new Error(`the fragment ${JSON.stringify(interval)} violates the requirement that an index interval can have at most two parts separated by '-'`);
    }
    const x = atoi(limits[0]);
    if (x >= completions) throw new Error(`too large index: ${JSON.stringify(limits[0])}`);
    if (last !== undefined && last >= x) throw new Error(`non-increasing order, previous: ${last}, current: ${x}`);
    total++;
    last = x;
    if (limits.length > 1) {
      const y = atoi(limits[1]);
      if (y >= completions) throw new Error(`too large index: ${JSON.stringify(limits[1])}`);
      if (last >= y) throw new Error(`non-increasing order, previous: ${last}, current: ${y}`);
      total += y - x;
      last = y;
    }
  }
  return total;
}

function validateOnExitCodes(req: JsonObject, path: FieldPath, containerNames: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const op = str(req.operator);
  if (op === '') errs.push(fieldErr.required(String(path.child('operator')), `valid values: ${goQuotedList(ON_EXIT_CODES_OPERATORS)}`));
  else if (!ON_EXIT_CODES_OPERATORS.includes(op)) errs.push(fieldErr.notSupported(String(path.child('operator')), op, ON_EXIT_CODES_OPERATORS));
  if (isSet(req.containerName) && !containerNames.has(str(req.containerName))) {
    errs.push(fieldErr.invalid(String(path.child('containerName')), str(req.containerName), 'must be one of the container or initContainer names in the pod template'));
  }
  const valuesPath = path.child('values');
  const values = Array.isArray(req.values) ? (req.values as unknown[]) : [];
  if (values.length === 0) errs.push(fieldErr.invalid(String(valuesPath), goInt32SliceValue(req.values), 'at least one value is required'));
  else if (values.length > MAX_ON_EXIT_CODES_VALUES) errs.push(fieldErr.tooMany(String(valuesPath), values.length, MAX_ON_EXIT_CODES_VALUES));
  let ordered = true;
  const seen = new Set<number>();
  values.forEach((raw, j) => {
    const v = n(raw);
    if (op === 'In' && v === 0) errs.push(fieldErr.invalid(String(valuesPath.index(j)), v, 'must not be 0 for the In operator'));
    if (seen.has(v)) errs.push(fieldErr.duplicate(String(valuesPath.index(j)), v));
    else seen.add(v);
    if (j > 0 && n(values[j - 1]) > v) ordered = false;
  });
  if (!ordered) errs.push(fieldErr.invalid(String(valuesPath), goInt32SliceValue(req.values), 'must be ordered'));
  return errs;
}

function validateOnPodConditions(patterns: JsonObject[], path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (patterns.length > MAX_ON_POD_CONDITIONS_PATTERNS) errs.push(fieldErr.tooMany(String(path), patterns.length, MAX_ON_POD_CONDITIONS_PATTERNS));
  patterns.forEach((p, j) => {
    const pp = path.index(j);
    const type = str(p.type);
    for (const m of isQualifiedName(type)) errs.push(fieldErr.invalid(String(pp.child('type')), type, m));
    const status = str(p.status);
    if (status === '') errs.push(fieldErr.required(String(pp.child('status')), `valid values: ${goQuotedList(CONDITION_STATUSES)}`));
    else if (!CONDITION_STATUSES.includes(status)) errs.push(fieldErr.notSupported(String(pp.child('status')), status, CONDITION_STATUSES));
  });
  return errs;
}

function validatePodFailurePolicy(spec: JsonObject, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = path.child('rules');
  const rules = objs(obj(spec.podFailurePolicy).rules);
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) errs.push(fieldErr.tooMany(String(rulesPath), rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const tplSpec = obj(obj(spec.template).spec);
  const containerNames = new Set([...objs(tplSpec.containers), ...objs(tplSpec.initContainers)].map((c) => str(c.name)));
  rules.forEach((rule, i) => {
    const rp = rulesPath.index(i);
    const action = str(rule.action);
    if (action === '') errs.push(fieldErr.required(String(rp.child('action')), `valid values: ${goQuotedList(POD_FAILURE_POLICY_ACTIONS)}`));
    else if (action === 'FailIndex') {
      if (!isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.invalid(String(rp.child('action')), action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!POD_FAILURE_POLICY_ACTIONS.includes(action)) {
      errs.push(fieldErr.notSupported(String(rp.child('action')), action, POD_FAILURE_POLICY_ACTIONS));
    }
    const onExit = isObject(rule.onExitCodes);
    const onConds = objs(rule.onPodConditions);
    if (onExit) errs.push(...validateOnExitCodes(rule.onExitCodes, rp.child('onExitCodes'), containerNames));
    if (onConds.length > 0) errs.push(...validateOnPodConditions(onConds, rp.child('onPodConditions')));
    if (onExit && onConds.length > 0) errs.push(invalidOmitValue(rp, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!onExit && onConds.length === 0) errs.push(invalidOmitValue(rp, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}

function validateSuccessPolicy(spec: JsonObject, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const rulesPath = path.child('rules');
  const rules = objs(obj(spec.successPolicy).rules);
  if (rules.length === 0) errs.push(fieldErr.required(String(rulesPath), 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_POLICY_RULES) errs.push(fieldErr.tooMany(String(rulesPath), rules.length, MAX_SUCCESS_POLICY_RULES));
  const completions = n(spec.completions);
  rules.forEach((rule, i) => {
    const rp = rulesPath.index(i);
    if (!isSet(rule.succeededCount) && !isSet(rule.succeededIndexes)) {
      errs.push(fieldErr.required(String(rp), 'at least one of succeededCount or succeededIndexes must be specified'));
    }
    let totalIndexes = 0;
    if (isSet(rule.succeededIndexes)) {
      const idx = str(rule.succeededIndexes);
      const ip = rp.child('succeededIndexes');
      if (idx.length > MAX_SUCCEEDED_INDEXES_LENGTH) errs.push(fieldErr.tooLong(String(ip), idx, MAX_SUCCEEDED_INDEXES_LENGTH));
      try {
        totalIndexes = parseIndexes(idx, completions);
      } catch (e) {
        errs.push(fieldErr.invalid(String(ip), idx, `error parsing succeededIndexes: ${(e as Error).message}`));
      }
    }
    if (isSet(rule.succeededCount)) {
      const cp = rp.child('succeededCount');
      const count = n(rule.succeededCount);
      errs.push(...nonNegative(count, cp));
      if (count > completions) errs.push(fieldErr.invalid(String(cp), count, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (isSet(rule.succeededIndexes) && count > totalIndexes) {
        errs.push(fieldErr.invalid(String(cp), count, `must be less than or equal to ${totalIndexes} (the number of indexes in the specified succeededIndexes field)`));
      }
    }
  });
  return errs;
}

function validatePodReplacementPolicy(spec: JsonObject, path: FieldPath): FieldError[] {
  if (!isSet(spec.podReplacementPolicy)) return [];
  const v = str(spec.podReplacementPolicy);
  if (isSet(spec.podFailurePolicy)) return v === 'Failed' ? [] : [fieldErr.notSupported(String(path), v, ['Failed'])];
  return POD_REPLACEMENT_POLICIES.includes(v) ? [] : [fieldErr.notSupported(String(path), v, POD_REPLACEMENT_POLICIES)];
}

/** `%#v` of a batch.SuccessPolicy (pointers print as stand-in addresses, see go-values.ts). */
function goSuccessPolicyValue(sp: unknown): RenderedValue {
  let slot = 0;
  const rules = objs(obj(sp).rules).map((r) =>
    goStruct('batch.SuccessPolicyRule', [
      ['SucceededIndexes', goPointer('string', isSet(r.succeededIndexes), slot++)],
      ['SucceededCount', goPointer('int32', isSet(r.succeededCount), slot++)],
    ]),
  );
  const list = Array.isArray(obj(sp).rules) ? `[]batch.SuccessPolicyRule{${rules.join(', ')}}` : '[]batch.SuccessPolicyRule(nil)';
  return new RenderedValue(goStruct('batch.SuccessPolicy', [['Rules', list]]), sp);
}

/** validateJobSpec: everything about a JobSpec except its selector. `path` is `spec` or `spec.jobTemplate.spec`. */
export function validateJobSpecFields(specIn: unknown, path: FieldPath): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    errs.push(...optionalNonNegative(spec[f], path.child(f)));
  }
  if (isSet(spec.maxFailedIndexes)) {
    errs.push(...nonNegative(spec.maxFailedIndexes, path.child('maxFailedIndexes')));
    if (!isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.required(String(path.child('backoffLimitPerIndex')), 'when maxFailedIndexes is specified'));
  }
  if (isSet(spec.managedBy)) {
    const mb = str(spec.managedBy);
    errs.push(...validateDomainPrefixedPath(mb, path.child('managedBy')));
    if (mb.length > MAX_MANAGED_BY_LENGTH) errs.push(fieldErr.tooLong(String(path.child('managedBy')), mb, MAX_MANAGED_BY_LENGTH));
  }
  const mode = isSet(spec.completionMode) ? str(spec.completionMode) : undefined;
  if (mode !== undefined) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fieldErr.notSupported(String(path.child('completionMode')), mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!isSet(spec.completions)) errs.push(fieldErr.required(String(path.child('completions')), 'when completion mode is Indexed'));
      if (isSet(spec.parallelism) && n(spec.parallelism) > MAX_PARALLELISM_FOR_INDEXED_JOB) {
        errs.push(fieldErr.invalid(String(path.child('parallelism')), n(spec.parallelism), `must be less than or equal to ${MAX_PARALLELISM_FOR_INDEXED_JOB} when completion mode is Indexed`));
      }
      if (isSet(spec.completions) && isSet(spec.maxFailedIndexes) && n(spec.maxFailedIndexes) > n(spec.completions)) {
        errs.push(fieldErr.invalid(String(path.child('maxFailedIndexes')), n(spec.maxFailedIndexes), 'must be less than or equal to completions'));
      }
      if (isSet(spec.maxFailedIndexes) && n(spec.maxFailedIndexes) > MAX_FAILED_INDEXES_FOR_INDEXED_JOB) {
        errs.push(fieldErr.invalid(String(path.child('maxFailedIndexes')), n(spec.maxFailedIndexes), `must be less than or equal to ${MAX_FAILED_INDEXES_FOR_INDEXED_JOB}`));
      }
      if (isSet(spec.completions) && n(spec.completions) > COMPLETIONS_SOFT_LIMIT && isSet(spec.backoffLimitPerIndex)) {
        const high = `when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`;
        if (!isSet(spec.maxFailedIndexes)) {
          errs.push(fieldErr.required(String(path.child('maxFailedIndexes')), `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        }
        if (isSet(spec.parallelism) && n(spec.parallelism) > PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(fieldErr.invalid(String(path.child('parallelism')), n(spec.parallelism), `must be less than or equal to ${PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} ${high}`));
        }
        if (isSet(spec.maxFailedIndexes) && n(spec.maxFailedIndexes) > MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS) {
          errs.push(fieldErr.invalid(String(path.child('maxFailedIndexes')), n(spec.maxFailedIndexes), `must be less than or equal to ${MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} ${high}`));
        }
      }
    }
  }
  if (mode === undefined || mode === 'NonIndexed') {
    if (isSet(spec.backoffLimitPerIndex)) errs.push(fieldErr.invalid(String(path.child('backoffLimitPerIndex')), n(spec.backoffLimitPerIndex), 'requires indexed completion mode'));
    if (isSet(spec.maxFailedIndexes)) errs.push(fieldErr.invalid(String(path.child('maxFailedIndexes')), n(spec.maxFailedIndexes), 'requires indexed completion mode'));
  }
  if (isSet(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, path.child('podFailurePolicy')));
  if (isSet(spec.successPolicy)) {
    if (mode !== 'Indexed') errs.push(fieldErr.invalid(String(path.child('successPolicy')), goSuccessPolicyValue(spec.successPolicy), 'requires indexed completion mode'));
    else errs.push(...validateSuccessPolicy(spec, path.child('successPolicy')));
  }
  errs.push(...validatePodReplacementPolicy(spec, path.child('podReplacementPolicy')));
  const tplPath = path.child('template');
  errs.push(...validatePodTemplateSpec(obj(spec.template), tplPath));
  // An unset restartPolicy is defaulted to Always, so both read as "not chosen".
  const rp = str(obj(obj(spec.template).spec).restartPolicy);
  const rpPath = String(tplPath.child('spec', 'restartPolicy'));
  if (rp === 'Always' || rp === '') errs.push(fieldErr.required(rpPath, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') errs.push(fieldErr.notSupported(rpPath, rp, ['OnFailure', 'Never']));
  else if (isSet(spec.podFailurePolicy) && rp !== 'Never') errs.push(fieldErr.invalid(rpPath, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return errs;
}
