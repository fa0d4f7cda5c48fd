// Who may recurse: RD=1 and a client address inside backend.upstream.allow (behavior.md §4).
// Recursion for the whole world makes an open resolver, a reflection amplifier; the default list
// is loopback and the private ranges.
import { BlockList, isIPv4 } from 'node:net';

/** MayRecurse tells whether a client address may use the forwarder. */
export type MayRecurse = (address: string) => boolean;

/** Range is an address range, already validated (config's parseCidr). */
export interface Range {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** createRecursionPolicy builds the check for a list of ranges. */
export function createRecursionPolicy(allow: readonly Range[]): MayRecurse {
  const list = new BlockList();
  for (const range of allow) list.addSubnet(range.address, range.prefix, range.family);
  return (address) => {
    // An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d: check it as IPv4.
    const mapped = address.startsWith('::ffff:') ? address.slice(7) : undefined;
    if (mapped !== undefined && isIPv4(mapped)) return list.check(mapped, 'ipv4');
    return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  };
}
