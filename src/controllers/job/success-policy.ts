// spec.successPolicy of Indexed Jobs (pkg/controller/job/success_policy.go, v1.32, JobSuccessPolicy
// beta): the first rule satisfied by the succeeded indexes declares the Job successful
// ("Matched rules at index N"). A rule with succeededIndexes needs all of them, or, with
// succeededCount, that many among them; a rule with only succeededCount needs that many anywhere.

import { OrderedIntervals } from './intervals.js';
import type { SuccessPolicyRule } from './types.js';

/** matchSucceededIndexesRule: how many rule indexes succeeded, walked interval by interval. */
function matchSucceededIndexesRule(rule: OrderedIntervals, succeeded: OrderedIntervals, succeededCount: number | null | undefined): boolean {
  const r = rule.items;
  const s = succeeded.items;
  let contains = 0;
  let ri = 0;
  let si = 0;
  while (ri < r.length && si < s.length) {
    const overlap = Math.min(r[ri].last, s[si].last) - Math.max(r[ri].first, s[si].first) + 1;
    if (overlap > 0) contains += overlap;
    if (s[si].last < r[ri].last) si++;
    else if (s[si].last > r[ri].last) ri++;
    else {
      si++;
      ri++;
    }
  }
  return contains === rule.total() || (typeof succeededCount === 'number' && contains >= succeededCount);
}

/** matchSuccessPolicy: the SuccessCriteriaMet message when a rule matches. */
export function matchSuccessPolicy(policy: { rules: SuccessPolicyRule[] } | null | undefined, completions: number, succeeded: OrderedIntervals): string | undefined {
  if (!policy || succeeded.length === 0) return undefined;
  for (let i = 0; i < policy.rules.length; i++) {
    const rule = policy.rules[i];
    if (rule.succeededIndexes != null) {
      const required = OrderedIntervals.parse(rule.succeededIndexes, completions);
      if (required.length === 0) continue;
      if (matchSucceededIndexesRule(required, succeeded, rule.succeededCount)) return `Matched rules at index ${i}`;
    } else if (typeof rule.succeededCount === 'number' && succeeded.total() >= rule.succeededCount) {
      return `Matched rules at index ${i}`;
    }
  }
  return undefined;
}
