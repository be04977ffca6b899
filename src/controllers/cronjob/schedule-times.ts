// Schedule arithmetic of CronJobControllerV2 (pkg/controller/cronjob/utils.go, v1.32): the most
// recent schedule time a CronJob has not run yet, how many were missed, and when to look again.
// Only the latest missed time is ever run: missed runs are counted (roughly, by the interval
// between the first two) but never replayed one by one.

import type { CronSchedule } from '../../api/cron/schedule.js';

/** After the next schedule time, the controller looks again this much later (NTP skew margin). */
export const NEXT_SCHEDULE_DELTA_MS = 100;
/** More missed start times than this draw the TooManyMissedTimes warning. */
export const MAX_MISSED_SCHEDULES = 100;

export type MissedSchedules = 'none' | 'few' | 'many';

export interface CronTimes {
  creationTimestamp?: string | null;
  lastScheduleTime?: string | null;
  startingDeadlineSeconds?: number | null;
}

export interface MostRecent {
  /** lastScheduleTime, else creationTimestamp, moved up to now - startingDeadlineSeconds when asked. */
  earliest: number;
  /** The latest schedule time in (earliest, now], if any. */
  mostRecent?: number;
  missed: MissedSchedules;
  /** An impossible schedule (e.g. 31 February): two consecutive times less than a second apart. */
  error?: string;
}

const ms = (t: string | null | undefined): number | undefined => {
  if (!t) return undefined;
  const v = Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
};

/** Next activation after `t` in ms, or undefined (robfig's zero time: nothing within 5 years). */
function nextMs(schedule: CronSchedule, t: number): number | undefined {
  const n = schedule.next(new Date(t));
  return n ? n.getTime() : undefined;
}

/** mostRecentScheduleTime. */
export function mostRecentScheduleTime(cj: CronTimes, now: number, schedule: CronSchedule, includeStartingDeadlineSeconds: boolean): MostRecent {
  let earliest = ms(cj.lastScheduleTime) ?? ms(cj.creationTimestamp) ?? 0;
  if (includeStartingDeadlineSeconds && typeof cj.startingDeadlineSeconds === 'number') {
    // Nothing older than the deadline is scheduled any more.
    const deadline = now - cj.startingDeadlineSeconds * 1000;
    if (deadline > earliest) earliest = deadline;
  }
  const t1 = nextMs(schedule, earliest);
  const t2 = t1 === undefined ? undefined : nextMs(schedule, t1);
  if (t1 !== undefined && now < t1) return { earliest, missed: 'none' };
  if (t1 !== undefined && t2 !== undefined && now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  // Go computes t2 - t1 from zero times here, which is 0: the same error.
  const between = t1 === undefined || t2 === undefined ? 0 : Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((now - t1!) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  // Start the search one interval before the estimate, and let the schedule find the exact times
  // (this also handles irregular schedules such as "30 6-16/4 * * 1-5").
  const potentialEarliest = t1! + (missedCount - 2) * between * 1000;
  let mostRecent: number | undefined;
  for (let t = nextMs(schedule, potentialEarliest); t !== undefined && t <= now; t = nextMs(schedule, t)) mostRecent = t;
  const missed: MissedSchedules = missedCount > MAX_MISSED_SCHEDULES ? 'many' : missedCount > 0 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/**
 * nextScheduleTimeDuration: ms from `now` until the sync after the next schedule time (plus 100 ms),
 * or undefined when the schedule never fires again.
 */
export function nextScheduleTimeDuration(cj: CronTimes, now: number, schedule: CronSchedule): number | undefined {
  const r = mostRecentScheduleTime(cj, now, schedule, false);
  let from: number;
  if (r.error) from = now;
  else if (r.mostRecent === undefined) from = r.missed === 'none' ? r.earliest : now;
  else from = r.mostRecent;
  const next = nextMs(schedule, from);
  return next === undefined ? undefined : next + NEXT_SCHEDULE_DELTA_MS - now;
}

export interface NextScheduleTime {
  /** The schedule time to run now, if any. */
  time?: number;
  /** More than MAX_MISSED_SCHEDULES were missed (the controller warns, and still runs `time`). */
  tooManyMissed: boolean;
  error?: string;
}

/** nextScheduleTime: the most recent unmet time within startingDeadlineSeconds. */
export function nextScheduleTime(cj: CronTimes, now: number, schedule: CronSchedule): NextScheduleTime {
  const r = mostRecentScheduleTime(cj, now, schedule, true);
  if (r.mostRecent === undefined || r.mostRecent > now) return { tooManyMissed: false, error: r.error };
  return { time: r.mostRecent, tooManyMissed: r.missed === 'many', error: r.error };
}
