/**
 * The tables' global secondary indexes. The CDK app declares them from these constants and the
 * store queries them by the same names, so the two cannot drift. Every index is sparse: an item
 * is in it only while it carries both key attributes.
 */

/** The attributes an index of revisions carries besides the keys: a revision's immutable facts. */
export const REVISION_FACT_ATTRIBUTES = ['revision', 'source', 'reviewStatus', 'reviewedBy'];

export const INDEXES = {
  /**
   * Reviews table: the revisions the workflow has not recorded an outcome for, by time received.
   * A revision is written with `pending` set; recording its outcome removes it in the same write.
   */
  pendingRevisions: {
    indexName: 'pending-revisions',
    table: 'reviews',
    partitionKey: 'pending',
    sortKey: 'receivedAt',
    projection: REVISION_FACT_ATTRIBUTES,
  },
  /**
   * Reviews table: every revision by time received (only revision items have `receivedAt`; heads
   * and chunks stay out).
   */
  revisionsByTime: {
    indexName: 'revisions-by-time',
    table: 'reviews',
    partitionKey: 'itemType',
    sortKey: 'receivedAt',
    projection: REVISION_FACT_ATTRIBUTES,
  },
  /**
   * Attempts table: live attempts by current status, by the time the status was last set.
   * Archiving removes `statusChangedAt`, so archived attempts leave the index.
   */
  attemptsByStatus: {
    indexName: 'attempts-by-status',
    table: 'attempts',
    partitionKey: 'status',
    sortKey: 'statusChangedAt',
    projection: 'all',
  },
} as const;

/** The one value of `pending`: every pending revision shares the index partition. */
export const PENDING_PARTITION = 'pending';
