import { INDEXES } from '../lib/store/indexes.js';
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
        // getAttempt (GetItem), registerAttempt and archiveAttempt (UpdateItem), the staff
        // review's getAttemptAndHead (BatchGetItem), and the staff queue's index query.
        attempts: {
          items: ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
          queriedIndexes: [INDEXES.attemptsByStatus.indexName],
        },
        // getLatestRevision (GetItem of the head, Query of the revision's items), the history
        // and the video link (Query), and the staff review's getAttemptAndHead and
        // appendRevision (as for the callback).
        reviews: {
          items: [
            'dynamodb:BatchGetItem',
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:Query',
          ],
        },
      },
      // Decrypts staff video links; a key derived from it signs the queue's paging cursors.
      secrets: ['videoUrlKey'],
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
    // The workflow's own needs, plus the one index each operation reads.
    reprocess: {
      tables: {
        attempts: { items: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] },
        reviews: {
          items: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
          queriedIndexes: [INDEXES.revisionsByTime.indexName],
        },
      },
      putsEvents: true,
      // Only to sign the paging cursors (a key derived from it).
      secrets: ['videoUrlKey'],
    },
    reconcile: {
      tables: {
        attempts: { items: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'] },
        reviews: {
          items: ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
          queriedIndexes: [INDEXES.pendingRevisions.indexName],
        },
      },
      putsEvents: true,
    },
  };
}
