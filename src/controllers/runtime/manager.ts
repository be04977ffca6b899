// The controller manager: shared informers, leader election, and the controllers, started in
// order and stopped in reverse. Controllers only run while this process leads, so two control
// planes never both act.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EventRecorder } from '../../client/event-recorder.js';
import { LeaderElector } from '../../client/leader-election.js';
import type { RestClient } from '../../client/rest-client.js';
import { SharedInformers } from '../../client/shared-informers.js';
import { realClock, type Clock } from '../../util/clock.js';

/** What every controller gets: the client, shared informers, an event recorder factory and the clock. */
export interface ControllerContext {
  client: RestClient;
  informers: SharedInformers;
  clock: Clock;
  recorder(component: string): EventRecorder;
}

export interface Controller {
  readonly name: string;
  /** Registers informer handlers; called before informers start. */
  setup?(): void;
  /** Runs workers; called after informers synced and leadership was won. */
  start(): Promise<void> | void;
  stop(): void;
}

export type ControllerFactory = (ctx: ControllerContext) => Controller;

export interface ManagerOptions {
  client: RestClient;
  clock?: Clock;
  leaderElection?: boolean;
  identity?: string;
}

export class ControllerManager {
  readonly ctx: ControllerContext;
  private controllers: Controller[] = [];
  private elector?: LeaderElector;
  private running = false;

  constructor(
    private readonly o: ManagerOptions,
    factories: ControllerFactory[],
  ) {
    const clock = o.clock ?? realClock;
    const recorders = new Map<string, EventRecorder>();
    this.ctx = {
      client: o.client,
      clock,
      informers: new SharedInformers(o.client, clock),
      recorder: (component) => {
        let r = recorders.get(component);
        if (!r) recorders.set(component, (r = new EventRecorder(o.client, component, undefined, clock)));
        return r;
      },
    };
    this.controllers = factories.map((f) => f(this.ctx));
  }

  async start(): Promise<void> {
    for (const c of this.controllers) c.setup?.();
    await this.ctx.informers.start();
    if (this.o.leaderElection === false) return this.run();
    await new Promise<void>((resolve) => {
      this.elector = new LeaderElector({
        client: this.o.client,
        name: 'k8ts-controller-manager',
        identity: this.o.identity ?? `${hostname()}_${randomUUID()}`,
        clock: this.ctx.clock,
        onStartedLeading: () => {
          void this.run().then(resolve);
        },
        onStoppedLeading: () => this.halt(),
      });
      this.elector.start();
    });
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const c of this.controllers) await c.start();
  }

  private halt(): void {
    if (!this.running) return;
    this.running = false;
    for (const c of [...this.controllers].reverse()) c.stop();
  }

  stop(): void {
    this.elector?.stop();
    this.halt();
    this.ctx.informers.stop();
  }
}
