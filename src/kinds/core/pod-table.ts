// `kubectl get pods` columns, restating printPod in pkg/printers/internalversion/printers.go
// (the server always renders the wide cells; kubectl hides priority-1 columns itself).

import type { JsonObject, KObject } from '../../api/types.js';
import { humanDuration } from '../../api/duration.js';
import { since } from './table-cells.js';
import type { TableColumn, TableDef } from '../types.js';
import { isObject, obj, objs, str } from './json-shape.js';

export const podColumns: TableColumn[] = [
  { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
  { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0 },
  { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', priority: 0 },
  {
    name: 'Restarts',
    type: 'string',
    description: 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    priority: 0,
  },
  { name: 'Age', type: 'string', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  { name: 'IP', type: 'string', description: 'podIP address allocated to the pod.', priority: 1 },
  { name: 'Node', type: 'string', description: 'NodeName indicates in which node this pod is scheduled.', priority: 1 },
  { name: 'Nominated Node', type: 'string', description: 'nominatedNodeName is set only when this pod preempts other pods on the node.', priority: 1 },
  { name: 'Readiness Gates', type: 'string', description: 'If specified, all readiness gates will be evaluated for pod readiness.', priority: 1 },
];

function isRestartable(c: JsonObject | undefined): boolean {
  return !!c && c.restartPolicy === 'Always';
}

function terminatedAt(status: JsonObject): number {
  const t = obj(obj(status.lastState).terminated).finishedAt;
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** READY, STATUS and RESTARTS as kubectl shows them. */
export function podStatusCells(pod: KObject, now: Date): { ready: string; reason: string; restarts: string } {
  const spec = obj(pod.spec);
  const status = obj(pod.status);
  let restarts = 0;
  let sidecarRestarts = 0;
  let total = objs(spec.containers).length;
  let ready = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  const phase = str(status.phase);
  let reason = str(status.reason) || phase;
  for (const c of objs(status.conditions)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const inits = new Map<string, JsonObject>();
  for (const c of objs(spec.initContainers)) {
    inits.set(str(c.name), c);
    if (isRestartable(c)) total++;
  }
  let initializing = false;
  const initStatuses = objs(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    restarts += Number(cs.restartCount ?? 0);
    lastRestart = Math.max(lastRestart, terminatedAt(cs));
    const sidecar = isRestartable(inits.get(str(cs.name)));
    if (sidecar) {
      sidecarRestarts += Number(cs.restartCount ?? 0);
      lastSidecarRestart = Math.max(lastSidecarRestart, terminatedAt(cs));
    }
    const state = obj(cs.state);
    const term = isObject(state.terminated) ? state.terminated : undefined;
    const waiting = isObject(state.waiting) ? state.waiting : undefined;
    if (term && Number(term.exitCode ?? 0) === 0) continue;
    if (sidecar && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (term) {
      if (!str(term.reason)) reason = term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${Number(term.exitCode ?? 0)}`;
      else reason = `Init:${str(term.reason)}`;
    } else if (waiting && str(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${str(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${objs(spec.initContainers).length}`;
    }
    initializing = true;
    break;
  }
  const initializedTrue = objs(status.conditions).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = objs(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += Number(cs.restartCount ?? 0);
      lastRestart = Math.max(lastRestart, terminatedAt(cs));
      const state = obj(cs.state);
      const waiting = isObject(state.waiting) ? state.waiting : undefined;
      const term = isObject(state.terminated) ? state.terminated : undefined;
      if (waiting && str(waiting.reason)) reason = str(waiting.reason);
      else if (term && str(term.reason)) reason = str(term.reason);
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${Number(term.exitCode ?? 0)}`;
      else if (cs.ready === true && isObject(state.running)) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = objs(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  let restartsStr = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsStr = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return { ready: `${ready}/${total}`, reason, restarts: restartsStr };
}

export const podTable: TableDef = {
  columns: podColumns,
  row(pod: KObject, now: Date): unknown[] {
    const spec = obj(pod.spec);
    const status = obj(pod.status);
    const { ready, reason, restarts } = podStatusCells(pod, now);
    const podIPs = objs(status.podIPs);
    const ip = (podIPs.length > 0 ? str(podIPs[0].ip) : '') || '<none>';
    const gates = objs(spec.readinessGates);
    let readinessGates = '<none>';
    if (gates.length > 0) {
      let trueCount = 0;
      for (const g of gates) {
        const c = objs(status.conditions).find((x) => x.type === g.conditionType);
        if (c && c.status === 'True') trueCount++;
      }
      readinessGates = `${trueCount}/${gates.length}`;
    }
    return [
      pod.metadata.name,
      ready,
      reason,
      restarts,
      since(pod.metadata.creationTimestamp, now),
      ip,
      str(spec.nodeName) || '<none>',
      str(status.nominatedNodeName) || '<none>',
      readinessGates,
    ];
  },
};
