// The events the node agent records about pods, worded as the v1.32 kubelet words them (source
// component "kubelet", host = node name, involvedObject.fieldPath = the container). Events are
// writes too: with `enabled` false (benchmarks) nothing is sent.

import type { KObject } from '../api/types.js';
import { formatGoDuration } from '../api/duration.js';
import type { EventRecorder } from '../client/event-recorder.js';
import { fieldPathOf, podDescription, type ContainerKind } from './pod-spec-helpers.js';

export interface ContainerRef {
  kind: ContainerKind;
  name: string;
}

const PROBE_WORD: Record<string, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

export class PodEvents {
  constructor(private readonly recorder: EventRecorder | undefined) {}

  get enabled(): boolean {
    return this.recorder !== undefined;
  }

  private emit(pod: KObject, type: 'Normal' | 'Warning', reason: string, message: string, c?: ContainerRef): void {
    if (!this.recorder) return;
    const ref: KObject = { apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata };
    this.recorder.event(ref, type, reason, message, c ? fieldPathOf(c.kind, c.name) : undefined);
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

  imageNeverPull(pod: KObject, c: ContainerRef, image: string): void {
    this.emit(pod, 'Warning', 'ErrImageNeverPull', `Container image "${image}" is not present with pull policy of Never`, c);
  }

  created(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Normal', 'Created', `Created container: ${c.name}`, c);
  }

  started(pod: KObject, c: ContainerRef): void {
    this.emit(pod, 'Normal', 'Started', `Started container ${c.name}`, c);
  }

  failed(pod: KObject, c: ContainerRef, message: string): void {
    this.emit(pod, 'Warning', 'Failed', `Error: ${message}`, c);
  }

  /** Killing: "Stopping container x", or the reason a probe or a spec change gives. */
  killing(pod: KObject, c: ContainerRef, message?: string): void {
    this.emit(pod, 'Normal', 'Killing', message ?? `Stopping container ${c.name}`, c);
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
