import { randomUUID } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App, type CfnResource } from 'aws-cdk-lib';
import { StatefulStack } from '../../cdk/stateful-stack.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import {
  type CloudFormationTemplate,
  createTableInput,
  tableDefinitions,
} from '../../local/template.js';

/**
 * Creates this test file's own copy of the deployed tables (read from the synthesized stateful
 * stack, so the keys and stream settings are the ones that deploy) on the shared DynamoDB Local.
 */
let synthesized:
  | { template: CloudFormationTemplate; attempts: string; reviews: string }
  | undefined;

/** The stateful stack's template and table ids, synthesized once per test file. */
function statefulTemplate() {
  if (!synthesized) {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new StatefulStack(app, 'Stateful', { stage: 'dev' });
    const logicalId = (table: { node: { defaultChild?: unknown } }) =>
      stack.getLogicalId(table.node.defaultChild as CfnResource);
    synthesized = {
      template: app.synth().getStackArtifact(stack.artifactId).template as CloudFormationTemplate,
      attempts: logicalId(stack.attemptsTable),
      reviews: logicalId(stack.reviewsTable),
    };
  }
  return synthesized;
}

export async function createTestTables(endpoint: string) {
  const { template, attempts, reviews } = statefulTemplate();

  const client: DynamoDBClient = createDynamoDbClient({ endpoint });
  const suffix = randomUUID().slice(0, 8);
  const names = new Map<string, string>();
  for (const definition of tableDefinitions(template)) {
    const name = `${definition.logicalId}-${suffix}`;
    names.set(definition.logicalId, name);
    await client.send(new CreateTableCommand(createTableInput(definition, name)));
  }
  const attemptsTable = names.get(attempts) ?? '';
  const reviewsTable = names.get(reviews) ?? '';
  return {
    client,
    attemptsTable,
    reviewsTable,
    store: new DynamoDbStore({ client, attemptsTable, reviewsTable }),
  };
}
