// batch/v1 CronJob: SetDefaults_CronJob (Allow, suspend false, history limits 3/1), the
// schedule/timeZone/jobTemplate rules of ValidateCronJobCreate/Update, the registry strategy and
// printCronJob. Schedules are parsed by src/api/cron (robfig/cron v3 ParseStandard semantics).

import { type FieldError, FieldPath, fieldErr } from '../../api/errors.js';
import type { JsonObject, KObject } from '../../api/types.js';
import { cronScheduleError } from '../../api/cron/schedule.js';
import { loadLocationError } from '../../api/cron/time-zone.js';
import type { KindDef } from '../types.js';
import { isObject, obj, setDefault, setDefaultStr, str } from '../core/json-shape.js';
import { optionalNonNegative } from '../shared/field-checks.js';
import { goLabelSelectorValue } from '../shared/go-values.js';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, NAME_COLUMN, age, containerCells, selectorCell, selectorColumn, since } from '../shared/table-cells.js';
import { workloadWarnings } from '../shared/workload-hooks.js';
import { defaultJobSpecFields, jobSpecWarnings } from './job.js';
import { validateJobSpecFields } from './job-spec-validation.js';

const SPEC = FieldPath.root('spec');
/** The controller appends "-<minutes since epoch>" (11 characters) to name Jobs, which must be <= 63. */
const MAX_CRONJOB_NAME_LENGTH = 63 - 11;
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
// IANA naming rules for each "/"-separated part (digits and "+" tolerated for legacy names).
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

function defaults(o: KObject): void {
  if (!isObject(o.spec)) o.spec = {};
  const spec = o.spec as JsonObject;
  setDefaultStr(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  // Only field-level defaults reach the job template (SetDefaults_Job applies to Job objects).
  if (!isObject(spec.jobTemplate)) spec.jobTemplate = {};
  if (!isObject(spec.jobTemplate.spec)) spec.jobTemplate.spec = {};
  defaultJobSpecFields(spec.jobTemplate.spec);
}

/** validateScheduleFormat: robfig's parse error, and the TZ rules (legacy TZ= kept only on update). */
function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const parseErr = cronScheduleError(schedule);
  if (parseErr) errs.push(fieldErr.invalid(String(path), schedule, parseErr));
  const hasTZ = schedule.includes('TZ');
  if (allowTZ && hasTZ && timeZone !== undefined && timeZone !== null) {
    errs.push(fieldErr.invalid(String(path), schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && hasTZ) {
    errs.push(fieldErr.invalid(String(path), schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

/** validateTimeZone: nil or an IANA name that loads (not "Local"). */
export function validateTimeZone(tz: unknown, path: FieldPath): FieldError[] {
  if (tz === undefined || tz === null) return [];
  const name = str(tz);
  if (name === '') return [fieldErr.invalid(String(path), name, 'timeZone must be nil or non-empty string')];
  for (const part of name.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      return [fieldErr.invalid(String(path), name, `unknown time zone ${name}`)];
    }
  }
  const errs: FieldError[] = [];
  if (name.toLowerCase() === 'local') {
    errs.push(fieldErr.invalid(String(path), name, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  const loadErr = loadLocationError(name);
  if (loadErr) errs.push(fieldErr.invalid(String(path), name, loadErr));
  return errs;
}

/** validateCronJobSpec; `oldSpec` is set on update. */
export function validateCronJobSpec(specIn: unknown, oldSpecIn: unknown | undefined): FieldError[] {
  const spec = obj(specIn);
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (schedule === '') errs.push(fieldErr.required(String(SPEC.child('schedule'))));
  else {
    const allowTZ = oldSpecIn !== undefined && str(obj(oldSpecIn).schedule).includes('TZ');
    errs.push(...validateSchedule(schedule, allowTZ, spec.timeZone, SPEC.child('schedule')));
  }
  errs.push(...optionalNonNegative(spec.startingDeadlineSeconds, SPEC.child('startingDeadlineSeconds')));
  if (oldSpecIn === undefined || (obj(oldSpecIn).timeZone ?? null) !== (spec.timeZone ?? null)) {
    errs.push(...validateTimeZone(spec.timeZone, SPEC.child('timeZone')));
  }
  const cp = str(spec.concurrencyPolicy);
  if (cp === '') errs.push(fieldErr.required(String(SPEC.child('concurrencyPolicy'))));
  else if (!CONCURRENCY_POLICIES.includes(cp)) errs.push(fieldErr.notSupported(String(SPEC.child('concurrencyPolicy')), cp, CONCURRENCY_POLICIES));
  // ValidateJobTemplateSpec: Job rules, and the selector is always generated per Job.
  const jtPath = SPEC.child('jobTemplate', 'spec');
  const jt = obj(obj(spec.jobTemplate).spec);
  errs.push(...validateJobSpecFields(jt, jtPath));
  if (jt.selector !== undefined && jt.selector !== null) {
    errs.push(fieldErr.invalid(String(jtPath.child('selector')), goLabelSelectorValue(jt.selector), '`selector` will be auto-generated'));
  }
  if (jt.manualSelector === true) errs.push(fieldErr.notSupported(String(jtPath.child('manualSelector')), true, ['nil', 'false']));
  errs.push(...optionalNonNegative(spec.successfulJobsHistoryLimit, SPEC.child('successfulJobsHistoryLimit')));
  errs.push(...optionalNonNegative(spec.failedJobsHistoryLimit, SPEC.child('failedJobsHistoryLimit')));
  return errs;
}

export const cronJobKind: KindDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  listKind: 'CronJobList',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  generation: true,
  defaults,
  prepareForCreate(o) {
    o.status = {};
  },
  // Create and update differ (legacy TZ= schedules, timeZone checked only when changed, the name
  // limit only on create), so an update is validated entirely in validateUpdate.
  validate: (o, ctx) => (ctx.operation === 'create' ? validateCronJobCreate(o) : []),
  validateUpdate: (n, old) => validateCronJobSpec(n.spec, old.spec),
  warnings: (o, ctx) => {
    const w = workloadWarnings(o, ctx, true, () => jobSpecWarnings(obj(obj(o.spec).jobTemplate).spec, SPEC.child('jobTemplate', 'spec')));
    if (ctx.operation === 'update' && str(obj(o.spec).schedule).includes('TZ')) {
      // Upstream's WarningsOnUpdate text names "spec.spec.schedule" (sic).
      w.push('cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details');
    }
    return w;
  },
  status: {},
  table: {
    columns: [
      NAME_COLUMN,
      { name: 'Schedule', type: 'string', description: 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.', priority: 0 },
      { name: 'Timezone', type: 'string', description: 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.', priority: 0 },
      { name: 'Suspend', type: 'boolean', description: 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', priority: 0 },
      { name: 'Active', type: 'integer', description: 'A list of pointers to currently running jobs.', priority: 0 },
      { name: 'Last Schedule', type: 'string', description: 'Information when was the last time the job was successfully scheduled.', priority: 0 },
      AGE_COLUMN,
      CONTAINERS_COLUMN,
      IMAGES_COLUMN,
      selectorColumn('A label query over pods that should match the pod count. Normally, the system sets this field for you.'),
    ],
    row(o, now) {
      const spec = obj(o.spec);
      const st = obj(o.status);
      const jt = obj(obj(spec.jobTemplate).spec);
      const [names, images] = containerCells(jt.template);
      return [
        o.metadata.name,
        str(spec.schedule),
        typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
        typeof spec.suspend === 'boolean' ? spec.suspend : null,
        Array.isArray(st.active) ? st.active.length : 0,
        typeof st.lastScheduleTime === 'string' ? since(st.lastScheduleTime, now) : '<none>',
        age(o, now),
        names,
        images,
        selectorCell(jt.selector),
      ];
    },
  },
};

/** ValidateCronJobCreate (metadata by the generic layer): the spec, and the 52-character name limit. */
export function validateCronJobCreate(o: KObject): FieldError[] {
  const errs = validateCronJobSpec(o.spec, undefined);
  const name = o.metadata.name ?? '';
  if (name.length > MAX_CRONJOB_NAME_LENGTH) errs.push(fieldErr.invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  return errs;
}
