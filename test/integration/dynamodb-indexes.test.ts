import { inject } from 'vitest';
import { describeIndexedStore } from '../support/index-store-contract.js';
import { createTestTables } from '../support/tables.js';

// A fresh pair of tables per test: the indexes span the whole table.
describeIndexedStore(
  'DynamoDbStore',
  async () => (await createTestTables(inject('dynamoDbEndpoint'))).store,
);
