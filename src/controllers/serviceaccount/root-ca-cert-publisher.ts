// The root CA certificate publisher (pkg/controller/certificates/rootcacertpublisher, v1.32):
// every namespace has a ConfigMap `kube-root-ca.crt` whose only data key `ca.crt` is the CA that
// signs the API server's serving certificate, annotated with what it is for. Deleted or edited,
// it is put back: a namespace is synced when it is added, when it is updated while Active, and
// when its `kube-root-ca.crt` is updated or deleted. Creates into a missing or terminating
// namespace are dropped.

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import { cloneJson } from '../../api/equality.js';
import type { Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';
import { isNamespaceTerminatingError } from './serviceaccounts-controller.js';

export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

const WORKERS = 1;

/** The ConfigMap as the publisher creates it. */
export function rootCAConfigMap(namespace: string, rootCA: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIG_MAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } },
    data: { 'ca.crt': rootCA },
  };
}

/**
 * The ConfigMap to write back over `cm`, or undefined when it is right: data must be exactly
 * {ca.crt: rootCA} and the description annotation non-empty. Other annotations, labels and
 * binaryData are kept.
 */
export function repairedRootCAConfigMap(cm: KObject, rootCA: string): KObject | undefined {
  const data = cm.data as Record<string, unknown> | undefined;
  const dataOk = !!data && Object.keys(data).length === 1 && data['ca.crt'] === rootCA;
  const annotation = cm.metadata.annotations?.[DESCRIPTION_ANNOTATION];
  if (dataOk && typeof annotation === 'string' && annotation.length > 0) return undefined;
  const out = cloneJson(cm);
  out.data = { 'ca.crt': rootCA };
  out.metadata.annotations = { ...(out.metadata.annotations ?? {}), [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION };
  return out;
}

export class RootCACertPublisher extends KeyedController implements Controller {
  readonly name = 'root-ca-cert-publisher';
  protected readonly keyed: KeyedWorkers;
  private readonly namespaces: Informer;
  private readonly configMaps: Informer;
  private readonly cmClient: ResourceClient;

  constructor(
    ctx: ControllerContext,
    private readonly rootCA: string,
  ) {
    super();
    this.namespaces = ctx.informers.for(R.namespaces);
    this.configMaps = ctx.informers.for(R.configmaps);
    this.cmClient = new ResourceClient(ctx.client, R.configmaps);
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (ns) => this.syncNamespace(ns),
      allKeys: () => this.namespaces.store.list().map((ns) => ns.metadata.name!),
      onError: (ns, err) => console.error(`root-ca-cert-publisher: namespace ${ns}: ${(err as Error)?.message ?? err}`),
    });
  }

  setup(): void {
    this.namespaces.addHandler({
      add: (ns) => this.queue.add(ns.metadata.name!),
      update: (_old, ns) => {
        if (ns.status?.phase === 'Active') this.queue.add(ns.metadata.name!);
      },
    });
    const cmChanged = (cm: KObject) => {
      if (cm.metadata.name === ROOT_CA_CONFIG_MAP && cm.metadata.namespace) this.queue.add(cm.metadata.namespace);
    };
    this.configMaps.addHandler({ update: (_old, cm) => cmChanged(cm), delete: cmChanged });
  }

  async syncNamespace(ns: string): Promise<void> {
    const cm = this.configMaps.store.get(`${ns}/${ROOT_CA_CONFIG_MAP}`);
    if (!cm) {
      try {
        await this.cmClient.create(ns, rootCAConfigMap(ns, this.rootCA));
      } catch (err) {
        // Not retried: the namespace is gone or terminating. (AlreadyExists is retried: the
        // cache is behind, and the next sync compares the live object.)
        if ((err instanceof ApiError && err.code === 404) || isNamespaceTerminatingError(err)) return;
        throw err;
      }
      return;
    }
    const fixed = repairedRootCAConfigMap(cm, this.rootCA);
    if (fixed) await this.cmClient.update(fixed);
  }
}
