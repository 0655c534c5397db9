import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { Logger } from '../../lib/log.js';
import { revisionFromRecord } from '../../lib/store/revision-stream.js';
import { finishReview } from '../../lib/workflow/finish-review.js';
import type { RevisionFacts } from '../../lib/workflow/outcome.js';
import type { EventPublisher, WorkflowStore } from '../../lib/workflow/ports.js';

export interface FinishReviewHandlerDependencies {
  store: WorkflowStore;
  publisher: EventPublisher;
  log: Logger;
  requireFailureSecondReviews: boolean;
  now?: () => Date;
}

/** A record after a failed one: held back unprocessed so the stream redelivers it in order. */
export class HeldBackAfterFailure extends Error {
  override readonly name = 'HeldBackAfterFailure';
  constructor(failedSequenceNumber: string) {
    super(`Not processed: an earlier record (${failedSequenceNumber}) of this batch failed`);
  }
}

/**
 * The reviews-table stream consumer (edX `finish_review_workflow`), reporting partial batch
 * failures. Records are handled one at a time, in order. Lambda resumes a shard at the lowest
 * failed sequence number and redelivers everything after it, so once a record fails every later
 * record of the batch is reported failed without being processed: nothing is applied out of
 * order. When every record fails (the first one did), Powertools throws `FullBatchFailureError`,
 * which Lambda also treats as "retry the batch".
 *
 * Only new review revisions are acted on; every other record is ignored.
 */
export function createFinishReviewHandler(deps: FinishReviewHandlerDependencies) {
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    // Per invocation: the processor and the failure mark are state of this batch only.
    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    let failedAt: string | undefined;
    let heldBack = 0;

    const handleRecord = async (record: DynamoDBRecord): Promise<void> => {
      const sequenceNumber = record.dynamodb?.SequenceNumber ?? 'unknown';
      if (failedAt !== undefined) {
        heldBack++;
        throw new HeldBackAfterFailure(failedAt);
      }
      let facts: RevisionFacts | null = null;
      try {
        facts = revisionFromRecord(record);
        if (!facts) {
          // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
          deps.log.debug('stream record ignored: not a new review revision', {
            sequenceNumber,
            eventName: record.eventName,
          });
          return;
        }
        // Stryker disable next-line ObjectLiteral: log text only (fields added to every line)
        const log = deps.log.child({
          attemptCode: facts.attemptCode,
          revision: facts.revision,
          sequenceNumber,
        });
        await finishReview({ ...deps, log }, facts);
      } catch (error) {
        failedAt = sequenceNumber;
        // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
        deps.log.error('stream record failed; it and the rest of the batch will be redelivered', {
          sequenceNumber,
          attemptCode: facts?.attemptCode,
          revision: facts?.revision,
          error,
        });
        throw error;
      }
    };

    try {
      return await processPartialResponse(event, handleRecord, processor, {
        ...(context ? { context } : {}),
        processInParallel: false,
      });
    } finally {
      if (heldBack > 0) {
        // Stryker disable next-line StringLiteral: log text only
        deps.log.warn('later records held back for redelivery', { failedAt, heldBack });
      }
    }
  };
}
