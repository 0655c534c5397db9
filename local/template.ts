import type {
  AttributeDefinition,
  CreateTableCommandInput,
  KeySchemaElement,
  Projection,
  StreamViewType,
  UpdateTableCommandInput,
} from '@aws-sdk/client-dynamodb';

/**
 * Reads what the local stack needs from a synthesized CloudFormation template, so local tables
 * are exactly the tables that deploy.
 */
export interface CloudFormationTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export interface TableDefinition {
  logicalId: string;
  keySchema: KeySchemaElement[];
  attributeDefinitions: AttributeDefinition[];
  streamViewType: StreamViewType | undefined;
  timeToLiveAttribute: string | undefined;
  globalSecondaryIndexes: IndexDefinition[];
}

export interface IndexDefinition {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: Projection;
}

const TABLE_TYPES = new Set(['AWS::DynamoDB::Table', 'AWS::DynamoDB::GlobalTable']);

export function tableDefinitions(template: CloudFormationTemplate): TableDefinition[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => TABLE_TYPES.has(resource.Type))
    .map(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const stream = properties.StreamSpecification as
        | { StreamViewType?: StreamViewType }
        | undefined;
      const ttl = properties.TimeToLiveSpecification as
        | { AttributeName?: string; Enabled?: boolean }
        | undefined;
      return {
        logicalId,
        keySchema: properties.KeySchema as KeySchemaElement[],
        attributeDefinitions: properties.AttributeDefinitions as AttributeDefinition[],
        streamViewType: stream?.StreamViewType,
        timeToLiveAttribute: ttl?.Enabled ? ttl.AttributeName : undefined,
        globalSecondaryIndexes: (
          (properties.GlobalSecondaryIndexes ?? []) as IndexDefinition[]
        ).map(({ IndexName, KeySchema, Projection }) => ({ IndexName, KeySchema, Projection })),
      };
    });
}

/** A CreateTable request for a local engine (on-demand billing, stream as in the template). */
export function createTableInput(
  definition: TableDefinition,
  tableName: string,
): CreateTableCommandInput {
  return {
    TableName: tableName,
    KeySchema: definition.keySchema,
    AttributeDefinitions: definition.attributeDefinitions,
    BillingMode: 'PAY_PER_REQUEST',
    ...(definition.streamViewType
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.streamViewType } }
      : {}),
    ...(definition.globalSecondaryIndexes.length > 0
      ? { GlobalSecondaryIndexes: definition.globalSecondaryIndexes }
      : {}),
  };
}

/**
 * The UpdateTable requests that add the indexes a table made by an older template lacks (a data
 * folder kept across an upgrade), one index per request as DynamoDB requires.
 */
export function missingIndexUpdates(
  definition: TableDefinition,
  tableName: string,
  existingIndexNames: readonly string[],
): UpdateTableCommandInput[] {
  return definition.globalSecondaryIndexes
    .filter((index) => !existingIndexNames.includes(index.IndexName))
    .map((index) => ({
      TableName: tableName,
      AttributeDefinitions: definition.attributeDefinitions,
      GlobalSecondaryIndexUpdates: [{ Create: index }],
    }));
}
