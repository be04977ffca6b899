// The Job a CronJob creates for a schedule time (getJobFromTemplate2, pkg/controller/cronjob/utils.go,
// v1.32) and the time formats its names, annotations and events use.

import { cloneJson } from '../../api/equality.js';
import { Zone } from '../../api/cron/zoned-time.js';
import type { KObject } from '../../api/types.js';
import { newControllerRef } from '../shared/controller-ref.js';

/** batchv1.CronJobScheduledTimestampAnnotation (CronJobsScheduledAnnotation, GA in 1.32). */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
export const CRONJOB_GVK = { apiVersion: 'batch/v1', kind: 'CronJob' } as const;

/** getJobName: `<cronjob>-<scheduled time in minutes since the epoch>`; the name is the run's lock. */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Go's time.RFC3339 of `ms` in the zone (`Z` for a zero offset, as Go prints it). */
export function rfc3339InZone(ms: number, timeZone: string | null | undefined): string {
  const zone = Zone.of(timeZone || 'UTC');
  const offset = zone.offsetAt(ms);
  const w = zone.wall(ms);
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  if (offset === 0) return `${date}Z`;
  const sign = offset < 0 ? '-' : '+';
  const mins = Math.round(Math.abs(offset) / 60_000);
  return `${date}${sign}${pad(Math.floor(mins / 60))}:${pad(mins % 60)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's t.UTC().Format(time.RFC1123Z): "Mon, 02 Jan 2006 15:04:05 +0000". */
export function rfc1123zUtc(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCFullYear(), 4)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/**
 * The Job for schedule time `scheduledMs`: the jobTemplate's labels, annotations and spec, the
 * scheduled-timestamp annotation (RFC 3339 in the CronJob's zone), and a controller reference.
 */
export function jobFromTemplate(cj: KObject, scheduledMs: number): KObject {
  const tpl = (cj.spec?.jobTemplate ?? {}) as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  const annotations: Record<string, string> = { ...(tpl.metadata?.annotations ?? {}) };
  annotations[CRONJOB_SCHEDULED_TIMESTAMP] = rfc3339InZone(scheduledMs, cj.spec?.timeZone);
  const metadata: KObject['metadata'] = {
    name: jobNameFor(cj.metadata.name ?? '', scheduledMs),
    namespace: cj.metadata.namespace,
    annotations,
    ownerReferences: [newControllerRef(cj, CRONJOB_GVK)],
  };
  if (tpl.metadata?.labels) metadata.labels = { ...tpl.metadata.labels };
  return { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: cloneJson(tpl.spec ?? {}) };
}
