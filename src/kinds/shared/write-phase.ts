// Which write is this? KindDef.validate and KindDef.warnings receive only the new object, but
// upstream's strategies treat create and update differently (CronJob's schedule/timeZone/name
// rules; WarningsOnCreate vs WarningsOnUpdate, which re-checks the template only when the
// generation moved). prepareForCreate/prepareForUpdate run first on the same object, so they tag
// it here. The tags are non-enumerable symbol properties: never serialized, never cloned, gone
// with the request's object. (A `ctx.operation` in ValidationContext would make this unnecessary.)

import type { KObject } from '../../api/types.js';
import { semanticEqual } from './semantic-equal.js';

const CREATING = Symbol('k8ts.creating');
const SPEC_CHANGED = Symbol('k8ts.specChanged');

function tag(o: KObject, key: symbol): void {
  Object.defineProperty(o, key, { value: true, enumerable: false, configurable: true });
}

/** Call from prepareForCreate. */
export function markCreate(o: KObject): void {
  tag(o, CREATING);
}

/** Call from prepareForUpdate: remembers whether the spec changed (what bumps metadata.generation). */
export function markUpdate(n: KObject, old: KObject): void {
  if (!semanticEqual(n.spec, old.spec)) tag(n, SPEC_CHANGED);
}

/** True when `o` is the object of a create request (prepareForCreate ran on it). */
export function isCreate(o: KObject): boolean {
  return (o as unknown as Record<symbol, unknown>)[CREATING] === true;
}

/** True on create, or on an update that changed the spec (upstream: the generation moved). */
export function specIsNew(o: KObject): boolean {
  return isCreate(o) || (o as unknown as Record<symbol, unknown>)[SPEC_CHANGED] === true;
}
