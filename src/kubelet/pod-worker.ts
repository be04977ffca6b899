// The pod sync: given a pod uid, look at the pod (from the watch), the agent's record and the
// runtime, and take the next steps. Level-triggered: it is called again on any change (pod
// update, container exit, probe result, timer) and must reach the same end from any point.
// The work queue guarantees that one pod is never synced by two workers at once.
//
// Order of a running pod: sandbox -> init containers one by one (native sidecars start in order
// and keep running; the next init container starts once the sidecar has started) -> regular
// containers, restarted per restartPolicy with crash-loop back-off. A pod whose regular
// containers are done (OnFailure/Never), whose init container failed (Never) or whose
// activeDeadlineSeconds passed is completed: sidecars stop in reverse order, the sandbox stops.
// A deleted pod stops its regular containers, then its sidecars in reverse order, within the
// grace period; then the agent reports the terminal phase and removes the pod from the API.

import { readFileSync } from 'node:fs';
import { podDnsConfig, type ClusterDnsSettings } from './pod-dns.js';
import type { JsonObject, KObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { ResourceClient } from '../client/resources.js';
import type { Clock } from '../util/clock.js';
import type { CrashBackoff } from './backoff.js';
import { ContainerOps, SyncPlan, errText } from './container-ops.js';
import type { PodEvents } from './pod-events.js';
import { containerRecord, newPodRecord, resumeFromApi, type ContainerRecord, type PodRecord } from './pod-record.js';
import { containersOf, initContainersOf, isSidecar, probeOf, restartPolicyOf, shouldRestart, spec, terminationGraceSeconds, type ContainerKind, type ProbeSpec } from './pod-spec-helpers.js';
import { generatePodStatus, type ContainerView } from './pod-status.js';
import type { ProbeManager } from './probes/probe-manager.js';
import type { ContainerSetup } from './container-setup.js';
import { adoptInto, type AdoptedPod } from './runtime-adoption.js';
import type { ContainerRuntime, ContainerStatus } from './runtime/runtime.js';
import type { StatusWriter } from './status-writer.js';
import { startTrace } from '../util/start-trace.js';

export interface PodWorkerDeps {
  clock: Clock;
  nodeIP: string;
  pods: ResourceClient;
  events: PodEvents;
  status: StatusWriter;
  probes: ProbeManager;
  backoff: CrashBackoff;
  getPod(uid: string): KObject | undefined;
  /** The runtime for the pod (its RuntimeClass handler, or the node's default). */
  runtimeFor(pod: KObject): Promise<ContainerRuntime>;
  /** The node's default runtime: holds the record of a pod being deleted whose own runtime is unavailable. */
  defaultRuntime?: ContainerRuntime;
  wake(uid: string): void;
  log(message: string): void;
  /** Env, command and volumes for runtimes that run real workloads (capabilities.mounts). */
  setup?: ContainerSetup;
  /** What a kept runtime still holds for the pod after an agent restart (taken once). */
  adopted?(uid: string): AdoptedPod | undefined;
  /** Cluster DNS for the pods' resolv.conf (absent: every pod gets the node's). */
  dns?: ClusterDnsSettings;
}

function readNodeResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

type ById = Map<string, ContainerStatus>;

const PHASE_TERMINAL = new Set(['Succeeded', 'Failed']);

export class PodWorkers {
  readonly records = new Map<string, PodRecord>();
  private readonly ops: ContainerOps;

  constructor(private readonly d: PodWorkerDeps) {
    this.ops = new ContainerOps({ clock: d.clock, events: d.events, backoff: d.backoff, probes: d.probes, wake: d.wake, log: d.log, setup: d.setup, nodeIP: d.nodeIP });
  }

  /** One sync of one pod; the result says when to sync it again at the latest. */
  async sync(uid: string): Promise<{ requeueAfterMs?: number } | void> {
    const pod = this.d.getPod(uid);
    let rec = this.records.get(uid);
    if (!pod) {
      if (rec) await this.teardown(rec);
      else this.d.status.forget(uid);
      return;
    }
    if (rec?.deleteSent) return;
    if (!rec) {
      startTrace(`${pod.metadata.namespace}/${pod.metadata.name}`, 'sync');
      let runtime: ContainerRuntime;
      try {
        runtime = await this.d.runtimeFor(pod);
      } catch (err) {
        // A pod being deleted that never got a sandbox needs no runtime to finish.
        if (!pod.metadata.deletionTimestamp || !this.d.defaultRuntime) {
          this.d.events.sandboxFailed(pod, errText(err));
          this.publishWithoutSandbox(pod);
          return { requeueAfterMs: 30_000 };
        }
        runtime = this.d.defaultRuntime;
      }
      const adopted = this.d.adopted?.(uid);
      rec = newPodRecord(pod, adopted?.runtime ?? runtime);
      // A pod already in a terminal phase is never run again (agent restarted, pod kept).
      if (PHASE_TERMINAL.has(String(pod.status?.phase))) {
        rec.finished = true;
        rec.adoptedTerminal = true;
        if (adopted) rec.sandboxId = adopted.sandbox.id;
      } else if (adopted) {
        for (const id of adoptInto(rec, pod, adopted, this.d.nodeIP)) await rec.runtime.removeContainer(id).catch(() => undefined);
      } else resumeFromApi(rec, pod);
      this.records.set(uid, rec);
    }
    this.pushAnnotations(pod, rec);
    const plan = new SyncPlan();
    let byId = await this.list(rec);
    if (pod.metadata.deletionTimestamp) {
      const done = await this.terminate(pod, rec, byId, plan);
      if (done) return;
      byId = await this.list(rec);
    } else if (!rec.finished) {
      const rounds = initContainersOf(pod).length + containersOf(pod).length + 3;
      for (let i = 0; i < rounds; i++) {
        plan.mutated = false;
        await this.run(pod, rec, byId, plan);
        byId = await this.list(rec);
        if (!plan.mutated || rec.finished) break;
      }
    }
    // A pod found already terminal keeps the status it has: the agent knows nothing better.
    if (!rec.adoptedTerminal) this.publish(pod, rec, byId, plan);
    if (plan.wakeAt !== undefined) return { requeueAfterMs: Math.max(0, plan.wakeAt - this.d.clock.now().getTime()) };
  }

  private async list(rec: PodRecord): Promise<ById> {
    if (!rec.sandboxId) return new Map();
    const list = await rec.runtime.listContainers({ sandboxId: rec.sandboxId });
    return new Map(list.map((s) => [s.id, s]));
  }

  private pushAnnotations(pod: KObject, rec: PodRecord): void {
    if (!rec.sandboxId || !rec.runtime.updatePodSandbox) return;
    const annotations = pod.metadata.annotations ?? {};
    const key = JSON.stringify(annotations);
    if (key === rec.annotationsKey) return;
    rec.annotationsKey = key;
    rec.runtime.updatePodSandbox(rec.sandboxId, { annotations });
  }

  private async ensureSandbox(pod: KObject, rec: PodRecord, plan: SyncPlan): Promise<boolean> {
    if (rec.sandboxId) return true;
    const s = spec(pod);
    const annotations = pod.metadata.annotations ?? {};
    try {
      const id = await rec.runtime.runPodSandbox({
        uid: rec.uid,
        name: rec.name,
        namespace: rec.namespace,
        attempt: 0,
        hostname: typeof s.hostname === 'string' ? s.hostname : rec.name,
        hostNetwork: s.hostNetwork === true,
        labels: pod.metadata.labels ?? {},
        annotations,
        logDirectory: `/var/log/pods/${rec.namespace}_${rec.name}_${rec.uid}`,
        runtimeHandler: typeof s.runtimeClassName === 'string' ? s.runtimeClassName : '',
        dnsConfig: this.d.dns ? podDnsConfig(pod, this.d.dns, readNodeResolvConf) : undefined,
      });
      const st = await rec.runtime.podSandboxStatus(id);
      rec.sandboxId = id;
      rec.sandboxReady = true;
      rec.podIP = s.hostNetwork === true ? this.d.nodeIP : st?.ip;
      rec.sandboxFailures = 0;
      rec.annotationsKey = JSON.stringify(annotations);
      plan.mutated = true;
      return true;
    } catch (err) {
      rec.sandboxFailures++;
      this.d.events.sandboxFailed(pod, errText(err));
      plan.wake(this.d.clock.now().getTime() + Math.min(60_000, 1000 * 2 ** Math.min(rec.sandboxFailures, 6)));
      return false;
    }
  }

  /** One pass over a pod that should be running. */
  private async run(pod: KObject, rec: PodRecord, byId: ById, plan: SyncPlan): Promise<void> {
    const now = this.d.clock.now().getTime();
    const deadline = spec(pod).activeDeadlineSeconds;
    // startTime is set by the first status the agent reports, i.e. about now.
    const reported = Date.parse(String(this.d.status.latest(rec.uid)?.startTime ?? pod.status?.startTime ?? ''));
    const startTime = Number.isFinite(reported) ? reported : now;
    if (typeof deadline === 'number' && !rec.failure) {
      if (now >= startTime + deadline * 1000) {
        rec.failure = { reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' };
        this.d.events.deadlineExceeded(pod);
      } else plan.wake(startTime + deadline * 1000);
    }
    if (rec.failure) {
      await this.complete(pod, rec, byId, plan);
      return;
    }
    if (!(await this.ensureSandbox(pod, rec, plan))) return;
    const policy = restartPolicyOf(pod);
    const current = (cr: ContainerRecord) => (cr.currentId ? byId.get(cr.currentId) : undefined);

    let initDone = true;
    for (const c of initContainersOf(pod)) {
      const sidecar = isSidecar(c);
      const cr = containerRecord(rec, String(c.name), sidecar ? 'sidecar' : 'init');
      const cur = current(cr);
      if (sidecar) {
        let started = false;
        if (!cur || cur.state === 'exited') await this.ops.startOrBackOff(pod, rec, cr, c, cur, plan);
        else if (cur.state === 'running') started = this.keepRunning(pod, rec, cr, c, cur, true, plan);
        if (!started && !rec.initialized) {
          initDone = false;
          break;
        }
        continue;
      }
      if (rec.initialized) continue;
      if (cur && cur.state === 'exited' && cur.exitCode === 0) continue;
      initDone = false;
      if (!cur) await this.ops.startOrBackOff(pod, rec, cr, c, cur, plan);
      else if (cur.state === 'exited') {
        if (policy === 'Never') {
          await this.complete(pod, rec, byId, plan);
          return;
        }
        await this.ops.startOrBackOff(pod, rec, cr, c, cur, plan);
      }
      break;
    }
    if (!initDone) return;
    rec.initialized = true;

    let active = 0;
    for (const c of containersOf(pod)) {
      const cr = containerRecord(rec, String(c.name), 'regular');
      const cur = current(cr);
      if (!cur && cr.resumed && cr.previous && !shouldRestart(policy, cr.previous.exitCode ?? 0)) continue;
      if (!cur || cur.state === 'created') {
        if (!cur) await this.ops.startOrBackOff(pod, rec, cr, c, cur, plan);
        active++;
        continue;
      }
      if (cur.state === 'running') {
        active++;
        this.keepRunning(pod, rec, cr, c, cur, policy !== 'Never', plan);
        continue;
      }
      this.d.probes.removeContainer(cur.id, rec.uid);
      const restart = cr.killing?.id === cur.id ? cr.killing.restart : shouldRestart(policy, cur.exitCode ?? 0);
      if (restart) {
        await this.ops.startOrBackOff(pod, rec, cr, c, cur, plan);
        active++;
      } else cr.waiting = undefined;
    }
    if (active === 0 && policy !== 'Always') await this.complete(pod, rec, byId, plan);
  }

  /**
   * A running instance: keeps its probes going and stops it when a probe failed or its spec
   * changed. Returns whether it counts as started (startup probe passed).
   */
  private keepRunning(pod: KObject, rec: PodRecord, cr: ContainerRecord, c: JsonObject, cur: ContainerStatus, restartOnFailure: boolean, _plan: SyncPlan): boolean {
    if (cr.killing?.id === cur.id || cr.stopping?.id === cur.id) return false;
    const probes = (['startup', 'liveness', 'readiness'] as const).map((k) => probeOf(c, k)).filter((p): p is ProbeSpec => !!p);
    if (probes.length) {
      this.d.probes.ensure({ podUid: rec.uid, containerId: cur.id, containerName: cr.name, containerKind: cr.kind, startedAt: cur.startedAt?.getTime() ?? 0 }, probes);
    }
    const what = cr.kind === 'sidecar' ? 'Init container' : 'Container';
    // Sidecars restart whatever the pod's restart policy is.
    const restart = cr.kind === 'sidecar' || restartOnFailure;
    const grace = (p?: ProbeSpec) => p?.terminationGracePeriodSeconds ?? terminationGraceSeconds(pod);
    let message: string | undefined;
    let again = restart;
    let g = terminationGraceSeconds(pod);
    if (cur.image !== String(c.image ?? '')) {
      message = `${what} ${cr.name} definition changed`;
      again = true;
    } else if (this.d.probes.result(cur.id, 'liveness') === 'failure') {
      message = `${what} ${cr.name} failed liveness probe`;
      g = grace(probeOf(c, 'liveness'));
    } else if (this.d.probes.result(cur.id, 'startup') === 'failure') {
      message = `${what} ${cr.name} failed startup probe`;
      g = grace(probeOf(c, 'startup'));
    }
    if (message) {
      this.ops.kill(pod, rec, cr, cur, c, again ? `${message}, will be restarted` : message, again, g);
      return false;
    }
    return this.d.probes.started(cur.id, !!probeOf(c, 'startup'));
  }

  /**
   * Ends a pod that will not run again: regular containers, then sidecars in reverse order,
   * then the sandbox. Called again by later syncs until everything has stopped.
   */
  private async complete(pod: KObject, rec: PodRecord, byId: ById, plan: SyncPlan): Promise<boolean> {
    rec.stopDeadline ??= this.d.clock.now().getTime() + terminationGraceSeconds(pod) * 1000;
    return this.stopAll(pod, rec, byId, plan);
  }

  private async stopAll(pod: KObject, rec: PodRecord, byId: ById, plan: SyncPlan): Promise<boolean> {
    for (let round = 0; round < 4; round++) {
      const asked = this.stopInOrder(pod, rec, byId, rec.stopDeadline!);
      if (asked === 'done') {
        if (rec.sandboxId && rec.sandboxReady) await rec.runtime.stopPodSandbox(rec.sandboxId);
        rec.sandboxReady = false;
        rec.finished = true;
        this.d.probes.removePod(rec.uid);
        plan.mutated = true;
        return true;
      }
      if (asked === 'waiting') break;
      byId = await this.list(rec);
    }
    plan.wake(rec.stopDeadline! + 1000);
    return false;
  }

  /** Asks for the stops that are due; 'done' when nothing runs, 'asked' when it asked for some. */
  private stopInOrder(pod: KObject, rec: PodRecord, byId: ById, deadline: number): 'done' | 'asked' | 'waiting' {
    const live = (cr: ContainerRecord | undefined) => {
      const cur = cr?.currentId ? byId.get(cr.currentId) : undefined;
      return cur && cur.state !== 'exited' ? cur : undefined;
    };
    let asked = false;
    let running = false;
    for (const c of [...initContainersOf(pod).filter((x) => !isSidecar(x)), ...containersOf(pod)]) {
      const cr = rec.containers.get(String(c.name));
      const cur = live(cr);
      if (!cr || !cur) continue;
      running = true;
      if (this.ops.requestStop(pod, rec, cr, cur, c, deadline)) asked = true;
    }
    if (!running) {
      // Sidecars stop in reverse order, each once the ones declared after it have exited.
      const sidecars = initContainersOf(pod).filter(isSidecar);
      for (let i = sidecars.length - 1; i >= 0; i--) {
        const cr = rec.containers.get(String(sidecars[i].name));
        const cur = live(cr);
        if (!cr || !cur) continue;
        running = true;
        if (this.ops.requestStop(pod, rec, cr, cur, sidecars[i], deadline)) asked = true;
        break;
      }
    }
    if (!running) return 'done';
    return asked ? 'asked' : 'waiting';
  }

  /** A pod with a deletionTimestamp. Returns true once the pod was removed from the API. */
  private async terminate(pod: KObject, rec: PodRecord, byId: ById, plan: SyncPlan): Promise<boolean> {
    const now = this.d.clock.now().getTime();
    if (!rec.finished) {
      const g = pod.metadata.deletionGracePeriodSeconds;
      const grace = typeof g === 'number' && g >= 0 ? g : terminationGraceSeconds(pod);
      const deadline = now + grace * 1000;
      if (rec.stopDeadline === undefined || deadline < rec.stopDeadline) rec.stopDeadline = deadline;
      if (!(await this.stopAll(pod, rec, byId, plan))) return false;
      byId = await this.list(rec);
    }
    if (!rec.adoptedTerminal) {
      this.d.status.set(pod, this.status(pod, rec, byId, plan));
      await this.d.status.flush(rec.uid);
    }
    try {
      await this.d.pods.delete(rec.namespace, rec.name, { gracePeriodSeconds: 0, preconditions: { uid: rec.uid } });
    } catch (err) {
      if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
    }
    rec.deleteSent = true;
    await this.release(rec);
    return true;
  }

  /** The pod left the API (deleted, or moved off this node): stop everything now and forget it. */
  private async teardown(rec: PodRecord): Promise<void> {
    await this.release(rec);
    this.records.delete(rec.uid);
  }

  private async release(rec: PodRecord): Promise<void> {
    this.d.probes.removePod(rec.uid);
    this.d.backoff.forgetPrefix(`${rec.uid}/`);
    this.d.status.forget(rec.uid);
    if (rec.sandboxId) {
      const id = rec.sandboxId;
      rec.sandboxId = undefined;
      rec.sandboxReady = false;
      await rec.runtime.removePodSandbox(id).catch((err) => this.d.log(`removing sandbox of pod ${rec.namespace}/${rec.name}: ${errText(err)}`));
    }
    if (rec.runtime.capabilities.mounts) await this.d.setup?.volumes.cleanup(rec.uid).catch((err) => this.d.log(`removing volumes of pod ${rec.namespace}/${rec.name}: ${errText(err)}`));
  }

  /** The status of a pod no runtime could take yet: its containers wait in ContainerCreating, as upstream's do. */
  private publishWithoutSandbox(pod: KObject): void {
    const view = (c: JsonObject, kind: ContainerKind): ContainerView => ({ name: String(c.name), kind, image: String(c.image ?? ''), restartCount: 0, started: false, ready: false });
    const status = generatePodStatus({
      pod,
      runtimeType: this.d.defaultRuntime?.type ?? '',
      initContainers: initContainersOf(pod).map((c) => view(c, isSidecar(c) ? 'sidecar' : 'init')),
      containers: containersOf(pod).map((c) => view(c, 'regular')),
      sandboxReady: false,
      hostIP: this.d.nodeIP,
      podIsTerminal: false,
      previous: this.d.status.latest(pod.metadata.uid!),
      now: this.d.clock.now(),
    });
    this.d.status.set(pod, status);
  }

  private publish(pod: KObject, rec: PodRecord, byId: ById, plan: SyncPlan): void {
    this.d.status.set(pod, this.status(pod, rec, byId, plan));
  }

  private status(pod: KObject, rec: PodRecord, byId: ById, plan: SyncPlan): JsonObject {
    const view = (c: JsonObject, kind: ContainerKind): ContainerView => this.view(pod, rec, c, kind, byId, plan);
    return generatePodStatus({
      pod,
      runtimeType: rec.runtime.type,
      initContainers: initContainersOf(pod).map((c) => view(c, isSidecar(c) ? 'sidecar' : 'init')),
      containers: containersOf(pod).map((c) => view(c, 'regular')),
      sandboxReady: rec.sandboxReady,
      podIP: rec.podIP,
      hostIP: this.d.nodeIP,
      podIsTerminal: rec.finished,
      previous: this.d.status.latest(rec.uid),
      now: this.d.clock.now(),
      failure: rec.failure,
    });
  }

  private view(pod: KObject, rec: PodRecord, c: JsonObject, kind: ContainerKind, byId: ById, plan: SyncPlan): ContainerView {
    const name = String(c.name);
    const cr = rec.containers.get(name);
    let cur = cr?.currentId ? byId.get(cr.currentId) : undefined;
    let previous = cr?.previous;
    let restartCount = cr?.restartCount ?? 0;
    if (!cur && cr?.resumed && kind === 'regular' && previous && !shouldRestart(restartPolicyOf(pod), previous.exitCode ?? 0)) {
      // Ended before the agent restarted and not to be run again: it shows how it ended.
      cur = previous;
      previous = undefined;
      restartCount--;
    }
    let started = false;
    let ready = false;
    if (cur?.state === 'running' && cr) {
      if (cr.startedEventFor !== cur.id) {
        cr.startedEventFor = cur.id;
        this.d.events.started(pod, cr);
      }
      // Regular init containers have no probes: running means started (never ready).
      started = this.d.probes.started(cur.id, kind !== 'init' && !!probeOf(c, 'startup'));
      if (started && kind !== 'init') ready = this.readiness(pod, rec, c, cur, plan);
    } else if (kind === 'init' && cur?.state === 'exited' && cur.exitCode === 0) ready = true;
    // Waiting reasons only describe a container that is not running now and will run again
    // (a pod that is ending restarts nothing: its containers show how they ended).
    const ending = rec.finished || !!pod.metadata.deletionTimestamp;
    const waiting = ending || (cur && cur.state !== 'exited') ? undefined : cr?.waiting;
    return { name, kind, image: String(c.image ?? ''), current: cur, previous, restartCount, waiting, started, ready };
  }

  private readiness(pod: KObject, rec: PodRecord, c: JsonObject, cur: ContainerStatus, plan: SyncPlan): boolean {
    if (probeOf(c, 'readiness')) return this.d.probes.result(cur.id, 'readiness') === 'success';
    const sim = rec.runtime.simulatedReadiness?.(cur.id, pod.metadata.annotations ?? {});
    if (!sim) return true;
    if (sim.recheckAt !== undefined) plan.wake(sim.recheckAt);
    return sim.ready;
  }
}
