// ObjectMeta and LabelSelector validation restated from apimachinery v1.32
// (pkg/api/validation/objectmeta.go, pkg/apis/meta/v1/validation/validation.go) plus the finalizer
// rule that pkg/apis/core/validation adds for every built-in kind. Errors come out in upstream's
// order, with upstream's paths (note: ownerReferences and finalizers errors are NOT indexed by
// upstream, except the core finalizer rule) and messages, because kubectl prints them verbatim.

import { type FieldError, FieldPath, fieldErr } from '../errors.js';
import type { ManagedFieldsEntry, ObjectMeta, OwnerReference } from '../types.js';
import { goOwnerReferenceValue, goOwnerReferencesValue, goStringSlice, goStringSliceValue, goTimeValue } from './go-format.js';
import { type NameValidator, byteLength, isQualifiedName, isValidLabelValue, validateNamespaceName } from './names.js';

/** apimachineryvalidation.FieldImmutableErrorMsg */
export const FIELD_IMMUTABLE_ERROR_MSG = 'field is immutable';
/** TotalAnnotationSizeLimitB: keys plus values of all annotations, in bytes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * (1 << 10);
/** IsNegativeErrorMsg */
export const IS_NEGATIVE_ERROR_MSG = 'must be greater than or equal to 0';
/** v1validation.FieldManagerMaxLength */
export const FIELD_MANAGER_MAX_LENGTH = 128;
const MAX_SUBRESOURCE_NAME_LENGTH = 256;

const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';
/** helper.IsStandardFinalizerName: the only finalizer names allowed without a domain prefix. */
const STANDARD_FINALIZERS = new Set(['kubernetes', FINALIZER_ORPHAN, FINALIZER_FOREGROUND]);

type StringMap = Record<string, string> | null | undefined;

export interface ObjectMetaValidationOptions {
  /** Whether the kind is namespaced (namespace required) or cluster-scoped (namespace forbidden). */
  namespaced: boolean;
  /** The kind's name rule (nameIsDNSSubdomain, nameIsDNSLabel, nameIsDNS1035Label...). */
  nameFn: NameValidator;
}

/** ValidateNonnegativeField */
export function validateNonnegativeField(value: number, path: FieldPath): FieldError[] {
  return value < 0 ? [fieldErr.invalid(String(path), value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/** ValidateLabelName: a label key must be a qualified name. */
export function validateLabelName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => fieldErr.invalid(String(path), name, m));
}

/** ValidateLabels: keys and values; every error is reported at the map's own path (no key). */
export function validateLabels(labels: StringMap, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!labels) return errs;
  for (const k of Object.keys(labels)) {
    errs.push(...validateLabelName(k, path));
    const v = String(labels[k] ?? '');
    for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(String(path), v, m));
  }
  return errs;
}

/** ValidateAnnotationsSize: total bytes of keys and values. */
export function annotationsSize(annotations: StringMap): number {
  let total = 0;
  if (annotations) for (const k of Object.keys(annotations)) total += byteLength(k) + byteLength(String(annotations[k] ?? ''));
  return total;
}

/** ValidateAnnotations: keys are qualified names regardless of case; at most 256 KiB in total. */
export function validateAnnotations(annotations: StringMap, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!annotations) return errs;
  for (const k of Object.keys(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErr.invalid(String(path), k, m));
  }
  if (annotationsSize(annotations) > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(fieldErr.tooLong(String(path), '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

/** schema.ParseGroupVersion's version part ("" when the apiVersion does not parse). */
function versionOf(apiVersion: string): string {
  if (apiVersion === '' || apiVersion === '/') return '';
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return apiVersion;
  if (apiVersion.indexOf('/', slash + 1) >= 0) return '';
  return apiVersion.slice(slash + 1);
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 || apiVersion.indexOf('/', slash + 1) >= 0 ? '' : apiVersion.slice(0, slash);
}

function validateOwnerReference(ref: OwnerReference, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const apiVersion = ref.apiVersion ?? '';
  const kind = ref.kind ?? '';
  const version = versionOf(apiVersion);
  if (!version) errs.push(fieldErr.invalid(String(path.child('apiVersion')), apiVersion, 'version must not be empty'));
  if (!kind) errs.push(fieldErr.invalid(String(path.child('kind')), kind, 'must not be empty'));
  if (!ref.name) errs.push(fieldErr.invalid(String(path.child('name')), ref.name ?? '', 'must not be empty'));
  if (!ref.uid) errs.push(fieldErr.invalid(String(path.child('uid')), ref.uid ?? '', 'must not be empty'));
  // BannedOwners: core/v1 Event may not own anything.
  if (version === 'v1' && groupOf(apiVersion) === '' && kind === 'Event') {
    errs.push(fieldErr.invalid(String(path), goOwnerReferenceValue(ref), '/v1, Kind=Event is disallowed from being an owner'));
  }
  return errs;
}

/** ValidateOwnerReferences: each reference complete, and at most one with controller: true. */
export function validateOwnerReferences(refs: readonly OwnerReference[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!refs) return errs;
  let firstController = '';
  for (const ref of refs) {
    errs.push(...validateOwnerReference(ref, path));
    if (ref.controller === true) {
      const current = `${ref.kind ?? ''}/${ref.name ?? ''}`;
      if (firstController) {
        errs.push(
          fieldErr.invalid(
            String(path),
            goOwnerReferencesValue(refs),
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      } else firstController = current;
    }
  }
  return errs;
}

/** ValidateFinalizerName: a qualified name. */
export function validateFinalizerName(name: string, path: FieldPath): FieldError[] {
  return isQualifiedName(name).map((m) => fieldErr.invalid(String(path), name, m));
}

/** apimachinery's ValidateFinalizers: names, and orphan excludes foregroundDeletion. */
export function validateFinalizers(finalizers: readonly string[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!finalizers) return errs;
  let orphan = false;
  let foreground = false;
  for (const f of finalizers) {
    errs.push(...validateFinalizerName(f, path));
    if (f === FINALIZER_ORPHAN) orphan = true;
    if (f === FINALIZER_FOREGROUND) foreground = true;
  }
  if (orphan && foreground) {
    errs.push(fieldErr.invalid(String(path), goStringSliceValue(finalizers), `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  return errs;
}

/**
 * The core/v1 rule every built-in kind adds (validateKubeFinalizerName): a finalizer without a
 * domain prefix must be one of the standard names. Reported per index, after the generic errors.
 */
export function validateKubeFinalizers(finalizers: readonly string[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (finalizers ?? []).forEach((f, i) => {
    if (!f.includes('/') && !STANDARD_FINALIZERS.has(f)) {
      errs.push(fieldErr.invalid(String(path.index(i)), f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

/** Go's %#U for a rune that is not printable: "U+0007". */
function goRuneU(r: number): string {
  return 'U+' + r.toString(16).toUpperCase().padStart(4, '0');
}

const PRINTABLE_RUNE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** ValidateFieldManager: at most 128 bytes, printable characters only (positions are byte offsets). */
export function validateFieldManager(manager: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (byteLength(manager) > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldErr.tooLong(String(path), manager, FIELD_MANAGER_MAX_LENGTH));
  let offset = 0;
  for (const ch of manager) {
    const r = ch.codePointAt(0)!;
    const printable = r >= 0x20 && r < 0x7f ? true : PRINTABLE_RUNE.test(ch);
    if (!printable) errs.push(fieldErr.invalid(String(path), manager, `invalid character ${goRuneU(r)} (at position ${offset})`));
    offset += byteLength(ch);
  }
  return errs;
}

/** ValidateManagedFields */
export function validateManagedFields(entries: readonly ManagedFieldsEntry[] | null | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (entries ?? []).forEach((e, i) => {
    const p = path.index(i);
    if (e.operation !== 'Apply' && e.operation !== 'Update') {
      errs.push(fieldErr.invalid(String(p.child('operation')), e.operation ?? '', 'must be `Apply` or `Update`'));
    }
    if (e.fieldsType && e.fieldsType !== 'FieldsV1') errs.push(fieldErr.invalid(String(p.child('fieldsType')), e.fieldsType, 'must be `FieldsV1`'));
    errs.push(...validateFieldManager(e.manager ?? '', p.child('manager')));
    if (e.subresource && byteLength(e.subresource) > MAX_SUBRESOURCE_NAME_LENGTH) {
      errs.push(fieldErr.tooLong(String(p.child('subresource')), e.subresource, MAX_SUBRESOURCE_NAME_LENGTH));
    }
  });
  return errs;
}

/**
 * ValidateObjectMeta for create, as pkg/apis/core/validation runs it for built-in kinds: expects
 * name generation to have happened already, yet still checks generateName itself with the prefix
 * rule. Order: generateName, name, namespace, generation, labels, annotations, ownerReferences,
 * finalizers, managedFields, then the core finalizer rule.
 */
export function validateObjectMeta(meta: ObjectMeta, opts: ObjectMetaValidationOptions, path: FieldPath = FieldPath.root('metadata')): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = meta.generateName ?? '';
  if (generateName) {
    for (const m of opts.nameFn(generateName, true)) errs.push(fieldErr.invalid(String(path.child('generateName')), generateName, m));
  }
  const name = meta.name ?? '';
  if (!name) errs.push(fieldErr.required(String(path.child('name')), 'name or generateName is required'));
  else for (const m of opts.nameFn(name, false)) errs.push(fieldErr.invalid(String(path.child('name')), name, m));

  const namespace = meta.namespace ?? '';
  if (opts.namespaced) {
    if (!namespace) errs.push(fieldErr.required(String(path.child('namespace'))));
    else for (const m of validateNamespaceName(namespace, false)) errs.push(fieldErr.invalid(String(path.child('namespace')), namespace, m));
  } else if (namespace) {
    errs.push(fieldErr.forbidden(String(path.child('namespace')), 'not allowed on this type'));
  }
  errs.push(...validateNonnegativeField(meta.generation ?? 0, path.child('generation')));
  errs.push(...validateLabels(meta.labels, path.child('labels')));
  errs.push(...validateAnnotations(meta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateFinalizers(meta.finalizers, path.child('finalizers')));
  errs.push(...validateManagedFields(meta.managedFields, path.child('managedFields')));
  errs.push(...validateKubeFinalizers(meta.finalizers, path.child('finalizers')));
  return errs;
}

/** Semantic equality of two metav1.Time values (same instant; both absent counts as equal). */
function sameTime(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isNaN(ta) || Number.isNaN(tb) ? a === b : ta === tb;
}

/** ValidateImmutableField for a string-valued field ("" and absent are the same in Go). */
function immutableString(n: string | undefined, o: string | undefined, path: FieldPath): FieldError[] {
  return (n ?? '') === (o ?? '') ? [] : [fieldErr.invalid(String(path), n ?? '', FIELD_IMMUTABLE_ERROR_MSG)];
}

/** ValidateNoNewFinalizers: once deletion started, finalizers may only be removed. */
export function validateNoNewFinalizers(newF: readonly string[] | undefined, oldF: readonly string[] | undefined, path: FieldPath): FieldError[] {
  const old = new Set(oldF ?? []);
  const extra = [...new Set((newF ?? []).filter((f) => !old.has(f)))].sort();
  if (extra.length === 0) return [];
  return [fieldErr.forbidden(String(path), `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(extra)}`)];
}

/**
 * ValidateObjectMetaUpdate (core variant). Callers doing an unconditional update must fill
 * metadata.resourceVersion from the stored object first, as upstream's generic store does, or the
 * "must be specified for an update" error fires.
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta, oldMeta: ObjectMeta, path: FieldPath = FieldPath.root('metadata')): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) errs.push(...validateNoNewFinalizers(newMeta.finalizers, oldMeta.finalizers, path.child('finalizers')));
  if (!newMeta.resourceVersion) errs.push(fieldErr.invalid(String(path.child('resourceVersion')), '', 'must be specified for an update'));
  const newGen = newMeta.generation ?? 0;
  if (newGen < (oldMeta.generation ?? 0)) errs.push(fieldErr.invalid(String(path.child('generation')), newGen, 'must not be decremented'));

  errs.push(...immutableString(newMeta.name, oldMeta.name, path.child('name')));
  errs.push(...immutableString(newMeta.namespace, oldMeta.namespace, path.child('namespace')));
  errs.push(...immutableString(newMeta.uid, oldMeta.uid, path.child('uid')));
  if (!sameTime(newMeta.creationTimestamp, oldMeta.creationTimestamp)) {
    errs.push(fieldErr.invalid(String(path.child('creationTimestamp')), goTimeValue(newMeta.creationTimestamp), FIELD_IMMUTABLE_ERROR_MSG));
  }
  if (!sameTime(newMeta.deletionTimestamp, oldMeta.deletionTimestamp)) {
    // A *metav1.Time: nil prints as null, otherwise through Time.String().
    const v = newMeta.deletionTimestamp ? goTimeValue(newMeta.deletionTimestamp) : null;
    errs.push(fieldErr.invalid(String(path.child('deletionTimestamp')), v, FIELD_IMMUTABLE_ERROR_MSG));
  }
  if ((newMeta.deletionGracePeriodSeconds ?? null) !== (oldMeta.deletionGracePeriodSeconds ?? null)) {
    errs.push(fieldErr.invalid(String(path.child('deletionGracePeriodSeconds')), newMeta.deletionGracePeriodSeconds ?? null, FIELD_IMMUTABLE_ERROR_MSG));
  }
  errs.push(...validateLabels(newMeta.labels, path.child('labels')));
  errs.push(...validateAnnotations(newMeta.annotations, path.child('annotations')));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, path.child('ownerReferences')));
  errs.push(...validateManagedFields(newMeta.managedFields, path.child('managedFields')));
  errs.push(...validateKubeFinalizers(newMeta.finalizers, path.child('finalizers')));
  return errs;
}

/** A metav1.LabelSelector as it arrives in JSON. */
export interface LabelSelectorLike {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: readonly { key?: string; operator?: string; values?: readonly string[] | null }[] | null;
}

export interface LabelSelectorValidationOptions {
  /** Skip label-value checks of matchExpressions values (only for already-stored invalid data). */
  allowInvalidLabelValueInSelector?: boolean;
}

/** metav1validation.ValidateLabelSelector; a null selector is valid (callers require it if needed). */
export function validateLabelSelector(
  ls: LabelSelectorLike | null | undefined,
  path: FieldPath,
  opts: LabelSelectorValidationOptions = {},
): FieldError[] {
  const errs: FieldError[] = [];
  if (!ls) return errs;
  errs.push(...validateLabels(ls.matchLabels, path.child('matchLabels')));
  (ls.matchExpressions ?? []).forEach((expr, i) => {
    const p = path.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    const op = expr.operator ?? '';
    switch (op) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErr.required(String(p.child('values')), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErr.forbidden(String(p.child('values')), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErr.invalid(String(p.child('operator')), op, 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(expr.key ?? '', p.child('key')));
    if (!opts.allowInvalidLabelValueInSelector) {
      values.forEach((v, j) => {
        for (const m of isValidLabelValue(v)) errs.push(fieldErr.invalid(String(p.child('values').index(j)), v, m));
      });
    }
  });
  return errs;
}

/** LabelSelectorHasInvalidLabelValue: whether stored data needs allowInvalidLabelValueInSelector. */
export function labelSelectorHasInvalidLabelValue(ls: LabelSelectorLike | null | undefined): boolean {
  return (ls?.matchExpressions ?? []).some((e) => (e.values ?? []).some((v) => isValidLabelValue(v).length > 0));
}
