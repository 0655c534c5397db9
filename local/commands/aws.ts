import { createHash, createHmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  SourceData,
} from '@smithy/types';

/**
 * What the operator commands need of AWS, signed with the operator's own credentials through the
 * SDK's SigV4 signer: the deployed stage's stack outputs (CloudFormation), calls to the
 * IAM-authorised internal API (execute-api), and the stream-failure queue (SQS).
 */

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

/** SHA-256 and HMAC-SHA256 in the shape the signer takes, on node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface AwsAccess {
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Replaces the global fetch (tests). */
  fetch?: typeof fetch;
}

export interface SignedResponse {
  status: number;
  text: string;
}

/** Signs a request for `service` with SigV4 and sends it. */
export async function signedFetch(
  access: AwsAccess,
  service: string,
  url: URL,
  init: { method: string; headers?: Record<string, string>; body?: string },
): Promise<SignedResponse> {
  const signer = new SignatureV4({
    credentials: access.credentials,
    region: access.region,
    service,
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = value;
  const signed = await signer.sign({
    method: init.method,
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { host: url.host, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const response = await (access.fetch ?? fetch)(url, {
    method: init.method,
    headers: signed.headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  return { status: response.status, text: await response.text() };
}

/** The operator's credentials (environment, profile, SSO, instance role) and region. */
export function operatorAccess(region: string | undefined): AwsAccess {
  const resolved = region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!resolved) {
    throw new Error('Set AWS_REGION (or pass --region) to reach a deployed stage');
  }
  return { region: resolved, credentials: defaultProvider() };
}

export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
}

/** The outputs of a CloudFormation stack, by key (DescribeStacks, query protocol). */
export async function stackOutputs(
  access: AwsAccess,
  stackName: string,
): Promise<Record<string, string>> {
  const url = new URL(`https://cloudformation.${access.region}.amazonaws.com/`);
  const body = new URLSearchParams({
    Action: 'DescribeStacks',
    Version: '2010-05-15',
    StackName: stackName,
  }).toString();
  const response = await signedFetch(access, 'cloudformation', url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  if (response.status !== 200) {
    throw new AwsCallError(`DescribeStacks ${stackName}: HTTP ${response.status} ${response.text}`);
  }
  return parseStackOutputs(response.text);
}

/** Reads `<Outputs><member><OutputKey/><OutputValue/></member>…</Outputs>` from the XML answer. */
export function parseStackOutputs(xml: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const section = /<Outputs>([\s\S]*?)<\/Outputs>/.exec(xml)?.[1] ?? '';
  for (const member of section.matchAll(/<member>([\s\S]*?)<\/member>/g)) {
    const key = /<OutputKey>([\s\S]*?)<\/OutputKey>/.exec(member[1] ?? '')?.[1];
    const value = /<OutputValue>([\s\S]*?)<\/OutputValue>/.exec(member[1] ?? '')?.[1];
    if (key !== undefined && value !== undefined) outputs[key] = unescapeXml(value);
  }
  return outputs;
}

function unescapeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

/** One SQS action over its JSON protocol. */
async function sqs(access: AwsAccess, action: string, input: object): Promise<unknown> {
  const url = new URL(`https://sqs.${access.region}.amazonaws.com/`);
  const response = await signedFetch(access, 'sqs', url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
    },
    body: JSON.stringify(input),
  });
  if (response.status !== 200) {
    throw new AwsCallError(`SQS ${action}: HTTP ${response.status} ${response.text}`);
  }
  return response.text === '' ? {} : JSON.parse(response.text);
}

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
}

/** Up to 10 messages, hidden from other readers for `visibilitySeconds`. */
export async function receiveMessages(
  access: AwsAccess,
  queueUrl: string,
  visibilitySeconds: number,
): Promise<QueueMessage[]> {
  const answer = (await sqs(access, 'ReceiveMessage', {
    QueueUrl: queueUrl,
    MaxNumberOfMessages: 10,
    WaitTimeSeconds: 1,
    VisibilityTimeout: visibilitySeconds,
  })) as { Messages?: { MessageId: string; ReceiptHandle: string; Body: string }[] };
  return (answer.Messages ?? []).map((message) => ({
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body,
  }));
}

export async function deleteMessage(
  access: AwsAccess,
  queueUrl: string,
  receiptHandle: string,
): Promise<void> {
  await sqs(access, 'DeleteMessage', { QueueUrl: queueUrl, ReceiptHandle: receiptHandle });
}
