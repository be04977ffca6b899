// Pod annotations that steer the sim runtime. They are read every time they matter (a container
// start, a probe, a readiness check), so changing one on a running pod changes its behaviour.

export const SIM_START_DELAY = 'sim.k8ts.dev/start-delay';
export const SIM_READY_DELAY = 'sim.k8ts.dev/ready-delay';
export const SIM_READY = 'sim.k8ts.dev/ready';
/** Extension: "false" makes liveness probes fail (to watch restarts by liveness). */
export const SIM_LIVE = 'sim.k8ts.dev/live';

/** Seconds in an annotation as milliseconds; absent, negative or malformed values count as 0. */
export function delayMs(annotations: Record<string, string> | undefined, key: string): number {
  const raw = annotations?.[key];
  if (raw === undefined) return 0;
  const n = Number(String(raw).trim().replace(/s$/, ''));
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : 0;
}

export function isFalse(annotations: Record<string, string> | undefined, key: string): boolean {
  return String(annotations?.[key] ?? '').trim().toLowerCase() === 'false';
}
