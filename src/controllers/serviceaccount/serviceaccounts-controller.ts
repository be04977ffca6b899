// The ServiceAccounts controller (pkg/controller/serviceaccount/serviceaccounts_controller.go,
// v1.32): every active namespace has a `default` ServiceAccount. A namespace is synced when it is
// added or updated (including resyncs) and when a ServiceAccount in it is deleted, so a deleted
// `default` comes back. Namespaces that are not Active (terminating) get nothing; a create that
// races with termination (NamespaceTerminating cause) or finds the account already there is fine.

import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import { R, ResourceClient } from '../../client/resources.js';
import { KeyedController } from '../runtime/keyed-controller.js';
import { KeyedWorkers } from '../runtime/keyed-workers.js';
import type { Controller, ControllerContext } from '../runtime/manager.js';

/** ConcurrentServiceAccountSyncs (kube-controller-manager --concurrent-serviceaccount-syncs). */
const WORKERS = 1;

/** The accounts ensured in every namespace (ServiceAccountsControllerOptions.ServiceAccounts). */
export const SERVICE_ACCOUNTS_TO_ENSURE = ['default'];

export const isNamespaceTerminatingError = (err: unknown): boolean =>
  err instanceof ApiError && !!err.details?.causes?.some((c) => (c as { reason?: string }).reason === 'NamespaceTerminating');

/** The accounts a namespace still needs: none unless it is Active. */
export function missingServiceAccounts(ns: KObject | undefined, exists: (name: string) => boolean, wanted: readonly string[] = SERVICE_ACCOUNTS_TO_ENSURE): string[] {
  if (!ns || ns.status?.phase !== 'Active') return [];
  return wanted.filter((name) => !exists(name));
}

export class ServiceAccountsController extends KeyedController implements Controller {
  readonly name = 'serviceaccount';
  protected readonly keyed: KeyedWorkers;
  private readonly namespaces: Informer;
  private readonly serviceAccounts: Informer;
  private readonly saClient: ResourceClient;

  constructor(ctx: ControllerContext) {
    super();
    this.namespaces = ctx.informers.for(R.namespaces);
    this.serviceAccounts = ctx.informers.for(R.serviceaccounts);
    this.saClient = new ResourceClient(ctx.client, R.serviceaccounts);
    this.keyed = new KeyedWorkers({
      clock: ctx.clock,
      workers: WORKERS,
      reconcile: (ns) => this.syncNamespace(ns),
      allKeys: () => this.namespaces.store.list().map((ns) => ns.metadata.name!),
      onError: (ns, err) => console.error(`serviceaccount-controller: namespace ${ns}: ${(err as Error)?.message ?? err}`),
    });
  }

  setup(): void {
    this.namespaces.addHandler({
      add: (ns) => this.queue.add(ns.metadata.name!),
      update: (_old, ns) => this.queue.add(ns.metadata.name!),
    });
    this.serviceAccounts.addHandler({
      delete: (sa) => {
        if (sa.metadata.namespace) this.queue.add(sa.metadata.namespace);
      },
    });
  }

  async syncNamespace(name: string): Promise<void> {
    const ns = this.namespaces.store.get(name);
    const missing = missingServiceAccounts(ns, (sa) => this.serviceAccounts.store.get(`${name}/${sa}`) !== undefined);
    const failures: string[] = [];
    for (const sa of missing) {
      try {
        await this.saClient.create(name, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: name } });
      } catch (err) {
        if (err instanceof ApiError && err.code === 409) continue;
        if (isNamespaceTerminatingError(err)) continue;
        failures.push((err as Error)?.message ?? String(err));
      }
    }
    if (failures.length) throw new Error(failures.join(', '));
  }
}
