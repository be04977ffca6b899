// Patch and merge metadata of the Kubernetes API types: facts that the kubernetes-types
// declarations do not carry. They come from the Go struct tags and markers of k8s.io/api and
// k8s.io/apimachinery (`patchStrategy`/`patchMergeKey` tags, `+listType`, `+listMapKeys`,
// `+mapType`/`+structType` markers) as published in upstream's api/openapi-spec/v3 (1.30-1.32).
//
// They drive strategic merge patch (merge keys, `retainKeys`) and server-side apply (list and map
// types). scripts/gen-openapi.ts merges them into src/openapi/definitions.json, and refuses keys
// naming a property that does not exist, so a typo fails the build instead of being ignored.
//
// A list without an entry here is replaced wholesale by SMP and treated as atomic by SSA, which
// is also what upstream does for lists marked `+listType=atomic`; atomic entries are listed
// anyway for the common fields, so the served documents match upstream where users look.

export interface PatchMeta {
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
}

/** patchStrategy=merge + patchMergeKey=<keys[0]>, listType=map with the given keys. */
function mergeMap(...keys: string[]): PatchMeta {
  return {
    'x-kubernetes-patch-strategy': 'merge',
    'x-kubernetes-patch-merge-key': keys[0]!,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': keys,
  };
}
/** Like mergeMap, but `patchStrategy:"merge,retainKeys"` (unions: a volume source, a claim source). */
function mergeRetainMap(key: string): PatchMeta {
  return { ...mergeMap(key), 'x-kubernetes-patch-strategy': 'merge,retainKeys' };
}
const ATOMIC: PatchMeta = { 'x-kubernetes-list-type': 'atomic' };
const SET: PatchMeta = { 'x-kubernetes-list-type': 'set' };
const MERGE_SET: PatchMeta = { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' };
const ATOMIC_MAP: PatchMeta = { 'x-kubernetes-map-type': 'atomic' };
/** Conditions lists: merge by `type`, one entry per type. */
const CONDITIONS = mergeMap('type');

const CORE = 'io.k8s.api.core.v1';
const APPS = 'io.k8s.api.apps.v1';
const BATCH = 'io.k8s.api.batch.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Containers and ephemeral containers share these list fields. */
function containerFields(def: string): Record<string, PatchMeta> {
  return {
    [`${def}.ports`]: mergeMap('containerPort', 'protocol'),
    [`${def}.env`]: mergeMap('name'),
    [`${def}.volumeMounts`]: mergeMap('mountPath'),
    [`${def}.volumeDevices`]: mergeMap('devicePath'),
    [`${def}.envFrom`]: ATOMIC,
    [`${def}.command`]: ATOMIC,
    [`${def}.args`]: ATOMIC,
    [`${def}.resizePolicy`]: ATOMIC,
  };
}

/** Keyed by `<definition name>.<property>`. */
export const PROPERTY_PATCH_META: Readonly<Record<string, PatchMeta>> = {
  // meta/v1
  [`${META}.ObjectMeta.ownerReferences`]: mergeMap('uid'),
  [`${META}.ObjectMeta.finalizers`]: MERGE_SET,
  [`${META}.ObjectMeta.managedFields`]: ATOMIC,
  [`${META}.LabelSelector.matchExpressions`]: ATOMIC,
  [`${META}.LabelSelectorRequirement.values`]: ATOMIC,
  [`${META}.StatusDetails.causes`]: ATOMIC,
  [`${META}.DeleteOptions.dryRun`]: ATOMIC,

  // core/v1: pods
  [`${CORE}.PodSpec.volumes`]: mergeRetainMap('name'),
  [`${CORE}.PodSpec.initContainers`]: mergeMap('name'),
  [`${CORE}.PodSpec.containers`]: mergeMap('name'),
  [`${CORE}.PodSpec.ephemeralContainers`]: mergeMap('name'),
  [`${CORE}.PodSpec.imagePullSecrets`]: mergeMap('name'),
  [`${CORE}.PodSpec.hostAliases`]: mergeMap('ip'),
  [`${CORE}.PodSpec.topologySpreadConstraints`]: mergeMap('topologyKey', 'whenUnsatisfiable'),
  [`${CORE}.PodSpec.schedulingGates`]: mergeMap('name'),
  [`${CORE}.PodSpec.resourceClaims`]: mergeRetainMap('name'),
  [`${CORE}.PodSpec.tolerations`]: ATOMIC,
  [`${CORE}.PodSpec.readinessGates`]: ATOMIC,
  [`${CORE}.PodSpec.nodeSelector`]: ATOMIC_MAP,
  ...containerFields(`${CORE}.Container`),
  ...containerFields(`${CORE}.EphemeralContainer`),
  [`${CORE}.ResourceRequirements.claims`]: { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
  [`${CORE}.Capabilities.add`]: ATOMIC,
  [`${CORE}.Capabilities.drop`]: ATOMIC,
  [`${CORE}.ExecAction.command`]: ATOMIC,
  [`${CORE}.HTTPGetAction.httpHeaders`]: ATOMIC,
  [`${CORE}.HostAlias.hostnames`]: ATOMIC,
  [`${CORE}.PodSecurityContext.supplementalGroups`]: ATOMIC,
  [`${CORE}.PodSecurityContext.sysctls`]: ATOMIC,
  [`${CORE}.PodDNSConfig.nameservers`]: ATOMIC,
  [`${CORE}.PodDNSConfig.searches`]: ATOMIC,
  [`${CORE}.PodDNSConfig.options`]: ATOMIC,
  [`${CORE}.PodAffinity.requiredDuringSchedulingIgnoredDuringExecution`]: ATOMIC,
  [`${CORE}.PodAffinity.preferredDuringSchedulingIgnoredDuringExecution`]: ATOMIC,
  [`${CORE}.PodAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution`]: ATOMIC,
  [`${CORE}.PodAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution`]: ATOMIC,
  [`${CORE}.PodAffinityTerm.namespaces`]: ATOMIC,
  [`${CORE}.PodAffinityTerm.matchLabelKeys`]: ATOMIC,
  [`${CORE}.PodAffinityTerm.mismatchLabelKeys`]: ATOMIC,
  [`${CORE}.NodeAffinity.preferredDuringSchedulingIgnoredDuringExecution`]: ATOMIC,
  [`${CORE}.NodeSelector.nodeSelectorTerms`]: ATOMIC,
  [`${CORE}.NodeSelectorTerm.matchExpressions`]: ATOMIC,
  [`${CORE}.NodeSelectorTerm.matchFields`]: ATOMIC,
  [`${CORE}.NodeSelectorRequirement.values`]: ATOMIC,
  [`${CORE}.TopologySpreadConstraint.matchLabelKeys`]: ATOMIC,
  [`${CORE}.ProjectedVolumeSource.sources`]: ATOMIC,
  [`${CORE}.ConfigMapVolumeSource.items`]: ATOMIC,
  [`${CORE}.ConfigMapProjection.items`]: ATOMIC,
  [`${CORE}.SecretVolumeSource.items`]: ATOMIC,
  [`${CORE}.SecretProjection.items`]: ATOMIC,
  [`${CORE}.DownwardAPIVolumeSource.items`]: ATOMIC,
  [`${CORE}.DownwardAPIProjection.items`]: ATOMIC,
  [`${CORE}.PodStatus.conditions`]: CONDITIONS,
  [`${CORE}.PodStatus.podIPs`]: mergeMap('ip'),
  [`${CORE}.PodStatus.hostIPs`]: {
    'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'ip', 'x-kubernetes-list-type': 'atomic',
  },
  [`${CORE}.PodStatus.initContainerStatuses`]: ATOMIC,
  [`${CORE}.PodStatus.containerStatuses`]: ATOMIC,
  [`${CORE}.PodStatus.ephemeralContainerStatuses`]: ATOMIC,
  [`${CORE}.PodStatus.resourceClaimStatuses`]: mergeRetainMap('name'),
  [`${CORE}.ContainerStatus.volumeMounts`]: mergeMap('mountPath'),

  // core/v1: nodes
  [`${CORE}.NodeSpec.podCIDRs`]: MERGE_SET,
  [`${CORE}.NodeSpec.taints`]: ATOMIC,
  [`${CORE}.NodeStatus.conditions`]: CONDITIONS,
  [`${CORE}.NodeStatus.addresses`]: mergeMap('type'),
  [`${CORE}.NodeStatus.images`]: ATOMIC,
  [`${CORE}.NodeStatus.volumesInUse`]: ATOMIC,
  [`${CORE}.NodeStatus.volumesAttached`]: ATOMIC,
  [`${CORE}.NodeStatus.runtimeHandlers`]: ATOMIC,
  [`${CORE}.ContainerImage.names`]: ATOMIC,

  // core/v1: services, service accounts, namespaces, controllers, volumes
  [`${CORE}.ServiceSpec.ports`]: mergeMap('port', 'protocol'),
  [`${CORE}.ServiceSpec.selector`]: ATOMIC_MAP,
  [`${CORE}.ServiceSpec.clusterIPs`]: ATOMIC,
  [`${CORE}.ServiceSpec.externalIPs`]: ATOMIC,
  [`${CORE}.ServiceSpec.ipFamilies`]: ATOMIC,
  [`${CORE}.ServiceSpec.loadBalancerSourceRanges`]: ATOMIC,
  [`${CORE}.ServiceStatus.conditions`]: CONDITIONS,
  [`${CORE}.LoadBalancerStatus.ingress`]: ATOMIC,
  [`${CORE}.LoadBalancerIngress.ports`]: ATOMIC,
  [`${CORE}.ServiceAccount.secrets`]: mergeMap('name'),
  [`${CORE}.ServiceAccount.imagePullSecrets`]: ATOMIC,
  [`${CORE}.NamespaceSpec.finalizers`]: ATOMIC,
  [`${CORE}.NamespaceStatus.conditions`]: CONDITIONS,
  [`${CORE}.ReplicationControllerSpec.selector`]: ATOMIC_MAP,
  [`${CORE}.ReplicationControllerStatus.conditions`]: CONDITIONS,
  [`${CORE}.PersistentVolumeClaimSpec.accessModes`]: ATOMIC,
  [`${CORE}.PersistentVolumeClaimStatus.accessModes`]: ATOMIC,
  [`${CORE}.PersistentVolumeClaimStatus.conditions`]: CONDITIONS,
  [`${CORE}.PersistentVolumeClaimStatus.allocatedResourceStatuses`]: { 'x-kubernetes-map-type': 'granular' },
  [`${CORE}.PersistentVolumeSpec.accessModes`]: ATOMIC,
  [`${CORE}.PersistentVolumeSpec.mountOptions`]: ATOMIC,
  [`${CORE}.PersistentVolumeSpec.claimRef`]: { 'x-kubernetes-map-type': 'granular' },
  [`${CORE}.TopologySelectorTerm.matchLabelExpressions`]: ATOMIC,
  [`${CORE}.TopologySelectorLabelRequirement.values`]: ATOMIC,
  [`${CORE}.CephFSVolumeSource.monitors`]: ATOMIC,
  [`${CORE}.CephFSPersistentVolumeSource.monitors`]: ATOMIC,
  [`${CORE}.RBDVolumeSource.monitors`]: ATOMIC,
  [`${CORE}.RBDPersistentVolumeSource.monitors`]: ATOMIC,
  [`${CORE}.ISCSIVolumeSource.portals`]: ATOMIC,
  [`${CORE}.ISCSIPersistentVolumeSource.portals`]: ATOMIC,
  [`${CORE}.FCVolumeSource.targetWWNs`]: ATOMIC,
  [`${CORE}.FCVolumeSource.wwids`]: ATOMIC,

  // core/v1 endpoints, discovery.k8s.io/v1 endpoint slices
  [`${CORE}.Endpoints.subsets`]: ATOMIC,
  [`${CORE}.EndpointSubset.addresses`]: ATOMIC,
  [`${CORE}.EndpointSubset.notReadyAddresses`]: ATOMIC,
  [`${CORE}.EndpointSubset.ports`]: ATOMIC,
  ['io.k8s.api.discovery.v1.EndpointSlice.endpoints']: ATOMIC,
  ['io.k8s.api.discovery.v1.EndpointSlice.ports']: ATOMIC,
  ['io.k8s.api.discovery.v1.Endpoint.addresses']: SET,
  ['io.k8s.api.discovery.v1.EndpointHints.forZones']: ATOMIC,

  // apps/v1
  [`${APPS}.DeploymentSpec.strategy`]: { 'x-kubernetes-patch-strategy': 'retainKeys' },
  [`${APPS}.DeploymentStatus.conditions`]: CONDITIONS,
  [`${APPS}.ReplicaSetStatus.conditions`]: CONDITIONS,
  [`${APPS}.DaemonSetStatus.conditions`]: CONDITIONS,
  [`${APPS}.StatefulSetStatus.conditions`]: CONDITIONS,
  [`${APPS}.StatefulSetSpec.volumeClaimTemplates`]: ATOMIC,

  // batch/v1 (Job conditions merge by type for SMP, but are atomic for server-side apply)
  [`${BATCH}.JobStatus.conditions`]: {
    'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-patch-merge-key': 'type', 'x-kubernetes-list-type': 'atomic',
  },
  [`${BATCH}.CronJobStatus.active`]: ATOMIC,
  [`${BATCH}.PodFailurePolicy.rules`]: ATOMIC,
  [`${BATCH}.PodFailurePolicyRule.onPodConditions`]: ATOMIC,
  [`${BATCH}.PodFailurePolicyOnExitCodesRequirement.values`]: SET,
  [`${BATCH}.SuccessPolicy.rules`]: ATOMIC,
  [`${BATCH}.UncountedTerminatedPods.succeeded`]: SET,
  [`${BATCH}.UncountedTerminatedPods.failed`]: SET,

  // policy/v1
  ['io.k8s.api.policy.v1.PodDisruptionBudgetSpec.selector']: { 'x-kubernetes-patch-strategy': 'replace' },
  ['io.k8s.api.policy.v1.PodDisruptionBudgetStatus.conditions']: CONDITIONS,

  // node.k8s.io/v1, storage.k8s.io/v1
  ['io.k8s.api.node.v1.Scheduling.nodeSelector']: ATOMIC_MAP,
  ['io.k8s.api.node.v1.Scheduling.tolerations']: ATOMIC,
  ['io.k8s.api.storage.v1.StorageClass.mountOptions']: ATOMIC,
  ['io.k8s.api.storage.v1.StorageClass.allowedTopologies']: ATOMIC,
};

/** Structs marked `+structType=atomic`: replaced as a whole by server-side apply. */
export const DEFINITION_MAP_TYPE: Readonly<Record<string, 'atomic' | 'granular'>> = {
  [`${META}.LabelSelector`]: 'atomic',
  [`${META}.OwnerReference`]: 'atomic',
  [`${CORE}.ObjectReference`]: 'atomic',
  [`${CORE}.LocalObjectReference`]: 'atomic',
  [`${CORE}.TypedLocalObjectReference`]: 'atomic',
  [`${CORE}.NodeSelector`]: 'atomic',
  [`${CORE}.NodeSelectorTerm`]: 'atomic',
  [`${CORE}.TopologySelectorTerm`]: 'atomic',
  [`${CORE}.ConfigMapKeySelector`]: 'atomic',
  [`${CORE}.SecretKeySelector`]: 'atomic',
  [`${CORE}.ObjectFieldSelector`]: 'atomic',
  [`${CORE}.ResourceFieldSelector`]: 'atomic',
  [`${CORE}.SecretReference`]: 'atomic',
};
