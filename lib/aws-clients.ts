/**
 * Client settings shared by every AWS SDK client the functions create. Pointed at a local engine
 * (the local stack's DynamoDB Local or event bus), a client needs a region and some credentials,
 * which the engines accept whatever they are; in AWS, Lambda supplies both.
 */
export interface LocalEndpointConfig {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
}

export function endpointConfig(endpoint: string | undefined): LocalEndpointConfig {
  if (!endpoint) return {};
  return {
    endpoint,
    ...(process.env.AWS_ACCESS_KEY_ID
      ? {}
      : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    ...(process.env.AWS_REGION ? {} : { region: 'us-east-1' }),
  };
}
