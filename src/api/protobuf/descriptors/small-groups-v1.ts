// Protobuf message tables for the small groups k8ts serves, as of Kubernetes 1.32 (k8s.io/api v0.32.x):
// coordination.k8s.io/v1, events.k8s.io/v1, autoscaling/v1 (Scale), policy/v1 (Eviction, PodDisruptionBudget), node.k8s.io/v1, storage.k8s.io/v1.
// Facts only (field names, numbers, wire types, Go pointer/omitempty/inline shape); notation in schema.ts.
import type { MessageTable } from './schema.js';

export const coordinationV1: MessageTable = {
  pkg: 'coordination',
  messages: {
    Lease: `metadata=1:meta.ObjectMeta spec=2:LeaseSpec`,
    LeaseSpec: `holderIdentity=1:*s leaseDurationSeconds=2:*i32 acquireTime=3:*MicroTime renewTime=4:*MicroTime
      leaseTransitions=5:*i32 strategy=6:*s preferredHolder=7:*s`,
  },
};

export const eventsV1: MessageTable = {
  pkg: 'events',
  messages: {
    Event: `metadata=1:meta.ObjectMeta eventTime=2:MicroTime series=3:*EventSeries reportingController=4:s
      reportingInstance=5:s action=6:s reason=7:s regarding=8:core.ObjectReference related=9:*core.ObjectReference
      note=10:s type=11:s deprecatedSource=12:core.EventSource deprecatedFirstTimestamp=13:Time
      deprecatedLastTimestamp=14:Time deprecatedCount=15:i32`,
    EventSeries: `count=1:i32! lastObservedTime=2:MicroTime`,
  },
};

export const autoscalingV1: MessageTable = {
  pkg: 'autoscaling',
  messages: {
    Scale: `metadata=1:meta.ObjectMeta spec=2:ScaleSpec status=3:ScaleStatus`,
    ScaleSpec: `replicas=1:i32`,
    ScaleStatus: `replicas=1:i32! selector=2:s`,
  },
};

export const policyV1: MessageTable = {
  pkg: 'policy',
  messages: {
    Eviction: `metadata=1:meta.ObjectMeta deleteOptions=2:*meta.DeleteOptions`,
    PodDisruptionBudget: `metadata=1:meta.ObjectMeta spec=2:PodDisruptionBudgetSpec status=3:PodDisruptionBudgetStatus`,
    PodDisruptionBudgetSpec: `minAvailable=1:*IntOrString selector=2:*meta.LabelSelector maxUnavailable=3:*IntOrString
      unhealthyPodEvictionPolicy=4:*s`,
    PodDisruptionBudgetStatus: `observedGeneration=1:i64 disruptedPods=2:map<s,Time> disruptionsAllowed=3:i32!
      currentHealthy=4:i32! desiredHealthy=5:i32! expectedPods=6:i32! conditions=7:[]meta.Condition`,
  },
};

export const nodeV1: MessageTable = {
  pkg: 'node',
  messages: {
    Overhead: `podFixed=1:map<s,Quantity>`,
    RuntimeClass: `metadata=1:meta.ObjectMeta handler=2:s! overhead=3:*Overhead scheduling=4:*Scheduling`,
    Scheduling: `nodeSelector=1:map<s,s> tolerations=2:[]core.Toleration`,
  },
};

export const storageV1: MessageTable = {
  pkg: 'storage',
  messages: {
    StorageClass: `metadata=1:meta.ObjectMeta provisioner=2:s! parameters=3:map<s,s> reclaimPolicy=4:*s
      mountOptions=5:[]s allowVolumeExpansion=6:*b volumeBindingMode=7:*s
      allowedTopologies=8:[]core.TopologySelectorTerm`,
  },
};
