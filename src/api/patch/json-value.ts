// Small helpers over parsed JSON values shared by the patch engines. Patch input is untrusted, so keys
// such as "__proto__" must stay plain data: never assign them with `obj[key] = v` (that would hit the
// prototype setter); use setOwn, and test presence with hasOwn.

export type JsonObject = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Sets an own enumerable data property, also for "__proto__". */
export function setOwn(o: JsonObject, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    o[key] = value;
  }
}

/** Shallow copy; object spread defines own properties, so "__proto__" keys are copied as data. */
export function copyObject(o: JsonObject): JsonObject {
  return { ...o };
}
