import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect, isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** What a test needs to see which ports a process tree listens on, and who can reach them. */

/** This machine's addresses other than loopback (link-local IPv6 left out: it needs a zone). */
export function nonLoopbackAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && !address.internal)
    .map((address) => address?.address ?? '')
    .filter((address) => address !== '' && !address.toLowerCase().startsWith('fe80'));
}

/** Whether `/proc` can tell which process listens on what (Linux). */
export const canListSockets = existsSync('/proc/net/tcp');

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while being looked at.
    }
  }
  const tree = [root];
  for (let index = 0; index < tree.length; index++) {
    tree.push(...(children.get(tree[index] ?? -1) ?? []));
  }
  return tree;
}

function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // Closed meanwhile.
      }
    }
  } catch {
    // The process ended.
  }
  return inodes;
}

/** `/proc/net/tcp*` addresses: hex, each 32-bit word in host (little-endian) order. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const isV4Mapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255;
  if (isV4Mapped) return `::ffff:${bytes.slice(12).join('.')}`;
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2) {
    groups.push((((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0)).toString(16));
  }
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

export interface ListeningSocket {
  pid: number;
  address: string;
  port: number;
}

/** The TCP sockets the processes listen on, with the address each is bound to. */
export function listeningSockets(pids: readonly number[]): ListeningSocket[] {
  const owner = new Map<string, number>();
  for (const pid of pids) for (const inode of socketInodes(pid)) owner.set(inode, pid);
  const sockets: ListeningSocket[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (!local || state !== '0A' || !inode) continue; // 0A: LISTEN
      const pid = owner.get(inode);
      if (pid === undefined) continue;
      const [address, port] = local.split(':');
      sockets.push({ pid, address: decodeAddress(address ?? ''), port: parseInt(port ?? '0', 16) });
    }
  }
  return sockets;
}

export function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);
}

/** Whether a TCP connection to the address and port is accepted within the time. */
export function tcpAnswer(
  host: string,
  port: number,
  timeoutMs = 1_000,
): Promise<'connected' | 'refused' | 'no answer'> {
  return new Promise((resolveAnswer) => {
    const socket = connect({ host, port, family: isIPv6(host) ? 6 : 4 });
    const done = (answer: 'connected' | 'refused' | 'no answer') => {
      socket.destroy();
      resolveAnswer(answer);
    };
    socket.setTimeout(timeoutMs, () => done('no answer'));
    socket.once('connect', () => done('connected'));
    socket.once('error', () => done('refused'));
  });
}
