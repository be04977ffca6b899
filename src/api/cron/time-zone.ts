// Does a name load as a time zone, the way Go's time.LoadLocation decides on a Linux host?
// Go reads /usr/share/zoneinfo/<name>, so names are case-sensitive and links (US/Eastern,
// Asia/Calcutta) are accepted. Intl is case-insensitive and canonicalizes links, so we accept what
// Intl accepts unless the input differs from Intl's canonical name only by letter case.

/** Returns undefined when the zone loads, else Go's error text (`unknown time zone X`). */
export function loadLocationError(name: string): string | undefined {
  if (name === '' || name === 'UTC') return undefined; // Go: both mean UTC
  if (name === 'Local') return undefined; // Go: the host zone (callers reject it separately)
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone ${name}`;
  }
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) return `unknown time zone ${name}`;
  // Offset-style names ("+05:00") are Intl extensions; Go only knows zoneinfo files.
  if (/^[+-]\d/.test(name)) return `unknown time zone ${name}`;
  return undefined;
}
