// The bytes Go's encoding/json writes for a generic value (map[string]interface{} and friends),
// which is what upstream stores in a ControllerRevision's `data`: the DaemonSet and StatefulSet
// controllers marshal the object, unmarshal it into maps and marshal the patch again, so every
// object's keys come out sorted. Strings are HTML-escaped as json.Marshal does (<, >, & and the
// line/paragraph separators become \u escapes). The StatefulSet revision hash is FNV over these
// exact bytes, so matching them makes our revision names equal upstream's for the same data.

function goString(s: string): string {
  // JSON.stringify already writes \b \f \n \r \t and \u00XX (lowercase hex) like Go >= 1.22.
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function goNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`json: unsupported value: ${n}`);
  // float64 formatting: Go uses %f below 1e21 and from 1e-6 up, %e outside, as JavaScript does.
  return String(n);
}

function write(v: unknown, out: string[]): void {
  if (v === null || v === undefined) {
    out.push('null');
    return;
  }
  switch (typeof v) {
    case 'string':
      out.push(goString(v));
      return;
    case 'number':
      out.push(goNumber(v));
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'object':
      break;
    default:
      throw new Error(`json: unsupported type: ${typeof v}`);
  }
  if (Array.isArray(v)) {
    out.push('[');
    v.forEach((x, i) => {
      if (i) out.push(',');
      write(x, out);
    });
    out.push(']');
    return;
  }
  const o = v as Record<string, unknown>;
  // Go sorts map keys by their UTF-8 bytes; for the keys Kubernetes uses (ASCII) that is code-unit order.
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  out.push('{');
  keys.forEach((k, i) => {
    if (i) out.push(',');
    out.push(goString(k), ':');
    write(o[k], out);
  });
  out.push('}');
}

/** json.Marshal of a generic JSON value: sorted keys, no whitespace, HTML-escaped strings. */
export function goJsonMarshal(v: unknown): string {
  const out: string[] = [];
  write(v, out);
  return out.join('');
}
