import { createServer } from 'node:net';

/**
 * Listens on `port` (0: any free one) for a moment: the port it got, or null when the port is
 * taken. Callers turn null into their own message, early, before starting anything slow.
 */
export function probePort(port: number, host?: string): Promise<number | null> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(null));
    probe.listen(port, host, () => {
      const address = probe.address();
      const claimed = typeof address === 'object' && address ? address.port : port;
      probe.close(() => resolvePort(claimed));
    });
  });
}
