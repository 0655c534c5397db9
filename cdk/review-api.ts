import { type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnIPSet, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { MAX_BODY_BYTES } from '../lib/http/api-gateway.js';

/** The vendor callback's path (edX's), served with and without the trailing slash. */
export const CALLBACK_PATH = '/api/edx_proctoring/proctoring_review_callback';

/** Bodies the gateway and the WAF both answer with. */
const PAYLOAD_TOO_LARGE = {
  detail: `Request body exceeds ${MAX_BODY_BYTES} bytes.`,
  code: 'payload_too_large',
};
const THROTTLED = { detail: 'Request was throttled.', code: 'throttled' };

/** API Gateway's own message for the error, inserted already quoted as a JSON string. */
const GATEWAY_MESSAGE = '$context.error.messageString';

/**
 * Gateway responses in the CONTRACT's `{detail, code}` shape; `detail` left out means API
 * Gateway's message. An unknown route and an unsigned request to an IAM-authorised route both
 * surface as MISSING_AUTHENTICATION_TOKEN, which is why that type answers 404.
 */
export const GATEWAY_RESPONSES: ReadonlyArray<{
  type: ResponseType;
  statusCode?: string;
  detail?: string;
  code: string;
}> = [
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    statusCode: '404',
    detail: 'Not found.',
    code: 'not_found',
  },
  {
    type: ResponseType.RESOURCE_NOT_FOUND,
    statusCode: '404',
    detail: 'Not found.',
    code: 'not_found',
  },
  { type: ResponseType.REQUEST_TOO_LARGE, statusCode: '413', ...PAYLOAD_TOO_LARGE },
  { type: ResponseType.THROTTLED, statusCode: '429', ...THROTTLED },
  { type: ResponseType.QUOTA_EXCEEDED, statusCode: '429', ...THROTTLED },
  {
    type: ResponseType.WAF_FILTERED,
    statusCode: '403',
    detail: 'Request blocked.',
    code: 'request_blocked',
  },
  {
    type: ResponseType.ACCESS_DENIED,
    statusCode: '403',
    detail: 'You do not have permission to perform this action.',
    code: 'permission_denied',
  },
  { type: ResponseType.INVALID_SIGNATURE, statusCode: '403', code: 'not_authenticated' },
  { type: ResponseType.EXPIRED_TOKEN, statusCode: '403', code: 'not_authenticated' },
  {
    type: ResponseType.INTEGRATION_TIMEOUT,
    statusCode: '504',
    detail: 'Gateway Timeout',
    code: 'gateway_timeout',
  },
  {
    type: ResponseType.INTEGRATION_FAILURE,
    statusCode: '502',
    detail: 'Bad Gateway',
    code: 'bad_gateway',
  },
  { type: ResponseType.DEFAULT_4XX, code: 'bad_request' },
  // No internal message leaves a 5xx (CONTRACT 1.1); the status tells the vendor to retry.
  { type: ResponseType.DEFAULT_5XX, detail: 'Service Unavailable', code: 'service_unavailable' },
];

/**
 * A regular expression matching the decimal integers (leading zeros allowed) greater than
 * `limit`: longer numbers, or equally long ones that exceed it at the first digit that differs.
 */
export function integerAbove(limit: number): string {
  const digits = String(limit);
  const alternatives = [`[1-9]\\d{${digits.length},}`];
  for (let i = 0; i < digits.length; i++) {
    const digit = Number(digits[i]);
    if (digit === 9) continue;
    const rest = digits.length - i - 1;
    alternatives.push(`${digits.slice(0, i)}[${digit + 1}-9]${rest > 0 ? `\\d{${rest}}` : ''}`);
  }
  // Each alternative anchored on its own: WAF's regex engine takes no capturing groups.
  return alternatives.map((alternative) => `^0*${alternative}$`).join('|');
}

/** WAF custom responses: they take precedence over API Gateway's own WAF_FILTERED response. */
const WAF_RESPONSE_BODIES = {
  'payload-too-large': { status: 413, body: PAYLOAD_TOO_LARGE },
  throttled: { status: 429, body: THROTTLED },
} as const;

function blockWith(key: keyof typeof WAF_RESPONSE_BODIES): CfnWebACL.RuleActionProperty {
  return {
    block: {
      customResponse: {
        responseCode: WAF_RESPONSE_BODIES[key].status,
        customResponseBodyKey: key,
      },
    },
  };
}

/**
 * Access log fields: who, what, how it ended and how long it took; never a body, and no free-text
 * header (such as User-Agent) that could break the JSON line.
 */
const ACCESS_LOG_FIELDS: Record<string, string> = {
  requestId: AccessLogField.contextRequestId(),
  extendedRequestId: AccessLogField.contextExtendedRequestId(),
  requestTime: AccessLogField.contextRequestTime(),
  sourceIp: AccessLogField.contextIdentitySourceIp(),
  caller: AccessLogField.contextIdentityUserArn(),
  httpMethod: AccessLogField.contextHttpMethod(),
  resourcePath: AccessLogField.contextResourcePath(),
  path: AccessLogField.contextPath(),
  protocol: AccessLogField.contextProtocol(),
  status: AccessLogField.contextStatus(),
  responseLength: AccessLogField.contextResponseLength(),
  responseLatency: AccessLogField.contextResponseLatency(),
  integrationStatus: AccessLogField.contextIntegrationStatus(),
  integrationLatency: AccessLogField.contextIntegrationLatency(),
  errorType: AccessLogField.contextErrorResponseType(),
  wafResponseCode: AccessLogField.contextWafResponseCode(),
  xrayTraceId: AccessLogField.contextXrayTraceId(),
};

function accessLogFormat(): AccessLogFormat {
  const fields = Object.entries(ACCESS_LOG_FIELDS).map(([name, value]) => `"${name}":"${value}"`);
  fields.push(`"errorMessage":${GATEWAY_MESSAGE}`);
  return AccessLogFormat.custom(`{${fields.join(',')}}`);
}

export interface ReviewApiProps {
  stage: string;
  callbackFunction: IFunction;
  internalApiFunction: IFunction;
  /** Serves `POST /internal/reviews/reprocess`, apart so only it may publish events. */
  reprocessFunction: IFunction;
  throttlingRateLimit: number;
  throttlingBurstLimit: number;
  wafRateLimit: number;
  /** CIDRs allowed on the callback path; empty leaves the callback open to any address. */
  vendorIpAllowList: readonly string[];
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The REST API of CONTRACT section 1: the public vendor callback, the IAM-authorised internal
 * API, gateway errors in the CONTRACT's shape, and a WAF web ACL in front of the stage.
 */
export class ReviewApi extends Construct {
  readonly restApi: RestApi;
  readonly webAcl: CfnWebACL;
  readonly callbackMethod: Method;
  readonly internalMethods: Method[];

  constructor(scope: Construct, id: string, props: ReviewApiProps) {
    super(scope, id);

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `proctoring-reviews-${props.stage}`,
      description: 'Vendor review callback and internal attempts API',
      endpointTypes: [EndpointType.REGIONAL],
      // Every body reaches the function as base64 of the exact bytes received, which the callback
      // verifies its HMAC over, whatever Content-Type the vendor sends.
      binaryMediaTypes: ['*/*'],
      // Execution logging would need the account-wide API Gateway CloudWatch role; access logs
      // carry the error fields instead.
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
        dataTraceEnabled: false,
        tracingEnabled: true,
      },
    });

    for (const response of GATEWAY_RESPONSES) {
      this.restApi.addGatewayResponse(`Gateway${response.type.responseType}`, {
        type: response.type,
        statusCode: response.statusCode,
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: {
          'application/json': `{"detail":${
            response.detail === undefined ? GATEWAY_MESSAGE : JSON.stringify(response.detail)
          },"code":${JSON.stringify(response.code)}}`,
        },
      });
    }

    // ANY: the functions answer 405 with the CONTRACT's body for methods a route does not take.
    // API Gateway matches a request with a trailing slash to the resource without it.
    const integrationOptions = { proxy: true, allowTestInvoke: false };
    const callback = this.restApi.root.resourceForPath(CALLBACK_PATH);
    this.callbackMethod = callback.addMethod(
      'ANY',
      new LambdaIntegration(props.callbackFunction, integrationOptions),
      { authorizationType: AuthorizationType.NONE },
    );
    const internal = new LambdaIntegration(props.internalApiFunction, integrationOptions);
    const iam = { authorizationType: AuthorizationType.IAM };
    const attempts = this.restApi.root.resourceForPath('/internal/attempts');
    const attempt = attempts.addResource('{attemptCode}');
    const review = attempt.addResource('review');
    this.internalMethods = [
      attempts.addMethod('ANY', internal, iam),
      attempt.addMethod('ANY', internal, iam),
      review.addMethod('ANY', internal, iam),
      review.addResource('video').addMethod('ANY', internal, iam),
      attempt.addResource('reviews').addMethod('ANY', internal, iam),
      this.restApi.root
        .resourceForPath('/internal/reviews/reprocess')
        .addMethod('ANY', new LambdaIntegration(props.reprocessFunction, integrationOptions), iam),
    ];

    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        "Bodies are validated by the functions, which answer the CONTRACT's 400 {detail, code} naming the field; a gateway model would answer in another shape.",
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs the account-wide API Gateway CloudWatch role, which one service stack should not own; JSON access logs record every request with its error type and message.',
    });
    Validations.of(this.restApi.deploymentStage).acknowledge({
      id: 'Serverless-APIGWStructuredLogging',
      reason:
        'The access log format is JSON; its errorMessage field is $context.error.messageString, a value API Gateway inserts already quoted, so the format text is not JSON before substitution.',
    });
    Validations.of(this.callbackMethod).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'The vendor callback authenticates with an HMAC signature over the raw body, verified in the function (an authorizer never sees the body); CALLBACK_AUTH=none requires a WAF IP allow-list.',
    });
    Validations.of(this.callbackMethod).acknowledge({
      id: 'AwsSolutions-COG4',
      reason: 'The vendor is a machine client authenticated by HMAC signature, not a Cognito user.',
    });
    for (const method of this.internalMethods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'The internal API is called by the LMS and staff tooling with IAM (SigV4) credentials.',
      });
    }

    this.webAcl = this.createWebAcl(props);
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  private createWebAcl(props: ReviewApiProps): CfnWebACL {
    const visibility = (metricName: string) => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName: `proctoring-reviews-${props.stage}-${metricName}`,
    });
    const rules: CfnWebACL.RuleProperty[] = [];

    if (props.vendorIpAllowList.length > 0) {
      rules.push({
        name: 'VendorIpAllowList',
        priority: 0,
        action: { block: {} },
        visibilityConfig: visibility('vendor-ip-allow-list'),
        statement: {
          andStatement: {
            statements: [
              {
                // CONTAINS, because the default endpoint's path starts with the stage name;
                // decoded first, so an encoded path cannot slip past the check.
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'CONTAINS',
                  searchString: CALLBACK_PATH,
                  textTransformations: [{ priority: 0, type: 'URL_DECODE' }],
                },
              },
              { notStatement: { statement: this.vendorAddresses(props.vendorIpAllowList) } },
            ],
          },
        },
      });
    }

    rules.push(
      {
        // Lambda cannot take a body much above 4 MB (base64 in a 6 MB event), API Gateway takes
        // 10 MB: declared sizes over the CONTRACT's 1 MiB get their 413 here, not a 5xx later.
        name: 'BodyOverLimit',
        priority: 1,
        action: blockWith('payload-too-large'),
        visibilityConfig: visibility('body-over-limit'),
        statement: {
          regexMatchStatement: {
            fieldToMatch: { singleHeader: { Name: 'content-length' } },
            regexString: integerAbove(MAX_BODY_BYTES),
            textTransformations: [{ priority: 0, type: 'NONE' }],
          },
        },
      },
      {
        name: 'RateLimitPerIp',
        priority: 2,
        action: blockWith('throttled'),
        visibilityConfig: visibility('rate-limit'),
        statement: {
          rateBasedStatement: {
            aggregateKeyType: 'IP',
            limit: props.wafRateLimit,
            evaluationWindowSec: 300,
          },
        },
      },
      {
        name: 'AWSManagedRulesCommonRuleSet',
        priority: 3,
        overrideAction: { none: {} },
        visibilityConfig: visibility('common-rule-set'),
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesCommonRuleSet',
            // Vendor reviews are larger than the rule's 8 KB; the functions enforce 1 MiB.
            ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }],
          },
        },
      },
      {
        name: 'AWSManagedRulesKnownBadInputsRuleSet',
        priority: 4,
        overrideAction: { none: {} },
        visibilityConfig: visibility('known-bad-inputs'),
        statement: {
          managedRuleGroupStatement: {
            vendorName: 'AWS',
            name: 'AWSManagedRulesKnownBadInputsRuleSet',
          },
        },
      },
    );

    return new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description:
        'Proctoring reviews API: vendor allow-list, per-IP rate limit, AWS managed rules',
      visibilityConfig: visibility('web-acl'),
      customResponseBodies: Object.fromEntries(
        Object.entries(WAF_RESPONSE_BODIES).map(([key, { body }]) => [
          key,
          { contentType: 'APPLICATION_JSON', content: JSON.stringify(body) },
        ]),
      ),
      rules,
    });
  }

  /** A statement matching the allow-listed addresses (an IP set holds one address family). */
  private vendorAddresses(cidrs: readonly string[]): CfnWebACL.StatementProperty {
    const families = [
      { version: 'IPV4', id: 'VendorIpv4', addresses: cidrs.filter((c) => !c.includes(':')) },
      { version: 'IPV6', id: 'VendorIpv6', addresses: cidrs.filter((c) => c.includes(':')) },
    ].filter((family) => family.addresses.length > 0);
    const statements = families.map((family) => ({
      ipSetReferenceStatement: {
        arn: new CfnIPSet(this, family.id, {
          scope: 'REGIONAL',
          ipAddressVersion: family.version,
          addresses: family.addresses,
          description: 'Vendor addresses allowed to call the review callback',
        }).attrArn,
      },
    }));
    const [only] = statements;
    return statements.length === 1 && only ? only : { orStatement: { statements } };
  }
}
