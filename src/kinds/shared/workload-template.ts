// Selector and pod-template rules shared by the apps/v1 workloads (pkg/apis/apps/validation):
// the required, non-empty selector that must match the template's labels, and the template
// restrictions of controllers whose pods run forever (restartPolicy Always, no activeDeadlineSeconds).

import { type FieldError, type FieldPath, fieldErr } from '../../api/errors.js';
import { type LabelSelector, type Selector, selectorFromLabelSelector } from '../../api/labels.js';
import type { JsonObject } from '../../api/types.js';
import { validateLabelSelector } from '../../api/validation/object-meta.js';
import { isObject, obj, str } from '../core/json-shape.js';
import { validatePodTemplateSpec } from '../core/pod-spec.js';
import { immutable } from './field-checks.js';
import { goLabelSelectorValue, goStringMapValue } from './go-values.js';

/** metav1.LabelSelectorAsSelector, or undefined where upstream gets an error. A null selector matches nothing. */
export function asSelector(sel: unknown): Selector | undefined {
  try {
    return selectorFromLabelSelector(isObject(sel) ? (sel as LabelSelector) : null);
  } catch {
    return undefined;
  }
}

/** A selector with neither matchLabels nor matchExpressions. */
export function isEmptySelector(sel: JsonObject): boolean {
  return Object.keys(obj(sel.matchLabels)).length + (Array.isArray(sel.matchExpressions) ? sel.matchExpressions.length : 0) === 0;
}

/** "empty selector is invalid for <kindWord>" (ReplicaSet reuses "deployment", as upstream). */
export function emptySelectorError(sel: JsonObject, kindWord: string, path: FieldPath): FieldError {
  return fieldErr.invalid(String(path), goLabelSelectorValue(sel), `empty selector is invalid for ${kindWord}`);
}

/** The selector checks of Deployment, ReplicaSet and StatefulSet: required, valid, non-empty. */
export function validateRequiredSelector(sel: unknown, kindWord: string, path: FieldPath): FieldError[] {
  if (!isObject(sel)) return [fieldErr.required(String(path))];
  const errs = validateLabelSelector(sel as LabelSelector, path);
  if (isEmptySelector(sel)) errs.push(emptySelectorError(sel, kindWord, path));
  return errs;
}

/** "`selector` does not match template `labels`", reported at `<templatePath>.metadata.labels`. */
export function selectorMismatch(selector: Selector, tpl: unknown, templatePath: FieldPath): FieldError[] {
  const labels = obj(obj(tpl).metadata).labels;
  if (selector.matches(isObject(labels) ? (labels as Record<string, string>) : undefined)) return [];
  return [fieldErr.invalid(String(templatePath.child('metadata', 'labels')), goStringMapValue(labels), '`selector` does not match template `labels`')];
}

/**
 * The restartPolicy/activeDeadlineSeconds rule for long-running pods. `who` names the kind in the
 * message ("ReplicaSet" for ReplicaSets and Deployments, "DaemonSet", "StatefulSet").
 */
export function alwaysRunningTemplateRules(tpl: unknown, templatePath: FieldPath, who: string): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(obj(tpl).spec);
  const rp = str(spec.restartPolicy);
  if (rp !== 'Always') errs.push(fieldErr.notSupported(String(templatePath.child('spec', 'restartPolicy')), rp, ['Always']));
  if (spec.activeDeadlineSeconds !== undefined && spec.activeDeadlineSeconds !== null) {
    errs.push(fieldErr.forbidden(String(templatePath.child('spec', 'activeDeadlineSeconds')), `activeDeadlineSeconds in ${who} is not Supported`));
  }
  return errs;
}

/** apps/v1 selector immutability (Deployment, ReplicaSet, DaemonSet): `spec.selector: ... field is immutable`. */
export function selectorImmutable(newSpec: unknown, oldSpec: unknown, path: FieldPath): FieldError[] {
  return immutable(obj(newSpec).selector, obj(oldSpec).selector, path, goLabelSelectorValue);
}

/** Makes `spec.template.spec` exist so that defaulting reaches it, as it does on Go's value structs. */
export function ensureTemplate(spec: JsonObject): JsonObject {
  if (!isObject(spec.template)) spec.template = {};
  if (!isObject(spec.template.spec)) spec.template.spec = {};
  return spec.template;
}

/**
 * ValidatePodTemplateSpecForReplicaSet (Deployments use it too): labels must match a non-empty
 * selector, then full pod template validation, then the always-running rules.
 */
export function validateTemplateForReplicaSet(tpl: unknown, selector: Selector, templatePath: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (!selector.empty()) errs.push(...selectorMismatch(selector, tpl, templatePath));
  // The template is a value (not a pointer) upstream: an absent one validates as the zero template.
  errs.push(...validatePodTemplateSpec(obj(tpl), templatePath));
  errs.push(...alwaysRunningTemplateRules(tpl, templatePath, 'ReplicaSet'));
  return errs;
}
