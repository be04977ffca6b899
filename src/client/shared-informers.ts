// One informer per resource, shared by every controller in a process: one list+watch per
// resource however many controllers read it. Indexes are added before start.

import type { KObject } from '../api/types.js';
import { realClock, type Clock } from '../util/clock.js';
import { byControllerUid, byNamespace, Informer } from './informer.js';
import { ResourceClient, type ResourceRef } from './resources.js';
import type { RestClient } from './rest-client.js';

export class SharedInformers {
  private informers = new Map<string, Informer>();
  private started = false;

  constructor(
    readonly client: RestClient,
    private readonly clock: Clock = realClock,
  ) {}

  /** The shared informer of a resource (all namespaces), created on first use with the standard indexes. */
  for<T extends KObject = KObject>(ref: ResourceRef): Informer<T> {
    const key = `${ref.group}/${ref.version}/${ref.plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(new ResourceClient(this.client, ref), { clock: this.clock });
      inf.store.addIndex('namespace', byNamespace);
      inf.store.addIndex('controller', byControllerUid);
      this.informers.set(key, inf);
      if (this.started) void inf.start();
    }
    return inf as unknown as Informer<T>;
  }

  /** Starts every informer requested so far (and later ones on request); resolves when all have synced. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  stop(): void {
    for (const i of this.informers.values()) i.stop();
  }
}
