import type {
  Context,
  DynamoDBBatchItemFailure,
  DynamoDBBatchResponse,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { Logger } from '../../lib/log.js';
import { recordPartitionKey, revisionFromRecord } from '../../lib/store/revision-stream.js';
import { type BatchRevision, finishReviewBatch } from '../../lib/workflow/finish-review-batch.js';
import type { BatchEventPublisher, WorkflowStore } from '../../lib/workflow/ports.js';

export interface FinishReviewHandlerDependencies {
  store: WorkflowStore;
  publisher: BatchEventPublisher;
  log: Logger;
  requireFailureSecondReviews: boolean;
  now?: () => Date;
  /** Attempts worked on at once within a batch. */
  concurrency?: number;
}

/** Every record of the batch failed: thrown so Lambda retries (and may bisect) the batch. */
export class BatchFailed extends Error {
  override readonly name = 'BatchFailed';
  constructor(records: number) {
    super(`All ${records} record(s) of the batch failed; the batch will be retried`);
  }
}

/**
 * The reviews-table stream consumer (edX `finish_review_workflow`), reporting partial batch
 * failures. The records of different attempts are processed concurrently, the records of one
 * attempt (one partition key) in order, and the events of the whole batch are published together
 * (`finishReviewBatch`).
 *
 * When a record fails, it and every later record of the same attempt are reported failed; records
 * of other attempts are not. Lambda resumes at the lowest failed sequence number, so the records
 * of other attempts after it come again too and are replayed: their outcomes are recorded, so
 * nothing changes and the same events go out again. When every record fails, the handler throws,
 * so Lambda retries the batch (and, with bisection on, halves it to isolate a poison record).
 *
 * Only new review revisions are acted on; every other record is ignored.
 */
export function createFinishReviewHandler(deps: FinishReviewHandlerDependencies) {
  return async (event: DynamoDBStreamEvent, _context?: Context): Promise<DynamoDBBatchResponse> => {
    const records = event.Records;
    // Per partition key, the position of its first failed record: it and all after it fail.
    const failedFrom = new Map<string, number>();
    const revisions: BatchRevision[] = [];
    const keys = records.map(recordPartitionKey);

    records.forEach((record, index) => {
      const key = keys[index] as string;
      if (failedFrom.has(key)) return;
      const sequenceNumber = record.dynamodb?.SequenceNumber;
      try {
        const facts = revisionFromRecord(record);
        if (!facts) {
          // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
          deps.log.debug('stream record ignored: not a new review revision', {
            sequenceNumber,
            eventName: record.eventName,
          });
          return;
        }
        revisions.push({ id: String(index), facts });
      } catch (error) {
        // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
        deps.log.error("stream record failed; it and its attempt's later records will be retried", {
          sequenceNumber,
          attemptCode: key,
          error,
        });
        failedFrom.set(key, index);
      }
    });

    const results = await finishReviewBatch(deps, revisions);
    for (const result of results) {
      if (result.status === 'finished') continue;
      const index = Number(result.id);
      const key = keys[index] as string;
      failedFrom.set(key, Math.min(index, failedFrom.get(key) ?? index));
    }

    const batchItemFailures: DynamoDBBatchItemFailure[] = [];
    records.forEach((record, index) => {
      const from = failedFrom.get(keys[index] as string);
      if (from !== undefined && index >= from) {
        batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
      }
    });
    if (batchItemFailures.length > 0) {
      // What operators watch for: tested, so not excluded from mutation testing.
      deps.log.warn('records reported failed for redelivery', {
        failed: batchItemFailures.length,
        records: records.length,
        attempts: failedFrom.size,
      });
      if (batchItemFailures.length === records.length) throw new BatchFailed(records.length);
    }
    return { batchItemFailures };
  };
}
