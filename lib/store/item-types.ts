/**
 * The `itemType` attribute of the reviews table's items. The stream filter of the deployed mapping
 * passes only `review_revision` inserts to the workflow, so the CDK app, the store and the stream
 * parser must spell it the same way: this module is the one place that does.
 */
export const ITEM_TYPES = {
  revision: 'review_revision',
  rawChunk: 'review_raw_chunk',
  commentsChunk: 'review_comments_chunk',
} as const;

export const REVISION_ITEM_TYPE = ITEM_TYPES.revision;
