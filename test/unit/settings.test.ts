import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDeploymentSettings } from '../../cdk/settings.js';
import { loadCallbackSettings, loadWorkflowSettings } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';
import { SETTINGS_EXIT_CODE } from '../../lib/setting-rules.js';
import { readLocalSettings } from '../../local/settings.js';

/**
 * One way to refuse a setting, wherever it is read: the local stack's environment, the functions'
 * environment and the CDK context give the same message shape and the same exit code.
 */

const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');
const functionEnv = { ATTEMPTS_TABLE: 'a', REVIEWS_TABLE: 'r', EVENT_BUS_NAME: 'b' };
const SHAPE = /^Invalid settings \([^)]+\):\n( {2}- [^\n]+\n?)+$/;

/** The message a reader refuses with (failing the test if it accepts). */
function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('an empty secret list', () => {
  it.each([',', ' , ,'])('CALLBACK_SECRET=%j is refused locally and by the function', (value) => {
    const local = refusal(() => readLocalSettings({ CALLBACK_SECRET: value }));
    const fn = refusal(() => loadCallbackSettings({ ...functionEnv, CALLBACK_SECRET: value }));

    for (const message of [local, fn]) {
      expect(message).toMatch(SHAPE);
      expect(message).toContain('  - CALLBACK_SECRET must list at least one secret');
    }
  });

  it('VIDEO_URL_KEY=, is refused too, and no secret value is ever repeated', () => {
    const message = refusal(() =>
      readLocalSettings({ VIDEO_URL_KEY: ',', CALLBACK_SECRET: 'short,not-hex' }),
    );

    expect(message).toContain('VIDEO_URL_KEY must list at least one secret');
    expect(message).not.toContain('not-hex');
  });

  it('an unset CALLBACK_SECRET still takes the local default', () => {
    expect(readLocalSettings({}).CALLBACK_SECRET).toEqual(['local-development-secret']);
  });
});

describe('near-miss names', () => {
  it.each([
    ['ALLOW_REVIEW_UPDATE', 'ALLOW_REVIEW_UPDATES'],
    ['ALLOW_CALLBACK_SIMULATIONS', 'ALLOW_CALLBACK_SIMULATION'],
    ['CALLBACK_SECRETS', 'CALLBACK_SECRET'],
    ['CALLBACK_AUTHENTICATION', 'CALLBACK_AUTH'],
    ['REQUIRE_FAILURE_SECOND_REVIEW', 'REQUIRE_FAILURE_SECOND_REVIEWS'],
    ['VIDEO_URL_KEYS', 'VIDEO_URL_KEY'],
    ['RECONCILE_INTERVAL', 'RECONCILE_INTERVAL_SECONDS'],
    ['allow_review_updates', 'ALLOW_REVIEW_UPDATES'],
    ['Port', 'PORT'],
    ['data_dir', 'DATA_DIR'],
  ])('npm start refuses %s, suggesting %s', (name, meant) => {
    const message = refusal(() => readLocalSettings({ [name]: 'false' }));

    expect(message).toMatch(SHAPE);
    expect(message).toContain(`  - ${name} is not a known setting; did you mean ${meant}?`);
  });

  it.each([
    ['ALLOW_REVIEW_UPDATE', 'ALLOW_REVIEW_UPDATES'],
    ['allow_review_updates', 'ALLOW_REVIEW_UPDATES'],
    ['log_level', 'LOG_LEVEL'],
    ['Callback_Auth', 'CALLBACK_AUTH'],
    ['STAGE', 'stage'],
    ['VIDEO_LINK_HTML', 'VIDEO_LINK_HTML5'],
  ])('the CDK app refuses context key %s, suggesting %s', (key, meant) => {
    const message = refusal(() => parseDeploymentSettings({ stage: 'dev', [key]: 'false' }));

    expect(message).toMatch(SHAPE);
    expect(message).toContain(`  - ${key} is not a known setting; did you mean ${meant}?`);
  });

  it('the functions refuse a near miss in their environment', () => {
    const message = refusal(() =>
      loadWorkflowSettings({ ...functionEnv, REQUIRE_FAILURE_SECOND_REVIEW: 'false' }),
    );

    expect(message).toContain('did you mean REQUIRE_FAILURE_SECOND_REVIEWS?');
  });

  it('accepts the names other parts of the service read, and ignores unrelated variables', () => {
    const others = {
      RECONCILE_INTERVAL_SECONDS: '60',
      RECONCILE_AFTER_SECONDS: '300',
      VIDEO_LINK_HTML5: 'true',
    };

    expect(() =>
      readLocalSettings({ ...others, PATH: '/usr/bin', HOME: '/root', npm_lifecycle_event: 'x' }),
    ).not.toThrow();
    expect(() => parseDeploymentSettings({ stage: 'dev', ...others })).not.toThrow();
    expect(() =>
      loadWorkflowSettings({ ...functionEnv, ...others, AWS_REGION: 'x' }),
    ).not.toThrow();
    expect(() =>
      parseDeploymentSettings({
        stage: 'dev',
        '@aws-cdk/aws-lambda:recognizeLayerVersion': true,
        'availability-zones:account=123456789012:region=eu-west-1': ['eu-west-1a'],
      }),
    ).not.toThrow();
  });
});

describe('settings of the local stack that cannot go together', () => {
  it('names a port clash between PORT and DYNAMODB_PORT as such', () => {
    const message = refusal(() => readLocalSettings({ PORT: '3100', DYNAMODB_PORT: '3100' }));

    expect(message).toMatch(SHAPE);
    expect(message).toContain('DYNAMODB_PORT must differ from PORT: both are 3100');
    expect(message).not.toMatch(/in use/);
  });

  it('reports bad FAULTS in the same shape', () => {
    const message = refusal(() => readLocalSettings({ FAULTS: 'putevents_throttle=2' }));

    expect(message).toMatch(SHAPE);
    expect(message).toContain('FAULTS');
  });
});

describe('one message shape, with every problem', () => {
  it('names each problem on its own line, in plain words, whatever the reader', () => {
    const local = refusal(() => readLocalSettings({ PORT: 'x', LOG_LEVEL: 'loud', FAULTS: 'a' }));
    const fn = refusal(() => loadCallbackSettings({ CALLBACK_AUTH: 'basic' }));
    const cdk = refusal(() => parseDeploymentSettings({ stage: 'qa', WAF_RATE_LIMIT: 'many' }));

    for (const message of [local, fn, cdk]) {
      expect(message).toMatch(SHAPE);
      // zod's own wording ("Invalid input", "expected string") never reaches an operator.
      expect(message).not.toMatch(/Invalid input|expected|received/);
    }
    expect(local).toContain('  - PORT must be a TCP port number (0 to 65535) (got "x")');
    expect(local).toContain('  - LOG_LEVEL must be debug, info, warn or error (got "loud")');
    expect(fn).toContain('  - ATTEMPTS_TABLE is required');
    expect(fn).toContain('  - CALLBACK_AUTH must be hmac or none (got "basic")');
    expect(cdk).toContain('  - WAF_RATE_LIMIT must be a whole number (got "many")');
  });
});

describe('one exit code', () => {
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', ...args], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, CDK_VALIDATION: 'false', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('npm start and the CDK app both exit with it, printing the message', () => {
    const local = run(['local/start.ts'], {
      ALLOW_REVIEW_UPDATE: 'false',
      DATA_DIR: '/nonexistent/x',
    });
    const cdk = run(['cdk/app.ts'], {
      CDK_CONTEXT_JSON: JSON.stringify({ stage: 'dev', allow_review_updates: 'false' }),
      CDK_OUTDIR: join(tmpdir(), 'proctoring-reviews-settings-test'),
    });

    expect(local.status).toBe(SETTINGS_EXIT_CODE);
    expect(local.stderr).toContain(
      'ALLOW_REVIEW_UPDATE is not a known setting; did you mean ALLOW_REVIEW_UPDATES?',
    );
    expect(cdk.status).toBe(SETTINGS_EXIT_CODE);
    expect(cdk.stderr).toContain(
      'allow_review_updates is not a known setting; did you mean ALLOW_REVIEW_UPDATES?',
    );
  }, 120_000);
});
