/**
 * `cidr`: IPv4 and IPv6 networks, matched with `node:net`'s BlockList.
 *
 * Two differences between BlockList and the matching we keep are handled here:
 * - BlockList compares across families through IPv4-mapped IPv6 addresses (an IPv4 address falls
 *   in `::/0`). A value matches only a network of its own family, so it is always parsed in the
 *   network's family, where an address of the other family fails to parse.
 * - Node's parser drops an IPv6 zone identifier (`fe80::1%eth0`), which is not part of an address,
 *   and refuses zero-padded IPv4 octets (`010`), which this matcher reads as decimal. Texts with a
 *   zone are refused and padded octets are unpadded before parsing.
 *
 * Each check builds a SocketAddress, a few microseconds: ample for a local bus, though about ten
 * times the cost of comparing parsed integers.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { fail, type Predicate, requireString } from './shared.js';

/** A network and the addresses of its family that fall in it. */
export function compileCidr(argument: unknown, path: string): Predicate {
  const text = requireString(argument, path);
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/')) fail(path, 'a CIDR needs exactly one "/"');
  const maskText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(maskText)) fail(path, `mask bits must be an integer, got "${maskText}"`);
  const bits = Number(maskText);
  const networkText = text.slice(0, slash);
  const family = networkText.includes(':') ? 'ipv6' : 'ipv4';
  const label = family === 'ipv4' ? 'IPv4' : 'IPv6';
  const network = addressText(networkText);
  const isFamily = family === 'ipv4' ? isIPv4 : isIPv6;
  if (network === undefined || !isFamily(network)) {
    fail(path, `"${networkText}" is not an ${label} address`);
  }
  const maxBits = family === 'ipv4' ? 32 : 128;
  if (bits > maxBits) {
    fail(path, `an ${label} mask has at most ${maxBits} bits, got ${bits}`);
  }
  const list = new BlockList();
  list.addSubnet(network, bits, family);
  return (value) => {
    if (typeof value !== 'string') return false;
    const address = addressText(value);
    // The family test first: BlockList answers a text it cannot parse by throwing inside.
    return address !== undefined && isFamily(address) && list.check(address, family);
  };
}

/** The text to hand to Node's parser, or `undefined` for an address with a zone identifier. */
function addressText(text: string): string | undefined {
  if (text.includes('%')) return undefined;
  // Only the dotted part, the whole text or what follows the last ":", holds decimal octets.
  const dottedStart = text.lastIndexOf(':') + 1;
  if (text.indexOf('.', dottedStart) < 0) return text;
  const dotted = dottedStart === 0 ? text : text.slice(dottedStart);
  if (!PADDED_OCTET.test(dotted)) return text;
  const octets = dotted.split('.');
  const unpadded = octets.map((octet) => (/^\d{2,3}$/.test(octet) ? String(Number(octet)) : octet));
  return text.slice(0, dottedStart) + unpadded.join('.');
}

/** A decimal octet written with a leading zero (`01`, `010`, `000`), in dotted text. */
const PADDED_OCTET = /(?:^|\.)0\d/;
