// The batch/v1 kinds, in discovery order.

import type { KindDef } from '../types.js';
import { cronJobKind } from './cronjob.js';
import { jobKind } from './job.js';

export const batchKinds: KindDef[] = [cronJobKind, jobKind];
