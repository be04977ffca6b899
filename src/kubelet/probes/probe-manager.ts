// Probe workers, one per (container instance, probe kind), as pkg/kubelet/prober/worker.go:
// the first probe runs right away, then every periodSeconds on the clock; a result only
// changes after successThreshold / failureThreshold equal results in a row; readiness starts
// as failure, liveness as success, startup as unknown; liveness and readiness wait for the
// startup probe to succeed; a failed liveness or startup result holds the worker until the
// container is replaced. Each failed probe records an Unhealthy event. A changed result calls
// onChange(podUid) so the pod is synced; unchanged results cost nothing beyond the probe.

import type { KObject } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { PodEvents } from '../pod-events.js';
import type { ContainerKind, ProbeSpec } from '../pod-spec-helpers.js';
import type { ProbeOutcome } from '../runtime/runtime.js';

export type ProbeResult = 'success' | 'failure';

/** Runs one probe against a container; implementations never throw (errors are failures). */
export type ProbeExecutor = (w: ProbeTarget, spec: ProbeSpec, pod: KObject) => Promise<ProbeOutcome & { errored?: boolean }>;

export interface ProbeTarget {
  podUid: string;
  containerId: string;
  containerName: string;
  containerKind: ContainerKind;
  startedAt: number;
}

interface Worker extends ProbeTarget {
  spec: ProbeSpec;
  result?: ProbeResult;
  lastResult?: ProbeResult;
  run: number;
  onHold: boolean;
  stopped: boolean;
  busy: boolean;
  cancel?: () => void;
}

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private readonly byPod = new Map<string, Set<string>>();

  constructor(
    private readonly clock: Clock,
    private readonly execute: ProbeExecutor,
    private readonly getPod: (uid: string) => KObject | undefined,
    private readonly events: PodEvents,
    private readonly onChange: (podUid: string) => void,
  ) {}

  /** Makes sure the probes of a running container instance are being run. */
  ensure(target: ProbeTarget, probes: ProbeSpec[]): void {
    for (const spec of probes) {
      const key = `${target.containerId}/${spec.kind}`;
      if (this.workers.has(key)) continue;
      const w: Worker = { ...target, spec, run: 0, onHold: false, stopped: false, busy: false, result: spec.kind === 'readiness' ? 'failure' : spec.kind === 'liveness' ? 'success' : undefined };
      this.workers.set(key, w);
      let set = this.byPod.get(target.podUid);
      if (!set) this.byPod.set(target.podUid, (set = new Set()));
      set.add(key);
      queueMicrotask(() => void this.tick(w));
    }
  }

  result(containerId: string, kind: ProbeSpec['kind']): ProbeResult | undefined {
    return this.workers.get(`${containerId}/${kind}`)?.result;
  }

  /** Started: running and the startup probe (if any) succeeded. */
  started(containerId: string, hasStartupProbe: boolean): boolean {
    return !hasStartupProbe || this.result(containerId, 'startup') === 'success';
  }

  /** Stops the probes of a container instance (it exited or was replaced). */
  removeContainer(containerId: string, podUid: string): void {
    for (const kind of ['liveness', 'readiness', 'startup']) this.drop(`${containerId}/${kind}`, podUid);
  }

  removePod(podUid: string): void {
    for (const key of [...(this.byPod.get(podUid) ?? [])]) this.drop(key, podUid);
    this.byPod.delete(podUid);
  }

  /** Runs the pod's probes now (its annotations changed, which may steer simulated probes). */
  trigger(podUid: string): void {
    for (const key of this.byPod.get(podUid) ?? []) {
      const w = this.workers.get(key);
      if (!w || w.busy) continue;
      w.cancel?.();
      queueMicrotask(() => void this.tick(w));
    }
  }

  get size(): number {
    return this.workers.size;
  }

  stopAll(): void {
    for (const w of this.workers.values()) {
      w.stopped = true;
      w.cancel?.();
    }
    this.workers.clear();
    this.byPod.clear();
  }

  private drop(key: string, podUid: string): void {
    const w = this.workers.get(key);
    if (!w) return;
    w.stopped = true;
    w.cancel?.();
    this.workers.delete(key);
    this.byPod.get(podUid)?.delete(key);
  }

  private schedule(w: Worker): void {
    if (w.stopped) return;
    w.cancel?.();
    w.cancel = this.clock.setTimer(w.spec.periodMs, () => {
      w.cancel = undefined;
      void this.tick(w);
    });
  }

  private async tick(w: Worker): Promise<void> {
    if (w.stopped || w.busy) return;
    const pod = this.getPod(w.podUid);
    if (!pod) return;
    if (!this.shouldProbe(w)) {
      // A succeeded startup probe is never run again.
      if (!(w.spec.kind === 'startup' && w.result === 'success')) this.schedule(w);
      return;
    }
    w.busy = true;
    let outcome: ProbeOutcome & { errored?: boolean };
    try {
      outcome = await this.execute(w, w.spec, pod);
    } catch (err) {
      outcome = { result: 'failure', output: err instanceof Error ? err.message : String(err), errored: true };
    } finally {
      w.busy = false;
    }
    if (w.stopped) return;
    const ref = { kind: w.containerKind, name: w.containerName };
    if (outcome.result === 'failure') {
      if (outcome.errored) this.events.probeErrored(pod, ref, w.spec.kind, outcome.output);
      else this.events.unhealthy(pod, ref, w.spec.kind, outcome.output);
    }
    this.record(w, outcome.result);
    this.schedule(w);
  }

  private shouldProbe(w: Worker): boolean {
    if (w.onHold) return false;
    if (w.spec.kind === 'startup' && w.result === 'success') return false;
    if (w.spec.kind !== 'startup') {
      const startup = this.workers.get(`${w.containerId}/startup`);
      if (startup && startup.result !== 'success') return false;
    }
    return this.clock.now().getTime() - w.startedAt >= w.spec.initialDelayMs;
  }

  private record(w: Worker, result: ProbeResult): void {
    if (w.lastResult === result) w.run++;
    else {
      w.lastResult = result;
      w.run = 1;
    }
    if ((result === 'failure' && w.run < w.spec.failureThreshold) || (result === 'success' && w.run < w.spec.successThreshold)) return;
    const changed = w.result !== result;
    w.result = result;
    if ((w.spec.kind === 'liveness' || w.spec.kind === 'startup') && result === 'failure') {
      w.onHold = true;
      w.run = 0;
    }
    if (changed) this.onChange(w.podUid);
  }
}
