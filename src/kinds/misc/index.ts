// Small kinds from other groups that the core needs: leases (node heartbeats), endpoint slices,
// structured events, runtime classes and storage classes.

import { leaseKind } from '../coordination/lease.js';
import { endpointSliceKind } from '../discovery/endpoint-slice.js';
import { eventsV1Kind } from '../events/event.js';
import { runtimeClassKind } from '../node/runtime-class.js';
import { storageClassKind } from '../storage/storage-class.js';
import type { KindDef } from '../types.js';

export const miscKinds: KindDef[] = [leaseKind, endpointSliceKind, eventsV1Kind, runtimeClassKind, storageClassKind];
