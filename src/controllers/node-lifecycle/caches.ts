// The informers the node lifecycle, taint eviction and pod GC controllers share: one cache each
// for Nodes, node Leases and Pods (indexed by node), as kube-controller-manager shares them.

import type { KObject } from '../../api/types.js';
import { Informer, type IndexFunc } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import type { RestClient } from '../../client/rest-client.js';
import type { Clock } from '../../util/clock.js';
import { NODE_LEASE_NAMESPACE } from './constants.js';

export const POD_NODE_INDEX = 'spec.nodeName';

const byNodeName: IndexFunc<KObject> = (p) => (typeof p.spec?.nodeName === 'string' && p.spec.nodeName ? [p.spec.nodeName] : []);

export interface NodeCaches {
  nodes: Informer;
  leases: Informer;
  pods: Informer;
}

export function createNodeCaches(client: RestClient, clock: Clock): NodeCaches {
  const pods = new Informer(new ResourceClient(client, R.pods), { clock });
  pods.store.addIndex(POD_NODE_INDEX, byNodeName);
  return {
    nodes: new Informer(new ResourceClient(client, R.nodes), { clock }),
    leases: new Informer(new ResourceClient(client, R.leases), { clock, namespace: NODE_LEASE_NAMESPACE }),
    pods,
  };
}

export function podsOnNode(caches: NodeCaches, nodeName: string): KObject[] {
  return caches.pods.store.byIndex(POD_NODE_INDEX, nodeName);
}

export function podKey(pod: KObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name}`;
}

/** A reference object for events about a pod known only by key (it may be gone). */
export function podRef(pod: KObject | undefined, key: string): KObject {
  const i = key.indexOf('/');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: key.slice(0, i), name: key.slice(i + 1), uid: pod?.metadata.uid },
  };
}

export function nodeRef(node: KObject): KObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: node.metadata.name, uid: node.metadata.uid } };
}

export function isNotFound(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 404;
}

export function isConflict(err: unknown): boolean {
  return (err as { code?: number } | null)?.code === 409;
}
