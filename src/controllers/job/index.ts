// The Job controller (batch/v1): pods for completions and parallelism, NonIndexed and Indexed
// modes, failure back-off and limits, pod failure and success policies, suspension, and
// finalizer-based tracking of finished pods.

import type { ControllerFactory } from '../runtime/manager.js';
import { JobController, type JobControllerOptions } from './job-controller.js';

export const jobControllerFactory: ControllerFactory = (ctx) => new JobController(ctx);

/** A Job controller factory with other options (tests, benchmarks). */
export function jobControllerFactoryWith(opts: JobControllerOptions): ControllerFactory {
  return (ctx) => new JobController(ctx, opts);
}

export { JobController, type JobControllerOptions } from './job-controller.js';
export { JobSyncer } from './sync-job.js';
export { OrderedIntervals } from './intervals.js';
