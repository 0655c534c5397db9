import type { FunctionKey } from './function-entries.js';
import type { DeploymentSettings } from './settings.js';

/** DynamoDB item actions the service's code sends (a transaction's parts count as their own). */
export type ItemAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:BatchGetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem';

export type TableKey = 'attempts' | 'reviews';
export type SecretKey = 'callbackSecret' | 'videoUrlKey';

export interface TableAccess {
  /** Allowed on the table's own ARN. */
  items: readonly ItemAction[];
  /** Global secondary indexes the function queries: `dynamodb:Query` on each index ARN only. */
  queriedIndexes?: readonly string[];
}

/**
 * What one function's code reaches, and nothing more. Each entry becomes an environment variable
 * naming the resource and one policy statement allowing exactly the listed actions on it. Reading
 * the reviews stream is not listed: the event source mapping grants it to its consumer.
 */
export interface FunctionAccess {
  tables: Partial<Record<TableKey, TableAccess>>;
  /** Secrets read with `GetSecretValue` (passed by ARN, never by value). */
  secrets?: readonly SecretKey[];
  /** `PutEvents` on the service's bus. */
  putsEvents?: boolean;
}

/** The environment variable through which each resource reaches the code (see lib/config.ts). */
export const TABLE_VARIABLES: Record<TableKey, string> = {
  attempts: 'ATTEMPTS_TABLE',
  reviews: 'REVIEWS_TABLE',
};
export const SECRET_VARIABLES: Record<SecretKey, string> = {
  callbackSecret: 'CALLBACK_SECRET_ARN',
  videoUrlKey: 'VIDEO_URL_KEY_ARN',
};
export const EVENT_BUS_VARIABLE = 'EVENT_BUS_NAME';

/**
 * Each function's needs, read from the calls `lib/store/dynamodb-store.ts` makes on its behalf
 * (`TransactWriteItems` needs the action of each Put/Update/ConditionCheck/Delete inside it). A
 * new function, or a new call, is one change here; the stack applies it.
 */
export function functionAccess(
  settings: Pick<DeploymentSettings, 'callbackAuth'>,
): Record<FunctionKey, FunctionAccess> {
  return {
    reviewCallback: {
      tables: {
        // getAttemptAndHead: one BatchGetItem over both tables.
        attempts: { items: ['dynamodb:BatchGetItem'] },
        // appendRevision: a transaction of Puts (head, revision, chunks); after a lost race the
        // head is read again (GetItem).
        reviews: { items: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'] },
      },
      secrets:
        settings.callbackAuth === 'hmac' ? ['callbackSecret', 'videoUrlKey'] : ['videoUrlKey'],
    },
    internalApi: {
      tables: {
        // getAttempt (GetItem), registerAttempt and archiveAttempt (UpdateItem), and the staff
        // review's getAttemptAndHead (BatchGetItem).
        attempts: {
          items: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        },
        // getLatestRevision (GetItem of the head, Query of the revision's items), and the staff
        // review's getAttemptAndHead and appendRevision (as for the callback).
        reviews: {
          items: [
            'dynamodb:BatchGetItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
          ],
        },
      },
    },
    finishReview: {
      tables: {
        // getWorkflowState (BatchGetItem); recordOutcome's transaction updates the attempt.
        attempts: { items: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] },
        // getWorkflowState (BatchGetItem); recordOutcome updates the revision, alone or in the
        // transaction.
        reviews: { items: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] },
      },
      putsEvents: true,
    },
  };
}
