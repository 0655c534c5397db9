import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FLAGS } from 'aws-cdk-lib/cx-api';
import { describe, expect, it } from 'vitest';

/**
 * `cdk.json` pins every CDK feature flag at the behaviour an unconfigured app gets. The tests and
 * the local stack synthesize the app in-process, where `cdk.json` is not read; pinned this way the
 * CLI's templates are the same as theirs, and the CLI has no "feature flags are not configured"
 * notice to print. The app sets the behaviour it needs in code instead.
 */
const context = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../cdk.json'), 'utf8'))
  .context as Record<string, unknown>;

/** Only matters for region lookup tables, which these templates do not have. */
const NO_DEFAULT = new Set(['@aws-cdk/core:target-partitions']);

describe('cdk.json feature flags', () => {
  it('pins every flag of this aws-cdk-lib (after an upgrade: `npx cdk flags --unstable=flags --set --unconfigured --default -c stage=prod`)', () => {
    const unpinned = Object.entries(FLAGS)
      .filter(([, flag]) => flag.introducedIn.v2 !== undefined)
      .map(([name]) => name)
      .filter((name) => !(name in context));

    expect(unpinned).toEqual([]);
  });

  it('pins each at the behaviour an app without cdk.json gets', () => {
    const changed = Object.entries(context)
      .filter(([name]) => name in FLAGS && !NO_DEFAULT.has(name))
      .filter(([name, value]) => {
        const unconfigured = FLAGS[name]?.unconfiguredBehavesLike?.v2 ?? false;
        return JSON.stringify(value) !== JSON.stringify(unconfigured);
      })
      .map(([name, value]) => `${name}: ${JSON.stringify(value)}`);

    expect(changed).toEqual([]);
  });
});
