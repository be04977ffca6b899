// Upstream strategies have create-only rules and warnings (ValidatePodCreate, WarningsOnCreate),
// but the KindDef hooks `validate` and `warnings` run for create and update alike. prepareForCreate
// therefore marks the object; the mark is a non-enumerable symbol property, so it is never
// serialized, copied by cloneJson, or compared.

const CREATING = Symbol('k8ts.kinds.creating');

export function markCreating(o: object): void {
  Object.defineProperty(o, CREATING, { value: true, enumerable: false, configurable: true });
}

export function isCreating(o: object): boolean {
  return (o as Record<symbol, unknown>)[CREATING] === true;
}
