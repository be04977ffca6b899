// The container steps of a pod sync, each given only what it needs: start an instance (back-off,
// image, create, start, events), stop one for a reason of the agent's own (probe failure, spec
// change), and stop one for termination within the pod's deadline. Stops are asynchronous: the
// runtime announces exits and the pod is synced again, so a pod worker never waits out a grace
// period and a shorter grace period (a second delete) is honoured at once.

import type { JsonObject, KObject } from '../api/types.js';
import { formatGoDuration } from '../api/duration.js';
import { parseQuantityValue } from '../api/quantity.js';
import type { Clock } from '../util/clock.js';
import type { CrashBackoff } from './backoff.js';
import type { PodEvents } from './pod-events.js';
import type { ContainerRecord, PodRecord } from './pod-record.js';
import { runHook, type HookContext } from './lifecycle-hooks.js';
import { commandOf, envOf, podDescription, pullPolicyOf, restartPolicyOf, terminationGraceSeconds } from './pod-spec-helpers.js';
import type { ProbeManager } from './probes/probe-manager.js';
import type { ContainerSetup } from './container-setup.js';
import type { ContainerConfig, ContainerStatus, Mount, PullAuth } from './runtime/runtime.js';
import { pullSecretNames } from './image-pull-secrets.js';

/** Collects what a sync learned about when to look at the pod again. */
export class SyncPlan {
  wakeAt?: number;
  mutated = false;

  wake(at: number): void {
    if (this.wakeAt === undefined || at < this.wakeAt) this.wakeAt = at;
  }
}

export interface ContainerOpsDeps {
  clock: Clock;
  events: PodEvents;
  backoff: CrashBackoff;
  probes: ProbeManager;
  /** Asks for a sync of the pod (a stop finished). */
  wake(uid: string): void;
  log(message: string): void;
  /** Resolved env, command, args and volume mounts for runtimes that run real workloads. */
  setup?: ContainerSetup;
  /** The node IP (status.hostIP for the downward API). */
  nodeIP?: string;
}

const RETRY_MS = 10_000;

/** The container's memory limit and CPU limit/request, as the runtime's cgroup settings want them. */
function resourcesOf(spec: JsonObject): ContainerConfig['resources'] {
  const q = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? parseQuantityValue(v) : undefined);
  const limits = spec.resources?.limits ?? {};
  const requests = spec.resources?.requests ?? {};
  const out: NonNullable<ContainerConfig['resources']> = {};
  const mem = q(limits.memory);
  if (mem) out.memoryLimitBytes = mem.value();
  const cpu = q(limits.cpu);
  if (cpu) out.cpuLimitMillicores = cpu.milliValue();
  const req = q(requests.cpu) ?? cpu;
  if (req) out.cpuRequestMillicores = req.milliValue();
  return Object.keys(out).length ? out : undefined;
}
/** A simulated container waiting for its claims to be Bound looks again this soon. */
const CLAIM_RETRY_MS = 1_000;

function podUsesClaims(pod: KObject): boolean {
  const vols = pod.spec?.volumes;
  return Array.isArray(vols) && vols.some((v) => v?.persistentVolumeClaim || v?.ephemeral);
}
/** Config errors are often a claim or ConfigMap about to appear: look again soon. */
const CONFIG_RETRY_MS = 2_000;

export class ContainerOps {
  /** When each pod's image pull last failed (pod uid + image), for the pull back-off. */
  private readonly pullFailures = new Map<string, number>();

  constructor(private readonly d: ContainerOpsDeps) {}

  /**
   * Starts the next instance of a container, unless the last one exited within its back-off,
   * in which case the container waits in CrashLoopBackOff until the plan's wake time.
   */
  async startOrBackOff(pod: KObject, rec: PodRecord, cr: ContainerRecord, spec: JsonObject, cur: ContainerStatus | undefined, plan: SyncPlan): Promise<void> {
    const now = this.d.clock.now().getTime();
    if (cur && cur.state === 'exited') {
      const key = `${rec.uid}/${cr.name}`;
      const finishedAt = cur.finishedAt?.getTime() ?? now;
      const release = this.d.backoff.releaseAt(key, finishedAt, now);
      if (release !== undefined) {
        cr.waiting = {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatGoDuration(this.d.backoff.delay(key))} restarting failed container=${cr.name} pod=${podDescription(pod)}`,
        };
        if (cr.backoffEventFor !== finishedAt) {
          cr.backoffEventFor = finishedAt;
          this.d.events.backOff(pod, cr);
        }
        plan.wake(release);
        return;
      }
      this.d.backoff.next(key, finishedAt, now);
    }
    await this.start(pod, rec, cr, spec, cur, plan);
  }

  private async start(pod: KObject, rec: PodRecord, cr: ContainerRecord, spec: JsonObject, cur: ContainerStatus | undefined, plan: SyncPlan): Promise<void> {
    const rt = rec.runtime;
    const image = String(spec.image ?? '');
    const policy = pullPolicyOf(spec);
    const now = () => this.d.clock.now().getTime();
    const pullKey = `${rec.uid}/pull:${image}`;
    if (!rt.capabilities.mounts && this.d.setup && podUsesClaims(pod)) {
      // Runtimes with mounts wait in setup.build; a simulated container waits here too, so it
      // never runs (or turns Ready) before its claims are Bound.
      let why: string | undefined;
      try {
        why = await this.d.setup.unboundClaim(pod);
      } catch (err) {
        why = errText(err);
      }
      if (why) {
        cr.waiting = { reason: 'ContainerCreating' };
        plan.wake(now() + CLAIM_RETRY_MS);
        return;
      }
    }
    try {
      let info = await rt.imageStatus(image);
      const failedAt = this.pullFailures.get(pullKey);
      if ((!info || policy === 'Always') && failedAt !== undefined) {
        // A failed pull is retried after a back-off (10 s doubling to 5 min), as ImagePullBackOff.
        const release = this.d.backoff.releaseAt(pullKey, failedAt, now());
        if (release !== undefined) {
          cr.waiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` };
          this.d.events.pullBackOff(pod, cr, image);
          this.d.events.failed(pod, cr, 'ImagePullBackOff');
          plan.wake(release);
          return;
        }
      }
      if (!info && policy === 'Never') {
        cr.waiting = { reason: 'ErrImageNeverPull', message: `Container image "${image}" is not present with pull policy of Never` };
        this.d.events.imageNeverPull(pod, cr, image);
        this.d.events.failed(pod, cr, 'ErrImageNeverPull');
        plan.wake(now() + RETRY_MS);
        return;
      }
      if (!info || policy === 'Always') {
        const auth = await this.pullAuth(pod);
        this.d.events.pulling(pod, cr, image);
        const t0 = now();
        info = await rt.pullImage(image, auth);
        this.pullFailures.delete(pullKey);
        this.d.backoff.reset(pullKey);
        this.d.events.pulled(pod, cr, image, now() - t0, info.size);
      } else this.d.events.imagePresent(pod, cr, image);
    } catch (err) {
      if (isInvalidImageName(err)) {
        // The reference cannot be parsed: no pull, no back-off; only a change of the pod helps.
        const msg = err.kubeletMessage ?? `Failed to apply default image tag "${image}": ${errText(err)}`;
        if (cr.waiting?.reason !== 'InvalidImageName' || cr.waiting.message !== msg) {
          this.d.events.inspectFailed(pod, cr, msg);
          this.d.events.failed(pod, cr, 'InvalidImageName');
        }
        cr.waiting = { reason: 'InvalidImageName', message: msg };
        return;
      }
      const msg = errText(err);
      const t = now();
      this.d.backoff.next(pullKey, t, t);
      this.pullFailures.set(pullKey, t);
      // Bounded: entries of pods long gone are dropped oldest first.
      if (this.pullFailures.size > 10_000) this.pullFailures.delete(this.pullFailures.keys().next().value!);
      cr.waiting = { reason: 'ErrImagePull', message: msg };
      this.d.events.pullFailed(pod, cr, image, msg);
      this.d.events.failed(pod, cr, 'ErrImagePull');
      // Look again shortly: within the back-off the container then shows ImagePullBackOff.
      plan.wake(t + Math.min(1000, this.d.backoff.delay(pullKey)));
      return;
    }
    const attempt = cr.currentId ? cr.restartCount + 1 : cr.restartCount;
    let { command, args } = commandOf(spec);
    let env = envOf(spec);
    let mounts: Mount[] | undefined;
    if (rt.capabilities.mounts && this.d.setup) {
      try {
        ({ command, args, env, mounts } = await this.d.setup.build(pod, spec, rec.podIP, this.d.nodeIP ?? ''));
      } catch (err) {
        const msg = errText(err);
        cr.waiting = { reason: 'CreateContainerConfigError', message: msg };
        this.d.events.failed(pod, cr, msg);
        plan.wake(now() + CONFIG_RETRY_MS);
        return;
      }
    }
    let id: string;
    try {
      id = await rt.createContainer(rec.sandboxId!, {
        name: cr.name,
        attempt,
        image,
        command,
        args,
        workingDir: typeof spec.workingDir === 'string' ? spec.workingDir : undefined,
        env,
        mounts,
        labels: { 'io.kubernetes.container.name': cr.name, 'io.kubernetes.pod.name': rec.name, 'io.kubernetes.pod.namespace': rec.namespace, 'io.kubernetes.pod.uid': rec.uid },
        logPath: `${cr.name}/${attempt}.log`,
        tty: spec.tty === true,
        stdin: spec.stdin === true,
        resources: resourcesOf(spec),
      });
    } catch (err) {
      const msg = errText(err);
      cr.waiting = { reason: 'CreateContainerError', message: msg };
      this.d.events.failed(pod, cr, msg);
      plan.wake(now() + RETRY_MS);
      return;
    }
    this.d.events.created(pod, cr);
    try {
      await rt.startContainer(id);
    } catch (err) {
      const msg = errText(err);
      cr.waiting = { reason: 'RunContainerError', message: msg };
      this.d.events.failed(pod, cr, msg);
      await rt.removeContainer(id).catch(() => undefined);
      plan.wake(now() + RETRY_MS);
      return;
    }
    // A runtime may start the process later (the sim's start-delay); Started is sent when it runs.
    if ((await rt.containerStatus(id))?.state !== 'created') {
      cr.startedEventFor = id;
      this.d.events.started(pod, cr);
    }
    if (cur) {
      // Keep one dead instance (lastState, logs --previous); older ones go.
      if (cr.previousId && cr.previousId !== cur.id) await rt.removeContainer(cr.previousId).catch(() => undefined);
      cr.previousId = cur.id;
      cr.previous = cur;
      this.d.probes.removeContainer(cur.id, rec.uid);
    }
    cr.currentId = id;
    cr.restartCount = attempt;
    cr.waiting = undefined;
    cr.killing = undefined;
    cr.stopping = undefined;
    plan.mutated = true;
    const postStart = hookOf(spec, 'postStart');
    if (postStart) {
      // The pod's sync waits for postStart, as the kubelet's startContainer does.
      const err = await runHook(postStart, this.hookContext(pod, rec, cr, id, terminationGraceSeconds(pod)));
      if (err) {
        this.d.log(err);
        this.d.events.failedPostStartHook(pod, cr);
        const cur2 = await rt.containerStatus(id);
        if (cur2 && cur2.state !== 'exited') this.kill(pod, rec, cr, cur2, spec, 'FailedPostStartHook', restartPolicyOf(pod) !== 'Never' || cr.kind === 'sidecar', terminationGraceSeconds(pod));
      }
    }
  }

  /**
   * Registry credentials from the pod's imagePullSecrets. Secrets that cannot be read are
   * reported (FailedToRetrieveImagePullSecret) and the pull goes on without them.
   */
  private async pullAuth(pod: KObject): Promise<PullAuth | undefined> {
    if (!this.d.setup || pullSecretNames(pod).length === 0) return undefined;
    const { dockerConfigs, missing } = await this.d.setup.pullSecrets(pod);
    if (missing.length) this.d.events.pullSecretsMissing(pod, missing);
    return dockerConfigs.length ? { dockerConfigs } : undefined;
  }

  private hookContext(pod: KObject, rec: PodRecord, cr: ContainerRecord, id: string, timeoutSeconds: number): HookContext {
    return { runtime: rec.runtime, clock: this.d.clock, containerId: id, containerName: cr.name, pod: podDescription(pod), podIP: rec.podIP, timeoutSeconds };
  }

  /**
   * preStop (once per instance, within the grace period), then the runtime's stop with what is
   * left of the grace period; the pod is synced again when the container has exited.
   */
  private stop(pod: KObject, rec: PodRecord, cr: ContainerRecord, cur: ContainerStatus, spec: JsonObject | undefined, deadline: () => number): void {
    const remaining = () => Math.max(0, Math.ceil((deadline() - this.d.clock.now().getTime()) / 1000));
    const preStop = spec ? hookOf(spec, 'preStop') : undefined;
    const run = async () => {
      if (preStop && cr.preStopFor !== cur.id) {
        cr.preStopFor = cur.id;
        const err = await runHook(preStop, this.hookContext(pod, rec, cr, cur.id, remaining()));
        if (err) {
          this.d.log(err);
          this.d.events.failedPreStopHook(pod, cr);
        }
      }
      await rec.runtime.stopContainer(cur.id, remaining());
    };
    run().then(
      () => this.d.wake(rec.uid),
      (err) => this.d.log(`stopping container ${cr.name} of pod ${rec.namespace}/${rec.name}: ${errText(err)}`),
    );
  }

  /** Stops a running instance for the agent's own reason; `restart` starts it again afterwards. */
  kill(pod: KObject, rec: PodRecord, cr: ContainerRecord, cur: ContainerStatus, spec: JsonObject, message: string, restart: boolean, graceSeconds: number): void {
    this.d.events.killing(pod, cr, message);
    cr.killing = { id: cur.id, restart };
    this.d.probes.removeContainer(cur.id, rec.uid);
    const deadline = this.d.clock.now().getTime() + graceSeconds * 1000;
    this.stop(pod, rec, cr, cur, spec, () => deadline);
  }

  /**
   * Asks the runtime to stop an instance by `deadline` (SIGTERM now, SIGKILL at the deadline).
   * Asking again only matters when the deadline moved earlier. Returns whether it asked.
   */
  requestStop(pod: KObject, rec: PodRecord, cr: ContainerRecord, cur: ContainerStatus, spec: JsonObject | undefined, deadline: number): boolean {
    if (cr.stopping?.id === cur.id && cr.stopping.deadline <= deadline) return false;
    const first = cr.stopping?.id !== cur.id;
    if (first && cr.killing?.id !== cur.id) this.d.events.killing(pod, cr);
    cr.stopping = { id: cur.id, deadline };
    this.d.probes.removeContainer(cur.id, rec.uid);
    const live = () => (cr.stopping?.id === cur.id ? cr.stopping.deadline : deadline);
    if (first) this.stop(pod, rec, cr, cur, spec, live);
    else {
      // A shorter grace period: tell the runtime now, preStop or not.
      rec.runtime.stopContainer(cur.id, Math.max(0, Math.ceil((deadline - this.d.clock.now().getTime()) / 1000))).then(
        () => this.d.wake(rec.uid),
        (err) => this.d.log(`stopping container ${cr.name} of pod ${rec.namespace}/${rec.name}: ${errText(err)}`),
      );
    }
    return true;
  }
}

/** A runtime's "this image reference cannot be parsed" (images/reference.ts InvalidImageNameError). */
function isInvalidImageName(err: unknown): err is Error & { reason: 'InvalidImageName'; kubeletMessage?: string } {
  return err instanceof Error && (err as { reason?: unknown }).reason === 'InvalidImageName';
}

export function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function hookOf(spec: JsonObject, which: 'postStart' | 'preStop'): JsonObject | undefined {
  const lc = spec.lifecycle;
  const h = lc && typeof lc === 'object' ? (lc as JsonObject)[which] : undefined;
  return h && typeof h === 'object' ? (h as JsonObject) : undefined;
}
