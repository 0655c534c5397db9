/**
 * A probe, not a goal target: one DynamoDB client constructed at module scope and nothing else.
 * Its load overhead is the floor for any bundle that talks to DynamoDB with this SDK.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const dynamodb = new DynamoDBClient({});

export const handler = async () => dynamodb.config.serviceId;
