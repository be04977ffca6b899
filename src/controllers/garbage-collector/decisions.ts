// What the garbage collector does with one dependent, as a pure function of what the live lookups
// returned (upstream attemptToDeleteItem after classifyReferences). Kept apart from the I/O so the
// rules can be tested with tables.

import type { KObject, OwnerReference } from '../../api/types.js';
import { beingDeleted, FINALIZER_FOREGROUND, FINALIZER_ORPHAN, hasFinalizer } from './references.js';

/**
 * solid: the owner exists and is not deleting its dependents in the foreground;
 * dangling: the owner does not exist (or another object now has its name);
 * waiting: the owner exists, is being deleted and has the foregroundDeletion finalizer.
 */
export type OwnerClass = 'solid' | 'dangling' | 'waiting';

export interface ClassifiedRef {
  ref: OwnerReference;
  cls: OwnerClass;
}

export type Propagation = 'Orphan' | 'Foreground' | 'Background';

export type Decision =
  /** Nothing to do: no owners, or only live ones. */
  | { action: 'none' }
  /** A live owner remains: drop the references to dead and foreground-deleting owners. */
  | { action: 'removeRefs'; ownerUids: string[] }
  /**
   * Delete the dependent. `unblockFirst`: make its blocking references non-blocking before (a
   * dependent of it also deletes its dependents: upstream's cheap cycle guard).
   */
  | { action: 'delete'; policy: Propagation; unblockFirst: boolean };

/** The class of one reference given the owner found by a live GET (undefined: not found). */
export function classifyOwner(ref: OwnerReference, owner: KObject | undefined): OwnerClass {
  if (!owner || owner.metadata.uid !== ref.uid) return 'dangling';
  return beingDeleted(owner) && hasFinalizer(owner, FINALIZER_FOREGROUND) ? 'waiting' : 'solid';
}

export interface DependentsInfo {
  /** How many dependents the graph knows for the item. */
  count: number;
  /** Whether one of them is itself deleting its dependents in the foreground. */
  anyDeletingDependents: boolean;
}

/**
 * The decision for `latest` (the item as a live GET returned it) whose references were classified.
 * An item with no solid owner is garbage: deleted in the foreground when an owner waits for it and
 * it has dependents of its own (so the owner waits for the whole subtree), else with the policy its
 * own finalizers ask for (orphan, foregroundDeletion), Background by default.
 */
export function decide(latest: KObject, refs: readonly ClassifiedRef[], dependents: DependentsInfo): Decision {
  if (refs.length === 0) return { action: 'none' };
  const solid = refs.filter((r) => r.cls === 'solid');
  const dangling = refs.filter((r) => r.cls === 'dangling');
  const waiting = refs.filter((r) => r.cls === 'waiting');
  if (solid.length > 0) {
    if (dangling.length === 0 && waiting.length === 0) return { action: 'none' };
    // Waiting references must go too, or those owners would wait forever for a dependent that stays.
    return { action: 'removeRefs', ownerUids: [...dangling, ...waiting].map((r) => r.ref.uid) };
  }
  if (waiting.length > 0 && dependents.count > 0) {
    return { action: 'delete', policy: 'Foreground', unblockFirst: dependents.anyDeletingDependents };
  }
  const policy: Propagation = hasFinalizer(latest, FINALIZER_ORPHAN) ? 'Orphan' : hasFinalizer(latest, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
  return { action: 'delete', policy, unblockFirst: false };
}
