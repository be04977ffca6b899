// A client whose watch events on one resource arrive `watchDelayMs` late (in order), as from a busy
// or distant API server: a controller using it often syncs before its own writes are in its cache.
// Watches of other resources, and all other requests, pass through unchanged.

import type { KObject } from '../../src/api/types.js';
import { RestClient, type ClientConfig, type RequestOptions, type WatchEvent, type WatchHandle } from '../../src/client/rest-client.js';

export class DelayedWatchClient extends RestClient {
  /** How late events arrive; 0 delivers at once (after any still delayed, to keep the order). */
  watchDelayMs = 0;
  private delayed: { due: number; deliver: () => void }[] = [];
  private pump?: NodeJS.Timeout;

  /** `pathSuffix` picks the watches to delay, e.g. '/pods' (every namespace's pods). */
  constructor(
    config: ClientConfig,
    private readonly pathSuffix: string,
  ) {
    super(config);
  }

  override watch<T = KObject>(path: string, query: RequestOptions['query'], onEvent: (ev: WatchEvent<T>) => void): WatchHandle {
    if (!path.endsWith(this.pathSuffix)) return super.watch(path, query, onEvent);
    return super.watch<T>(path, query, (ev) => {
      if (this.watchDelayMs === 0 && this.delayed.length === 0) return onEvent(ev);
      this.delayed.push({ due: Date.now() + this.watchDelayMs, deliver: () => onEvent(ev) });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.pump || this.delayed.length === 0) return;
    this.pump = setTimeout(() => {
      this.pump = undefined;
      const now = Date.now();
      while (this.delayed.length && this.delayed[0].due <= now) this.delayed.shift()!.deliver();
      this.schedule();
    }, Math.max(0, this.delayed[0].due - Date.now()));
  }
}
