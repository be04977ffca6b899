// The CronJob controller (batch/v1, CronJobControllerV2 semantics): Jobs on a cron schedule in a
// time zone, with concurrency policies, starting deadlines, suspension and history limits.

import type { ControllerFactory } from '../runtime/manager.js';
import { CronJobController } from './cronjob-controller.js';

export const cronJobControllerFactory: ControllerFactory = (ctx) => new CronJobController(ctx);

export { CronJobController } from './cronjob-controller.js';
export { CronJobSyncer, formatSchedule, type CronJob, type CronJobApi, type CronJobSyncEnv } from './sync-cronjob.js';
export { mostRecentScheduleTime, nextScheduleTime, nextScheduleTimeDuration } from './schedule-times.js';
export { jobFromTemplate, jobNameFor, rfc3339InZone, CRONJOB_SCHEDULED_TIMESTAMP } from './job-from-template.js';
