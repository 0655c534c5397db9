/**
 * The naive reference for the cold-start proxy: what a function of this shape costs with no care
 * for load time. Middy plus both SDK clients constructed at module scope, as the local-toolchain
 * probe measured it.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';

const dynamodb = new DynamoDBClient({});
const eventbridge = new EventBridgeClient({});

export const handler = middy(async () => ({
  clients: [dynamodb.config.serviceId, eventbridge.config.serviceId],
}));
