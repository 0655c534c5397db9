import { describe, expect, it } from 'vitest';
import { GATEWAY_RESPONSES } from '../../cdk/review-api.js';
import { parseDeploymentSettings } from '../../cdk/settings.js';
import { openApiDocument } from '../../local/openapi/document.js';
import { ROUTES } from '../../local/openapi/routes.js';
import { planFromStacks } from '../../local/stack-plan.js';

/** The route table documents exactly the routes the synthesized API serves. */
const withoutTrailingSlash = (path: string) => path.replace(/(.)\/$/, '$1');

describe('the OpenAPI route table', () => {
  it('documents every route of the synthesized REST API, and no other', () => {
    // Prepare
    const plan = planFromStacks(parseDeploymentSettings({ stage: 'dev' }));

    // Act
    const deployed = plan.routes.map((route) => withoutTrailingSlash(route.resource));
    const documented = ROUTES.filter((route) => !route.localOnly).map((route) =>
      withoutTrailingSlash(route.path),
    );

    // Assess
    expect([...new Set(documented)].sort()).toEqual([...new Set(deployed)].sort());
  });

  it("uses only the gateway's own codes for what the gateway answers", () => {
    const gatewayCodes = new Set(GATEWAY_RESPONSES.map((response) => response.code));
    const document = JSON.stringify(openApiDocument());

    for (const code of ['request_blocked', 'permission_denied', 'not_authenticated', 'throttled']) {
      expect(document).toContain(`"${code}"`);
      expect(gatewayCodes).toContain(code);
    }
    for (const code of ['bad_gateway', 'gateway_timeout', 'not_found', 'service_unavailable']) {
      expect(gatewayCodes).toContain(code);
    }
  });
});
