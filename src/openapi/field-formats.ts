// Facts about number and string formats that the kubernetes-types declarations cannot carry:
// TypeScript has a single `number`, while the Go API types distinguish int32, int64 and float64,
// and `[]byte` fields are typed `string` (base64 on the wire). Read from the Go struct
// definitions in k8s.io/api and k8s.io/apimachinery (the `int64`/`*int64`/`[]byte` fields).
//
// Keys are `<definition name>.<property>`. For arrays and maps the format applies to the items
// / values (e.g. `supplementalGroups []int64`). Every other number is int32, which is by far
// the most common integer type in the Kubernetes API. The generator refuses keys that name a
// property that does not exist in a generated definition, so typos cannot go unnoticed.

const CORE = 'io.k8s.api.core.v1';
const APPS = 'io.k8s.api.apps.v1';
const BATCH = 'io.k8s.api.batch.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Fields whose Go type is int64 (or *int64 / []int64). */
export const INT64_FIELDS: readonly string[] = [
  // meta/v1
  `${META}.ObjectMeta.generation`,
  `${META}.ObjectMeta.deletionGracePeriodSeconds`,
  `${META}.ListMeta.remainingItemCount`,
  `${META}.DeleteOptions.gracePeriodSeconds`,
  `${META}.Condition.observedGeneration`,
  // core/v1
  `${CORE}.PodSpec.activeDeadlineSeconds`,
  `${CORE}.PodSpec.terminationGracePeriodSeconds`,
  `${CORE}.PodSecurityContext.runAsUser`,
  `${CORE}.PodSecurityContext.runAsGroup`,
  `${CORE}.PodSecurityContext.fsGroup`,
  `${CORE}.PodSecurityContext.supplementalGroups`,
  `${CORE}.SecurityContext.runAsUser`,
  `${CORE}.SecurityContext.runAsGroup`,
  `${CORE}.Probe.terminationGracePeriodSeconds`,
  `${CORE}.SleepAction.seconds`,
  `${CORE}.Toleration.tolerationSeconds`,
  `${CORE}.ServiceAccountTokenProjection.expirationSeconds`,
  `${CORE}.ContainerImage.sizeBytes`,
  `${CORE}.ReplicationControllerStatus.observedGeneration`,
  `${CORE}.LinuxContainerUser.uid`,
  `${CORE}.LinuxContainerUser.gid`,
  `${CORE}.LinuxContainerUser.supplementalGroups`,
  // apps/v1
  `${APPS}.ControllerRevision.revision`,
  `${APPS}.DeploymentStatus.observedGeneration`,
  `${APPS}.ReplicaSetStatus.observedGeneration`,
  `${APPS}.DaemonSetStatus.observedGeneration`,
  `${APPS}.StatefulSetStatus.observedGeneration`,
  // batch/v1
  `${BATCH}.JobSpec.activeDeadlineSeconds`,
  `${BATCH}.CronJobSpec.startingDeadlineSeconds`,
];

/**
 * Fields whose Go type is float64 (OpenAPI `type: number, format: double`). None of the kinds
 * k8ts serves has one; the list names the known ones so that adding e.g. apiextensions/v1 later
 * does not silently turn them into integers.
 */
export const FLOAT_FIELDS: readonly string[] = [
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.maximum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.minimum',
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps.multipleOf',
];

/** `[]byte` fields (base64 strings on the wire): OpenAPI `type: string, format: byte`. */
export const BYTE_FIELDS: readonly string[] = [
  `${CORE}.Secret.data`,
  `${CORE}.ConfigMap.binaryData`,
];
