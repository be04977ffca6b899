// The events the node agent records about pods, worded as the v1.32 kubelet words them (source
// component "kubelet", host = node name, involvedObject.fieldPath = the container). Events are
// writes too: they are paced like the kubelet's (--event-qps 50, --event-burst 100, a bounded
// queue that drops the excess), and without a recorder (benchmarks) nothing is sent.

import type { KObject } from '../api/types.js';
import { formatGoDuration } from '../api/duration.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { realClock, type Clock } from '../util/clock.js';
import { fieldPathOf, podDescription, type ContainerKind } from './pod-spec-helpers.js';

export interface ContainerRef {
  kind: ContainerKind;
  name: string;
}

const PROBE_WORD: Record<string, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export interface EventPacing {
  /** Sustained events per second (kubelet --event-qps, default 50). */
  qps: number;
  /** Burst (kubelet --event-burst, default 100). */
  burst: number;
  /** Events waiting beyond this are dropped, as client-go's broadcaster queue (1000) does. */
  maxQueue: number;
  /** Event writes in flight at most. */
  batch: number;
}

// Upstream's numbers; over HTTP/1.1 each event in flight is a socket, so few are in flight at once.
const DEFAULT_PACING: EventPacing = { qps: 50, burst: 100, maxQueue: 1000, batch: 4 };

export class PodEvents {
  private readonly pacing: EventPacing;
  private readonly queue: (() => void)[] = [];
  private tokens: number;
  private last: number;
  private cancelTimer?: () => void;
  private sending = false;
  private stopped = false;

  constructor(
    private readonly recorder: EventRecorder | undefined,
    private readonly clock: Clock = realClock,
    pacing: Partial<EventPacing> = {},
  ) {
    this.pacing = { ...DEFAULT_PACING, ...pacing };
    this.tokens = this.pacing.burst;
    this.last = clock.now().getTime();
  }

  get enabled(): boolean {
    return this.recorder !== undefined;
  }

  /** Drops queued events and timers (the agent stops). */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.queue.length = 0;
  }

  private emit(pod: KObject, type: 'Normal' | 'Warning', reason: string, message: string, c?: ContainerRef): void {
    const recorder = this.recorder;
    if (!recorder) return;
    if (this.queue.length >= this.pacing.maxQueue) return;
    const ref: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
    const fieldPath = c ? fieldPathOf(c.kind, c.name) : undefined;
    this.queue.push(() => recorder.event(ref, type, reason, message, fieldPath));
    this.pump();
  }

  /**
   * Sends queued events as the token bucket allows, at most `batch` at a time: the next batch
   * goes once the recorder has no write in flight, so a slow API server sees a few event
   * connections per node, not one per event.
   */
  private pump(): void {
    if (this.sending) return;
    const now = this.clock.now().getTime();
    this.tokens = Math.min(this.pacing.burst, this.tokens + ((now - this.last) / 1000) * this.pacing.qps);
    this.last = now;
    let sent = 0;
    while (this.queue.length > 0 && this.tokens >= 1 && sent < this.pacing.batch) {
      this.tokens--;
      sent++;
      this.queue.shift()!();
    }
    if (sent > 0) {
      this.sending = true;
      void this.recorder!.flush().finally(() => {
        this.sending = false;
        if (!this.stopped) this.pump();
      });
      return;
    }
    if (this.queue.length > 0 && !this.cancelTimer) {
      const wait = Math.ceil(((1 - this.tokens) / this.pacing.qps) * 1000);
      this.cancelTimer = this.clock.setTimer(wait, () => {
        this.cancelTimer = undefined;
        this.pump();
      });
    }
  }

  imagePresent(pod: KObject, c: ContainerRef, image: string): void {
    this.emit(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, c);
  }

  pulling(pod: KObject, c: ContainerRef, image: string): void {
    this.emit(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, c);
  }

  pulled(pod: KObject, c: ContainerRef, image: string, elapsedMs: number, size: number): void {
    const d = formatGoDuration(elapsedMs);
    this.emit(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${d} (${d} including waiting). Image size: ${size} bytes.`, c);
  }

  pullFailed(pod: KObject, c: ContainerRef, image: string, message: string): void {
    this.emit(pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${message}`, c);
  }

  imageNeverPull(pod: KObject, c: ContainerRef, image: string): void {
    this.emit(pod, 'Warning', 'ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`, c);
  }

  /** The image reference cannot be parsed (InvalidImageName). */
  inspectFailed(pod: KObject, c: ContainerRef, message: string): void {
    this.emit(pod, 'Warning', 'InspectFailed', message, c);
  }

  /** Some imagePullSecrets could not be read; the pull goes on without them. */
  pullSecretsMissing(pod: KObject, names: string[]): void {
    this.emit(pod, 'Warning', 'FailedToRetrieveImagePullSecret', `Unable to retrieve some image pull secrets (${names.join(', ')}); attempting to pull the image may not succeed.`);
  }

  created(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Normal', 'Created', `Created container: ${c.name}`, c);
  }

  started(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Normal', 'Started', `Started container ${c.name}`, c);
  }

  pullBackOff(pod: KObject, c: ContainerRef, image: string): void {
    this.emit(pod, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, c);
  }

  failed(pod: KObject, c: ContainerRef, message: string): void {
    this.emit(pod, 'Warning', 'Failed', `Error: ${message}`, c);
  }

  /** Killing: "Stopping container x", or the reason a probe or a spec change gives. */
  killing(pod: KObject, c: ContainerRef, message?: string): void {
    this.emit(pod, 'Normal', 'Killing', message ?? `Stopping container ${c.name}`, c);
  }

  failedPostStartHook(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Warning', 'FailedPostStartHook', 'PostStartHook failed', c);
  }

  failedPreStopHook(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Warning', 'FailedPreStopHook', 'PreStopHook failed', c);
  }

  backOff(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name} in pod ${podDescription(pod)}`, c);
  }

  unhealthy(pod: KObject, c: ContainerRef, probe: string, output: string): void {
    this.emit(pod, 'Warning', 'Unhealthy', `${PROBE_WORD[probe] ?? probe} probe failed: ${output}`, c);
  }

  probeErrored(pod: KObject, c: ContainerRef, probe: string, output: string): void {
    this.emit(pod, 'Warning', 'Unhealthy', `${PROBE_WORD[probe] ?? probe} probe errored: ${output}`, c);
  }

  sandboxFailed(pod: KObject, message: string): void {
    this.emit(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${message}`);
  }

  deadlineExceeded(pod: KObject): void {
    this.emit(pod, 'Normal', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline');
  }
}
