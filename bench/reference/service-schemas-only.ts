/**
 * A probe, not a goal target: zod and the validation schemas the functions build at load
 * (settings, vendor and staff reviews, registrations, outcomes), without any AWS SDK code.
 */
export {
  loadCallbackSettings,
  loadInternalApiSettings,
  loadWorkflowSettings,
} from '../../lib/config.js';
export { attemptRegistrationSchema } from '../../lib/reviews/attempt.js';
export { recordStaffReview } from '../../lib/reviews/staff-review.js';
export { vendorReviewSchema } from '../../lib/reviews/vendor-review.js';

import { revisionOutcomeSchema } from '../../lib/workflow/outcome.js';

// Built on first use in the functions; built here so the probe holds every schema.
export const outcomeSchema = revisionOutcomeSchema();
