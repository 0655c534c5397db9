/**
 * Each deployed function and its entry file, relative to the repository root. The stateless stack
 * builds one function per key (as `<key>Function`), and the local stack uses the same map to run
 * the entry behind each synthesized function.
 */
export const FUNCTION_ENTRIES = {
  reviewCallback: 'functions/review-callback/index.ts',
  internalApi: 'functions/internal-api/index.ts',
  finishReview: 'functions/finish-review/index.ts',
  reprocess: 'functions/reprocess/index.ts',
  reconcile: 'functions/reconcile/index.ts',
} as const;

export type FunctionKey = keyof typeof FUNCTION_ENTRIES;
