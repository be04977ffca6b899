// The core/v1 kinds, in discovery order.

import type { KindDef } from '../types.js';
import { configMapKind } from './config-map.js';
import { endpointsKind } from './endpoints.js';
import { eventKind } from './event.js';
import { namespaceKind } from './namespace.js';
import { nodeKind } from './node.js';
import { persistentVolumeClaimKind } from './persistent-volume-claim.js';
import { persistentVolumeKind } from './persistent-volume.js';
import { podTemplateKind } from './pod-template.js';
import { podKind } from './pod.js';
import { replicationControllerKind } from './replication-controller.js';
import { secretKind } from './secret.js';
import { serviceAccountKind } from './service-account.js';
import { serviceKind } from './service.js';

export const coreKinds: KindDef[] = [
  configMapKind,
  endpointsKind,
  eventKind,
  namespaceKind,
  nodeKind,
  persistentVolumeClaimKind,
  persistentVolumeKind,
  podKind,
  podTemplateKind,
  replicationControllerKind,
  secretKind,
  serviceAccountKind,
  serviceKind,
];

export { validateBinding } from './pod.js';
