// The one rule for reads at a revision, shared by every backend.

import { StoreCompactedError } from './store.js';

/**
 * A read at revision `at` is allowed from the compacted revision itself (its state is still
 * fully known) up to the current revision. Older fails with StoreCompactedError; newer with a
 * RangeError (the store cannot answer for revisions it has not reached).
 */
export function checkReadRevision(at: bigint, current: bigint, compacted: bigint): void {
  if (at < compacted) throw new StoreCompactedError(at, compacted);
  if (at > current) throw new RangeError(`revision ${at} is in the future (current ${current})`);
}
