// Resource lists (`{cpu: "500m", memory: "1Gi"}`) as the v1 decoder leaves them: every quantity is
// re-rendered in canonical form ("0.5" -> "500m", "1024Mi" -> "1Gi") after rounding up to milli
// precision (SetDefaults_ResourceList). Unparsable values are left alone for validation to report.

import type { JsonObject } from '../../api/types.js';
import { parseQuantity } from '../../api/quantity.js';

export function canonicalizeResourceList(list: JsonObject): void {
  for (const k of Object.keys(list)) {
    const v = list[k];
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    const q = tryParse(String(v));
    if (q) list[k] = q.roundUpMilli().toString();
  }
}

function tryParse(s: string): ReturnType<typeof parseQuantity> | undefined {
  try {
    return parseQuantity(s);
  } catch {
    return undefined;
  }
}
