// The apps/v1 kinds, in discovery order.

import type { KindDef } from '../types.js';
import { controllerRevisionKind } from './controllerrevision.js';
import { daemonSetKind } from './daemonset.js';
import { deploymentKind } from './deployment.js';
import { replicaSetKind } from './replicaset.js';
import { statefulSetKind } from './statefulset.js';

export const appsKinds: KindDef[] = [controllerRevisionKind, daemonSetKind, deploymentKind, replicaSetKind, statefulSetKind];
