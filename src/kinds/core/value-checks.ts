// Value checks the core kinds need beyond src/api/validation/names.ts (which holds the
// apimachinery util/validation set). Each returns upstream's messages, empty when valid.

import { isValidIPv4Address, isValidIPv6Address, parseIPSloppy } from '../../api/validation/names.js';

/** IsValidUserID / IsValidGroupID: 0..2147483647. */
export function isValidID(id: number): string[] {
  return Number.isInteger(id) && id >= 0 && id <= 2147483647 ? [] : ['must be between 0 and 2147483647, inclusive'];
}

export function isIPv4(s: string): boolean {
  return isValidIPv4Address(s).length === 0;
}

export function isIPv6(s: string): boolean {
  return isValidIPv6Address(s).length === 0;
}

/** IsValidCIDR (1.32 wording). */
export function isValidCIDRMessages(value: string): string[] {
  const i = value.indexOf('/');
  if (i > 0) {
    const ip = parseIPSloppy(value.slice(0, i));
    const bits = value.slice(i + 1);
    if (ip && /^\d{1,3}$/.test(bits) && Number(bits) <= ip.length * 8) return [];
  }
  return ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'];
}
