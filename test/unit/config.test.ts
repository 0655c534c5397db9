import { describe, expect, it } from 'vitest';
import {
  loadCallbackSettings,
  loadInternalApiSettings,
  loadReconcileSettings,
  loadWorkflowSettings,
} from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';

const tables = { ATTEMPTS_TABLE: 'attempts', REVIEWS_TABLE: 'reviews' };

describe('settings', () => {
  it('applies edX defaults to the callback settings', () => {
    const settings = loadCallbackSettings({ ...tables, CALLBACK_SECRET: 'a, b ,,' });

    expect(settings).toEqual({
      store: { attemptsTable: 'attempts', reviewsTable: 'reviews', dynamoDbEndpoint: undefined },
      logLevel: 'info',
      allowReviewUpdates: true,
      allowCallbackSimulation: false,
      callbackAuth: 'hmac',
      callbackSecrets: { kind: 'inline', values: ['a', 'b'] },
      videoUrlKeys: undefined,
    });
  });

  it('reads secrets from Secrets Manager when given an ARN', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:callback';

    const settings = loadCallbackSettings({
      ...tables,
      CALLBACK_SECRET_ARN: arn,
      VIDEO_URL_KEY_ARN: `${arn}-video`,
    });

    expect(settings.callbackSecrets).toEqual({ kind: 'secrets-manager', secretId: arn });
    expect(settings.videoUrlKeys).toEqual({ kind: 'secrets-manager', secretId: `${arn}-video` });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['false', false],
    ['0', false],
  ])('reads %s as %s', (value, expected) => {
    const settings = loadCallbackSettings({
      ...tables,
      CALLBACK_AUTH: 'none',
      ALLOW_REVIEW_UPDATES: value,
    });

    expect(settings.allowReviewUpdates).toBe(expected);
  });

  it.each([
    [
      { ...tables, CALLBACK_AUTH: 'none', ALLOW_REVIEW_UPDATES: 'yes' },
      /ALLOW_REVIEW_UPDATES must be true or false/,
    ],
    [{ ...tables }, /CALLBACK_SECRET is required when CALLBACK_AUTH is hmac/],
    [{ ...tables, CALLBACK_AUTH: 'basic' }, /CALLBACK_AUTH/],
    [{ REVIEWS_TABLE: 'r', CALLBACK_AUTH: 'none' }, /ATTEMPTS_TABLE is required/],
    [{ ...tables, ATTEMPTS_TABLE: ' ', CALLBACK_AUTH: 'none' }, /ATTEMPTS_TABLE is required/],
    [
      { ...tables, CALLBACK_SECRET: 's', VIDEO_URL_KEY: 'abc' },
      /VIDEO_URL_KEY each key must be 64 hex/,
    ],
    [
      { ...tables, CALLBACK_SECRET: 's', CALLBACK_SECRET_ARN: 'arn' },
      /either CALLBACK_SECRET or CALLBACK_SECRET_ARN/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => loadCallbackSettings(env)).toThrow(ConfigError);
    expect(() => loadCallbackSettings(env)).toThrow(message);
  });

  it('names every problem at once', () => {
    expect(() =>
      loadCallbackSettings({ ALLOW_CALLBACK_SIMULATION: 'maybe', CALLBACK_AUTH: 'none' }),
    ).toThrow(/ATTEMPTS_TABLE[\s\S]*REVIEWS_TABLE[\s\S]*ALLOW_CALLBACK_SIMULATION/);
  });

  it('requires the bus for the workflow and defaults the event source', () => {
    expect(() => loadWorkflowSettings(tables)).toThrow(/EVENT_BUS_NAME is required/);
    expect(loadWorkflowSettings({ ...tables, EVENT_BUS_NAME: 'bus' })).toMatchObject({
      eventBusName: 'bus',
      eventSource: 'edx.proctoring',
      requireFailureSecondReviews: true,
      metricsNamespace: 'ProctoringReviews',
    });
  });

  it("takes the workflow's metric namespace from the deployment, one per stage", () => {
    expect(
      loadWorkflowSettings({
        ...tables,
        EVENT_BUS_NAME: 'bus',
        METRICS_NAMESPACE: 'ProctoringReviews/prod',
      }),
    ).toMatchObject({ metricsNamespace: 'ProctoringReviews/prod' });
  });

  it('needs the tables and a video key for the internal API (the key also signs cursors)', () => {
    expect(() => loadInternalApiSettings(tables)).toThrow(/VIDEO_URL_KEY is required/);
    expect(
      loadInternalApiSettings({ ...tables, LOG_LEVEL: 'debug', VIDEO_URL_KEY_ARN: 'arn:key' }),
    ).toMatchObject({
      logLevel: 'debug',
      videoUrlKeys: { kind: 'secrets-manager', secretId: 'arn:key' },
      videoLinkHtml5: false,
    });
    expect(() =>
      loadInternalApiSettings({
        ...tables,
        VIDEO_URL_KEY: 'f'.repeat(64),
        VIDEO_LINK_HTML5: 'yes',
      }),
    ).toThrow(/VIDEO_LINK_HTML5 must be true or false/);
  });

  it('reads the reconciler delay in whole seconds within bounds', () => {
    const workflow = { ...tables, EVENT_BUS_NAME: 'bus' };
    expect(loadReconcileSettings(workflow).reconcileAfterSeconds).toBe(300);
    expect(
      loadReconcileSettings({ ...workflow, RECONCILE_AFTER_SECONDS: '5' }).reconcileAfterSeconds,
    ).toBe(5);
    expect(() => loadReconcileSettings({ ...workflow, RECONCILE_AFTER_SECONDS: '0' })).toThrow(
      /RECONCILE_AFTER_SECONDS must be at least 1/,
    );
    expect(() => loadReconcileSettings({ ...workflow, RECONCILE_AFTER_SECONDS: '5m' })).toThrow(
      /RECONCILE_AFTER_SECONDS must be a whole number of seconds/,
    );
  });
});
