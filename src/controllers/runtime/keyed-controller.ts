// The lifecycle every controller with one keyed work queue shares: the manager starts it when
// leadership is won and stops it when leadership is lost (see keyed-workers.ts).

import type { WorkQueue } from '../../client/work-queue.js';
import type { KeyedWorkers } from './keyed-workers.js';

export abstract class KeyedController {
  protected abstract readonly keyed: KeyedWorkers;

  /** The live work queue (a fresh one after each restart). */
  get queue(): WorkQueue {
    return this.keyed.queue;
  }

  start(): void {
    this.keyed.start();
  }

  stop(): void {
    this.keyed.stop();
  }

  /** Resolves when the workers have exited after stop(). */
  async stopped(): Promise<void> {
    await this.keyed.stopped();
  }
}
