/**
 * The naive reference for the cold-start proxy: what a function of this shape costs with no care
 * for load time. Middy, a DynamoDB client with `GetItem` and an EventBridge client with
 * `PutEvents`, both clients constructed at module scope.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';

const dynamodb = new DynamoDBClient({});
const eventbridge = new EventBridgeClient({});

export const handler = middy(async (event: { key: string }) =>
  Promise.all([
    dynamodb.send(new GetItemCommand({ TableName: 't', Key: { pk: { S: event.key } } })),
    eventbridge.send(new PutEventsCommand({ Entries: [] })),
  ]),
);
