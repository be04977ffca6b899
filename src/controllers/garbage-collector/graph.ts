// The dependency graph of the garbage collector (upstream graph.go + GraphBuilder.processGraphChanges):
// one node per uid, built from informer events. An owner that is referenced but not (yet) observed is
// a "virtual" node, to be confirmed or refuted by a live lookup. The graph itself never talks to the
// API server: it tells its sink which uids to look at (attemptToDelete / attemptToOrphan), which
// owners are known absent, and which references are invalid. Events are applied synchronously, in
// the order informers deliver them, as upstream's single-threaded graph builder does.

import type { KObject, OwnerReference } from '../../api/types.js';
import {
  beingDeleted,
  deletionStartsWithFinalizer,
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  hasFinalizer,
  identityLess,
  identityOf,
  isBlocking,
  ownerIdentity,
  refMatchesCoordinates,
  referencesDiffs,
  sameIdentity,
  type Identity,
  type RefChange,
} from './references.js';

export class GraphNode {
  readonly dependents = new Set<GraphNode>();
  /** Being deleted with the foregroundDeletion finalizer: its dependents are deleted first. */
  deletingDependents = false;
  /** deletionTimestamp seen; a one-way trip. */
  beingDeleted = false;
  /** Being deleted with the orphan finalizer (kept current so a restarted collector can resume). */
  orphaning = false;

  constructor(
    public identity: Identity,
    public owners: OwnerReference[],
    /** Referenced by a dependent but never observed through an informer. */
    public virtual: boolean,
  ) {}

  /** Dependents whose reference to this node has blockOwnerDeletion=true. */
  blockingDependents(): GraphNode[] {
    const out: GraphNode[] = [];
    for (const dep of this.dependents) {
      if (dep.owners.some((o) => o.uid === this.identity.uid && isBlocking(o))) out.push(dep);
    }
    return out;
  }
}

/** What the graph asks of the collector. Calls are synchronous and must not re-enter the graph. */
export interface GraphSink {
  /** Look at this uid in the attemptToDelete queue (after the key's back-off when `rateLimited`). */
  attemptToDelete(uid: string, rateLimited?: boolean): void;
  attemptToOrphan(uid: string): void;
  /** The owner `id` is known not to exist (absent-owner cache). */
  ownerAbsent(id: Identity): void;
  /** `dependent` references `ref`, an object observed in another namespace (Warning OwnerRefInvalidNamespace). */
  invalidNamespaceOwnerRef(dependent: GraphNode, ref: OwnerReference): void;
}

export type GraphEventType = 'add' | 'update' | 'delete';

/**
 * partitionDependents: dependents whose reference to `owner.uid` matches its coordinates (and
 * namespace, for a namespaced owner), and those with a reference that does not. A dependent with
 * several references to the uid can be in both.
 */
export function partitionDependents(dependents: Iterable<GraphNode>, owner: Identity): { matching: GraphNode[]; nonmatching: GraphNode[] } {
  const matching: GraphNode[] = [];
  const nonmatching: GraphNode[] = [];
  for (const dep of dependents) {
    let match = false;
    let mismatch = false;
    if (owner.namespace && owner.namespace !== dep.identity.namespace) mismatch = true;
    else {
      for (const ref of dep.owners) {
        if (ref.uid !== owner.uid) continue;
        if (refMatchesCoordinates(ref, owner)) match = true;
        else mismatch = true;
      }
    }
    if (match) matching.push(dep);
    if (mismatch) nonmatching.push(dep);
  }
  return { matching, nonmatching };
}

/**
 * getAlternateOwnerIdentity: among the dependents' references to `absent.uid`, the coordinates
 * that differ from `absent`: the first following `absent` in upstream's order, else the first.
 */
export function alternateOwnerIdentity(dependents: Iterable<GraphNode>, absent: Identity): Identity | undefined {
  const clusterScoped = absent.namespace === '';
  let first: Identity | undefined;
  let firstFollowing: Identity | undefined;
  for (const dep of dependents) {
    for (const ref of dep.owners) {
      if (ref.uid !== absent.uid) continue;
      if (refMatchesCoordinates(ref, absent) && (clusterScoped || absent.namespace === dep.identity.namespace)) continue;
      const id = ownerIdentity(ref, dep.identity.namespace);
      // Known cluster-scoped from `absent`: the same apiVersion/kind has no namespace.
      if (clusterScoped && id.apiVersion === absent.apiVersion && id.kind === absent.kind) id.namespace = '';
      if (sameIdentity(id, absent)) continue;
      if (!first || identityLess(id, first)) first = id;
      if (identityLess(absent, id) && (!firstFollowing || identityLess(id, firstFollowing))) firstFollowing = id;
    }
  }
  return firstFollowing ?? first;
}

export class DependencyGraph {
  private readonly nodes = new Map<string, GraphNode>();

  constructor(private readonly sink: GraphSink) {}

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  all(): IterableIterator<GraphNode> {
    return this.nodes.values();
  }

  /** Applies an informer event for an object of `apiVersion`/`kind`; `old` is the previous state on updates. */
  observe(type: GraphEventType, obj: KObject, apiVersion: string, kind: string, old?: KObject): void {
    const uid = obj.metadata.uid;
    if (!uid) return;
    const observed = identityOf(obj, apiVersion, kind);
    let node = this.nodes.get(uid);
    if (node?.virtual) {
      // The first real sighting of a node created from references: dependents that named it
      // with other coordinates may be wrong (bad child seen before its good parent).
      if (!sameIdentity(observed, node.identity)) {
        for (const dep of partitionDependents(node.dependents, observed).nonmatching) {
          if (observed.namespace && dep.identity.namespace !== observed.namespace) this.reportInvalidNamespace(dep, uid);
          this.sink.attemptToDelete(dep.identity.uid);
        }
        node.identity = observed;
      }
      node.virtual = false;
    }

    if (type === 'delete') {
      if (node) this.removeObserved(node, observed);
      return;
    }
    const owners = obj.metadata.ownerReferences ?? [];
    if (!node) {
      node = new GraphNode(observed, [...owners], false);
      node.beingDeleted = beingDeleted(obj);
      node.deletingDependents = node.beingDeleted && hasFinalizer(obj, FINALIZER_FOREGROUND);
      node.orphaning = node.beingDeleted && hasFinalizer(obj, FINALIZER_ORPHAN);
      this.nodes.set(uid, node);
      this.addDependentToOwners(node, node.owners);
      this.processTransitions(old, obj, node);
      return;
    }
    if (node.identity.apiVersion !== apiVersion || node.identity.kind !== kind) {
      node.identity = { ...node.identity, apiVersion, kind };
    }
    const { added, removed, changed } = referencesDiffs(node.owners, owners);
    if (added.length || removed.length || changed.length) {
      this.addUnblockedOwnersToDeleteQueue(removed, changed);
      node.owners = [...owners];
      this.addDependentToOwners(node, added);
      this.removeDependentFromOwners(node, removed);
    }
    if (beingDeleted(obj)) node.beingDeleted = true;
    node.orphaning = node.beingDeleted && hasFinalizer(obj, FINALIZER_ORPHAN);
    this.processTransitions(old, obj, node);
  }

  /**
   * A delete confirmed by a live lookup rather than seen by an informer (upstream's virtual delete
   * event): `id` does not exist. A virtual node may be known under several coordinates; only the
   * dependents naming the absent ones are released.
   */
  virtualDelete(id: Identity): void {
    const node = this.nodes.get(id.uid);
    if (!node) return;
    if (node.virtual) {
      const { matching, nonmatching } = partitionDependents(node.dependents, id);
      if (nonmatching.length > 0) {
        if (matching.length > 0) {
          this.sink.ownerAbsent(id);
          for (const dep of matching) this.sink.attemptToDelete(dep.identity.uid);
        }
        if (sameIdentity(node.identity, id)) {
          const alt = alternateOwnerIdentity(nonmatching, id);
          if (alt) {
            node.identity = alt;
            this.sink.attemptToDelete(id.uid, true);
          }
        }
        return;
      }
    } else if (!sameIdentity(node.identity, id)) {
      // An observed node is not removed on the word of a lookup under other coordinates.
      const { matching } = partitionDependents(node.dependents, id);
      if (matching.length > 0) {
        this.sink.ownerAbsent(id);
        for (const dep of matching) this.sink.attemptToDelete(dep.identity.uid);
      }
      return;
    }
    this.removeObserved(node, id);
  }

  private removeObserved(node: GraphNode, id: Identity): void {
    this.nodes.delete(node.identity.uid);
    this.removeDependentFromOwners(node, node.owners);
    if (node.dependents.size > 0) this.sink.ownerAbsent(id);
    for (const dep of node.dependents) this.sink.attemptToDelete(dep.identity.uid);
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      // The owner may be waiting for this dependent to go.
      if (owner?.deletingDependents) this.sink.attemptToDelete(owner.identity.uid);
    }
  }

  /** Adds `node` to its owners' dependents, creating (and queueing for verification) virtual owners. */
  private addDependentToOwners(node: GraphNode, refs: readonly OwnerReference[]): void {
    let potentiallyInvalid = false;
    for (const ref of refs) {
      let owner = this.nodes.get(ref.uid);
      if (!owner) {
        owner = new GraphNode(ownerIdentity(ref, node.identity.namespace), [], true);
        this.nodes.set(ref.uid, owner);
        owner.dependents.add(node);
        this.sink.attemptToDelete(ref.uid);
        continue;
      }
      owner.dependents.add(node);
      if (potentiallyInvalid) continue;
      const ownerNamespaced = owner.identity.namespace !== '';
      if (ownerNamespaced && owner.identity.namespace !== node.identity.namespace) {
        // A namespaced owner can only own objects of its own namespace.
        if (!owner.virtual) this.reportInvalidNamespace(node, ref.uid);
        potentiallyInvalid = true;
      } else if (!refMatchesCoordinates(ref, owner.identity)) {
        potentiallyInvalid = true;
      } else if (!ownerNamespaced && owner.identity.namespace !== node.identity.namespace && owner.virtual) {
        // A virtual "cluster-scoped" owner may be a missing namespaced object named by a cluster-scoped dependent.
        potentiallyInvalid = true;
      }
    }
    if (potentiallyInvalid) this.sink.attemptToDelete(node.identity.uid);
  }

  private removeDependentFromOwners(node: GraphNode, refs: readonly OwnerReference[]): void {
    for (const ref of refs) this.nodes.get(ref.uid)?.dependents.delete(node);
  }

  /** A blocking reference removed or made non-blocking may let a foreground deletion finish. */
  private addUnblockedOwnersToDeleteQueue(removed: readonly OwnerReference[], changed: readonly RefChange[]): void {
    for (const ref of removed) {
      if (isBlocking(ref) && this.nodes.has(ref.uid)) this.sink.attemptToDelete(ref.uid);
    }
    for (const c of changed) {
      if (isBlocking(c.oldRef) && !isBlocking(c.newRef) && this.nodes.has(c.newRef.uid)) this.sink.attemptToDelete(c.newRef.uid);
    }
  }

  private processTransitions(old: KObject | undefined, obj: KObject, node: GraphNode): void {
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_ORPHAN)) {
      this.sink.attemptToOrphan(node.identity.uid);
      return;
    }
    if (deletionStartsWithFinalizer(old, obj, FINALIZER_FOREGROUND)) {
      node.deletingDependents = true;
      for (const dep of node.dependents) this.sink.attemptToDelete(dep.identity.uid);
      this.sink.attemptToDelete(node.identity.uid);
    }
  }

  private reportInvalidNamespace(dep: GraphNode, ownerUid: string): void {
    const ref = dep.owners.find((o) => o.uid === ownerUid);
    if (ref) this.sink.invalidNamespaceOwnerRef(dep, ref);
  }
}
