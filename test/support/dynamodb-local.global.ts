import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../local/dynamodb/engine.js';

/** One in-memory DynamoDB Local for the whole integration project; each file makes its own tables. */
export default async function setup(project: TestProject) {
  // The toolchain runs on Node 20 with pinned SDK versions; the SDK's notice about Node 22 is known.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const engine = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', engine.endpoint);
  return async () => {
    await engine.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoDbEndpoint: string;
  }
}
