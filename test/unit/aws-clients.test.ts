import { describe, expect, it, vi } from 'vitest';
import { endpointConfig, requestHandlerConfig, SOCKETS_PER_CLIENT } from '../../lib/aws-clients.js';

describe('endpointConfig', () => {
  it('leaves every setting to the SDK in AWS, where no endpoint is configured', () => {
    expect(endpointConfig(undefined)).toEqual({});
    expect(endpointConfig('')).toEqual({});
  });

  it('gives a client pointed at a local engine placeholder credentials and a region', () => {
    // Prepare: a shell without AWS settings
    vi.stubEnv('AWS_ACCESS_KEY_ID', '');
    vi.stubEnv('AWS_REGION', '');

    // Act
    const config = endpointConfig('http://localhost:8000');

    // Assess
    expect(config).toEqual({
      endpoint: 'http://localhost:8000',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      region: 'us-east-1',
    });
  });

  it('keeps the credentials and region the environment supplies', () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE');
    vi.stubEnv('AWS_REGION', 'eu-west-1');

    const config = endpointConfig('http://localhost:8000');

    expect(config).toEqual({ endpoint: 'http://localhost:8000' });
  });
});

describe('requestHandlerConfig', () => {
  it('keeps the timeouts and gives HTTP and HTTPS a keep-alive pool of SOCKETS_PER_CLIENT sockets', () => {
    const config = requestHandlerConfig({ connectionTimeout: 1_000, requestTimeout: 3_000 });

    const pool = { keepAlive: true, maxSockets: SOCKETS_PER_CLIENT };
    expect(config).toEqual({
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      httpAgent: pool,
      httpsAgent: pool,
    });
  });
});
