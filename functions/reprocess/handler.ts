import type { CursorCodec } from '../../lib/cursor.js';
import { MethodNotAllowed } from '../../lib/errors.js';
import {
  assertBodySize,
  jsonResponse,
  parseJsonBody,
  rawBody,
} from '../../lib/http/api-gateway.js';
import { httpFunction } from '../../lib/http/middleware.js';
import type { Logger } from '../../lib/log.js';
import type { EventPublisher, RevisionFinder, WorkflowStore } from '../../lib/workflow/ports.js';
import { reprocessRange } from '../../lib/workflow/reprocess.js';

export interface ReprocessHandlerDependencies {
  store: WorkflowStore & RevisionFinder;
  publisher: EventPublisher;
  log: Logger;
  requireFailureSecondReviews: boolean;
  /** Signs and checks the paging cursors. */
  cursors: () => Promise<CursorCodec>;
  now?: () => Date;
}

/**
 * `POST /internal/reviews/reprocess` (docs/api.md): one page of a time range through the
 * workflow. IAM-authorised in AWS; the access line and the log name the caller.
 */
export function createReprocessHandler(deps: ReprocessHandlerDependencies) {
  return httpFunction(async (event, context) => {
    if (event.httpMethod !== 'POST') throw new MethodNotAllowed(event.httpMethod, ['POST']);
    const body = rawBody(event);
    assertBodySize(body);
    const identity = event.requestContext?.identity;
    const log = context.log.child({
      requestedBy: identity?.userArn ?? identity?.caller ?? identity?.sourceIp,
    });
    const result = await reprocessRange(
      {
        store: deps.store,
        finder: deps.store,
        publisher: deps.publisher,
        requireFailureSecondReviews: deps.requireFailureSecondReviews,
        cursors: await deps.cursors(),
        log,
        ...(deps.now ? { now: deps.now } : {}),
      },
      parseJsonBody(body),
    );
    log.info('reprocess page done', {
      examined: result.examined,
      processed: result.processed,
      republished: result.republished,
      more: result.next !== null,
    });
    return jsonResponse(200, result);
  }, deps.log);
}
