// Protobuf message table for k8s.io/api/apps/v1 as of Kubernetes 1.32 (k8s.io/api v0.32.x).
// Facts only (field names, numbers, wire types, Go pointer/omitempty/inline shape); notation in schema.ts.
import type { MessageTable } from './schema.js';

export const appsV1: MessageTable = {
  pkg: 'apps',
  messages: {
    ControllerRevision: `metadata=1:meta.ObjectMeta data=2:RawExtension revision=3:i64!`,
    DaemonSet: `metadata=1:meta.ObjectMeta spec=2:DaemonSetSpec status=3:DaemonSetStatus`,
    DaemonSetCondition: `type=1:s! status=2:s! lastTransitionTime=3:Time reason=4:s message=5:s`,
    DaemonSetSpec: `selector=1:*meta.LabelSelector! template=2:core.PodTemplateSpec
      updateStrategy=3:DaemonSetUpdateStrategy minReadySeconds=4:i32 revisionHistoryLimit=6:*i32`,
    DaemonSetStatus: `currentNumberScheduled=1:i32! numberMisscheduled=2:i32! desiredNumberScheduled=3:i32!
      numberReady=4:i32! observedGeneration=5:i64 updatedNumberScheduled=6:i32 numberAvailable=7:i32
      numberUnavailable=8:i32 collisionCount=9:*i32 conditions=10:[]DaemonSetCondition`,
    DaemonSetUpdateStrategy: `type=1:s rollingUpdate=2:*RollingUpdateDaemonSet`,
    Deployment: `metadata=1:meta.ObjectMeta spec=2:DeploymentSpec status=3:DeploymentStatus`,
    DeploymentCondition: `type=1:s! status=2:s! lastUpdateTime=6:Time lastTransitionTime=7:Time reason=4:s message=5:s`,
    DeploymentSpec: `replicas=1:*i32 selector=2:*meta.LabelSelector! template=3:core.PodTemplateSpec
      strategy=4:DeploymentStrategy minReadySeconds=5:i32 revisionHistoryLimit=6:*i32 paused=7:b
      progressDeadlineSeconds=9:*i32`,
    DeploymentStatus: `observedGeneration=1:i64 replicas=2:i32 updatedReplicas=3:i32 readyReplicas=7:i32
      availableReplicas=4:i32 unavailableReplicas=5:i32 conditions=6:[]DeploymentCondition collisionCount=8:*i32`,
    DeploymentStrategy: `type=1:s rollingUpdate=2:*RollingUpdateDeployment`,
    ReplicaSet: `metadata=1:meta.ObjectMeta spec=2:ReplicaSetSpec status=3:ReplicaSetStatus`,
    ReplicaSetCondition: `type=1:s! status=2:s! lastTransitionTime=3:Time reason=4:s message=5:s`,
    ReplicaSetSpec: `replicas=1:*i32 minReadySeconds=4:i32 selector=2:*meta.LabelSelector!
      template=3:core.PodTemplateSpec`,
    ReplicaSetStatus: `replicas=1:i32! fullyLabeledReplicas=2:i32 readyReplicas=4:i32 availableReplicas=5:i32
      observedGeneration=3:i64 conditions=6:[]ReplicaSetCondition`,
    RollingUpdateDaemonSet: `maxUnavailable=1:*IntOrString maxSurge=2:*IntOrString`,
    RollingUpdateDeployment: `maxUnavailable=1:*IntOrString maxSurge=2:*IntOrString`,
    RollingUpdateStatefulSetStrategy: `partition=1:*i32 maxUnavailable=2:*IntOrString`,
    StatefulSet: `metadata=1:meta.ObjectMeta spec=2:StatefulSetSpec status=3:StatefulSetStatus`,
    StatefulSetCondition: `type=1:s! status=2:s! lastTransitionTime=3:Time reason=4:s message=5:s`,
    StatefulSetOrdinals: `start=1:i32!`,
    StatefulSetPersistentVolumeClaimRetentionPolicy: `whenDeleted=1:s whenScaled=2:s`,
    StatefulSetSpec: `replicas=1:*i32 selector=2:*meta.LabelSelector! template=3:core.PodTemplateSpec
      volumeClaimTemplates=4:[]core.PersistentVolumeClaim serviceName=5:s! podManagementPolicy=6:s
      updateStrategy=7:StatefulSetUpdateStrategy revisionHistoryLimit=8:*i32 minReadySeconds=9:i32
      persistentVolumeClaimRetentionPolicy=10:*StatefulSetPersistentVolumeClaimRetentionPolicy
      ordinals=11:*StatefulSetOrdinals`,
    StatefulSetStatus: `observedGeneration=1:i64 replicas=2:i32! readyReplicas=3:i32 currentReplicas=4:i32
      updatedReplicas=5:i32 currentRevision=6:s updateRevision=7:s collisionCount=9:*i32
      conditions=10:[]StatefulSetCondition availableReplicas=11:i32!`,
    StatefulSetUpdateStrategy: `type=1:s rollingUpdate=2:*RollingUpdateStatefulSetStrategy`,
  },
};
