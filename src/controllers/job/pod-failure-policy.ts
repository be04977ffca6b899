// spec.podFailurePolicy (pkg/controller/job/pod_failure_policy.go, v1.32): the first rule that
// matches a failed pod decides. onExitCodes looks at terminated containers with a non-zero exit
// code (regular containers first, then init containers); onPodConditions at the pod's conditions
// (e.g. DisruptionTarget=True after a preemption or eviction). No match means Count.

import { terminatedContainers } from './job-pods.js';
import type { OnExitCodes, OnPodConditionsPattern, Pod, PodFailurePolicyRule } from './types.js';

export type PodFailureAction = 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';

export interface PodFailureMatch {
  /** Set when a FailJob rule matched: the Job's failure message. */
  failJobMessage?: string;
  /** Whether the failure counts toward backoffLimit (false only for Ignore). */
  countFailed: boolean;
  /** The matched rule's action; undefined when no rule matched. */
  action?: PodFailureAction;
}

interface TerminatedStatus {
  name: string;
  state?: { terminated?: { exitCode?: number } | null } | null;
}

function exitCodeMatches(code: number, req: OnExitCodes): boolean {
  if (req.operator === 'In') return req.values.includes(code);
  if (req.operator === 'NotIn') return !req.values.includes(code);
  return false;
}

/** getMatchingContainerFromList: the first terminated container with a non-zero matching exit code. */
function matchingContainer(statuses: TerminatedStatus[], req: OnExitCodes): { name: string; exitCode: number } | undefined {
  for (const s of statuses) {
    const t = s.state?.terminated;
    if (!t) continue;
    if (req.containerName != null && req.containerName !== s.name) continue;
    const code = t.exitCode ?? 0;
    if (code !== 0 && exitCodeMatches(code, req)) return { name: s.name, exitCode: code };
  }
  return undefined;
}

function matchOnExitCodes(pod: Pod, req: OnExitCodes): { name: string; exitCode: number } | undefined {
  const { regular, init } = terminatedContainers(pod);
  return matchingContainer(regular as TerminatedStatus[], req) ?? matchingContainer(init as TerminatedStatus[], req);
}

function matchOnPodConditions(pod: Pod, patterns: OnPodConditionsPattern[]): { type: string } | undefined {
  for (const c of (pod.status?.conditions ?? []) as { type: string; status: string }[]) {
    for (const p of patterns) if (c.type === p.type && c.status === (p.status ?? 'True')) return c;
  }
  return undefined;
}

const ns = (pod: Pod) => `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;

/** matchPodFailurePolicy for a failed pod. */
export function matchPodFailurePolicy(policy: { rules: PodFailurePolicyRule[] } | null | undefined, pod: Pod): PodFailureMatch {
  if (!policy) return { countFailed: true };
  for (let i = 0; i < policy.rules.length; i++) {
    const rule = policy.rules[i];
    let subject: string | undefined;
    if (rule.onExitCodes) {
      const c = matchOnExitCodes(pod, rule.onExitCodes);
      if (!c) continue;
      subject = `Container ${c.name} for pod ${ns(pod)} failed with exit code ${c.exitCode}`;
    } else if (rule.onPodConditions) {
      const c = matchOnPodConditions(pod, rule.onPodConditions);
      if (!c) continue;
      subject = `Pod ${ns(pod)} has condition ${c.type}`;
    } else {
      continue;
    }
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailIndex':
        return { countFailed: true, action: 'FailIndex' };
      case 'FailJob':
        return { countFailed: true, action: 'FailJob', failJobMessage: `${subject} matching FailJob rule at index ${i}` };
    }
    // An unknown action (a newer API): upstream's switch falls through to the next rule.
  }
  return { countFailed: true };
}
