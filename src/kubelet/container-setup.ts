// What a container gets besides its spec when the runtime runs real workloads (capabilities.mounts):
// its resolved environment, expanded command and args, and its volumes as host mounts. Simulating
// runtimes keep the spec's literal values and no mounts (they have no processes or files).

import { ApiError } from '../api/errors.js';
import type { JsonObject, KObject } from '../api/types.js';
import { ResourceClient, R } from '../client/resources.js';
import type { RestClient } from '../client/rest-client.js';
import { containerEnvironment, type PodFacts } from './container-env.js';
import { podPullSecrets, type PodPullSecrets } from './image-pull-secrets.js';
import { PodVolumes } from './pod-volumes.js';
import type { KeyValue, Mount } from './runtime/runtime.js';

export interface ContainerSetupResult {
  env: KeyValue[];
  command: string[];
  args: string[];
  mounts: Mount[];
}

export class ContainerSetup {
  readonly volumes: PodVolumes;
  private readonly configMaps: ResourceClient;
  private readonly secrets: ResourceClient;
  private readonly claims: ResourceClient;
  private readonly pvs: ResourceClient;

  constructor(client: RestClient, rootDir: string) {
    this.configMaps = new ResourceClient(client, R.configmaps);
    this.secrets = new ResourceClient(client, R.secrets);
    this.claims = new ResourceClient(client, R.persistentvolumeclaims);
    this.pvs = new ResourceClient(client, R.persistentvolumes);
    this.volumes = new PodVolumes(rootDir, {
      configMap: (ns, n) => this.getOrUndefined(this.configMaps, ns, n),
      secret: (ns, n) => this.getOrUndefined(this.secrets, ns, n),
      claim: (ns, n) => this.getOrUndefined(this.claims, ns, n),
      volume: (n) => this.getOrUndefined(this.pvs, undefined, n),
    });
  }

  async build(pod: KObject, container: JsonObject, podIP: string | undefined, hostIP: string): Promise<ContainerSetupResult> {
    const facts: PodFacts = { pod, podIP, hostIP };
    const src = {
      configMap: (ns: string, n: string) => this.getOrUndefined(this.configMaps, ns, n),
      secret: (ns: string, n: string) => this.getOrUndefined(this.secrets, ns, n),
    };
    const { env, command, args } = await containerEnvironment(container, facts, src);
    const mounts = await this.volumes.mountsFor(facts, container);
    return { env, command, args, mounts };
  }

  /**
   * For runtimes without mounts (the simulator): the message for the first claim the pod uses
   * that is missing or not Bound yet, or undefined when all are (the volume manager's wait).
   */
  async unboundClaim(pod: KObject): Promise<string | undefined> {
    const vols = pod.spec?.volumes;
    if (!Array.isArray(vols)) return undefined;
    const ns = pod.metadata.namespace ?? '';
    for (const v of vols) {
      const name = v?.persistentVolumeClaim?.claimName ?? (v?.ephemeral ? `${pod.metadata.name}-${v.name}` : undefined);
      if (name === undefined) continue;
      const claim = await this.getOrUndefined(this.claims, ns, String(name));
      if (!claim) return `persistentvolumeclaim "${name}" not found`;
      if (!claim.spec?.volumeName || claim.status?.phase !== 'Bound') return `persistentvolumeclaim "${name}" is not bound yet`;
    }
    return undefined;
  }

  /** The docker configs of the pod's imagePullSecrets, and the names of those not found. */
  pullSecrets(pod: KObject): Promise<PodPullSecrets> {
    return podPullSecrets(pod, (ns, n) => this.getOrUndefined(this.secrets, ns, n));
  }

  private async getOrUndefined(rc: ResourceClient, ns: string | undefined, name: string): Promise<KObject | undefined> {
    try {
      return await rc.get(ns, name);
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return undefined;
      throw err;
    }
  }
}
