// Owners known not to exist (upstream's absentOwnerCache, an LRU of 500 identities): spares a live
// lookup per dependent when an owner with many dependents is gone. Keys are full identities
// (including uid), so an object recreated under the same name is never mistaken for the dead one.

import { identityKey, type Identity } from './references.js';

export class AbsentOwnerCache {
  private readonly entries = new Map<string, true>();

  constructor(private readonly capacity = 500) {}

  add(id: Identity): void {
    const k = identityKey(id);
    this.entries.delete(k);
    this.entries.set(k, true);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Whether `id` is recorded absent; a hit counts as a use (least recently used goes first). */
  has(id: Identity): boolean {
    const k = identityKey(id);
    if (!this.entries.has(k)) return false;
    this.entries.delete(k);
    this.entries.set(k, true);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}
