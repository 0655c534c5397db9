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
import { ApiGatewayAccountLogging } from './api-gateway-account.js';

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
 * Gateway responses in the documented `{detail, code}` shape; `detail` left out means API
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
  // No internal message leaves a 5xx (docs/api.md); the status tells the vendor to retry.
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

/**
 * Each WAF rule with its priority and the suffix of its CloudWatch metric name. Priorities are
 * fixed, so a rule keeps its place whether or not the allow-list exists.
 */
export const WAF_RULES = {
  VendorIpAllowList: { priority: 0, metric: 'vendor-ip-allow-list' },
  BodyOverLimit: { priority: 1, metric: 'body-over-limit' },
  RateLimitPerIp: { priority: 2, metric: 'rate-limit' },
  AWSManagedRulesCommonRuleSet: { priority: 3, metric: 'common-rule-set' },
  AWSManagedRulesKnownBadInputsRuleSet: { priority: 4, metric: 'known-bad-inputs' },
} as const;

export type WafRuleName = keyof typeof WAF_RULES;

/** A rule's metric name, the `Rule` dimension of its `AWS/WAFV2` metrics. */
export function wafMetricName(stage: string, rule: WafRuleName): string {
  return `proctoring-reviews-${stage}-${WAF_RULES[rule].metric}`;
}

function visibility(metricName: string): CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

/** Blocks callbacks from outside the vendor's addresses; other routes are not affected. */
function vendorIpAllowListRule(
  vendorAddresses: CfnWebACL.StatementProperty,
  visibilityConfig: CfnWebACL.VisibilityConfigProperty,
): CfnWebACL.RuleProperty {
  return {
    name: 'VendorIpAllowList',
    priority: WAF_RULES.VendorIpAllowList.priority,
    action: { block: {} },
    visibilityConfig,
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
          { notStatement: { statement: vendorAddresses } },
        ],
      },
    },
  };
}

/**
 * Lambda cannot take a body much above 4 MB (base64 in a 6 MB event), API Gateway takes 10 MB:
 * declared sizes over the documented 1 MiB get their 413 here, not a 5xx later.
 */
function bodyOverLimitRule(
  visibilityConfig: CfnWebACL.VisibilityConfigProperty,
): CfnWebACL.RuleProperty {
  return {
    name: 'BodyOverLimit',
    priority: WAF_RULES.BodyOverLimit.priority,
    action: blockWith('payload-too-large'),
    visibilityConfig,
    statement: {
      regexMatchStatement: {
        fieldToMatch: { singleHeader: { Name: 'content-length' } },
        regexString: integerAbove(MAX_BODY_BYTES),
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    },
  };
}

function rateLimitPerIpRule(
  limit: number,
  visibilityConfig: CfnWebACL.VisibilityConfigProperty,
): CfnWebACL.RuleProperty {
  return {
    name: 'RateLimitPerIp',
    priority: WAF_RULES.RateLimitPerIp.priority,
    action: blockWith('throttled'),
    visibilityConfig,
    statement: {
      rateBasedStatement: { aggregateKeyType: 'IP', limit, evaluationWindowSec: 300 },
    },
  };
}

/** An AWS managed rule group under its own name, with the given rules' actions overridden. */
function managedRuleGroup(
  name: 'AWSManagedRulesCommonRuleSet' | 'AWSManagedRulesKnownBadInputsRuleSet',
  visibilityConfig: CfnWebACL.VisibilityConfigProperty,
  ruleActionOverrides?: CfnWebACL.RuleActionOverrideProperty[],
): CfnWebACL.RuleProperty {
  return {
    name,
    priority: WAF_RULES[name].priority,
    overrideAction: { none: {} },
    visibilityConfig,
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ...(ruleActionOverrides ? { ruleActionOverrides } : {}),
      },
    },
  };
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
 * The REST API of docs/api.md: the public vendor callback, the IAM-authorised internal
 * API, gateway errors in the documented shape, and a WAF web ACL in front of the stage.
 */
export class ReviewApi extends Construct {
  readonly restApi: RestApi;
  readonly accessLogs: LogGroup;
  readonly accountLogging: ApiGatewayAccountLogging;
  readonly webAcl: CfnWebACL;
  /** The web ACL's name: the `WebACL` dimension of its CloudWatch metrics. */
  readonly webAclName: string;
  /** The web ACL's rules with their metric names (the `Rule` dimension), in priority order. */
  readonly wafRules: ReadonlyArray<{ name: WafRuleName; metricName: string }>;
  readonly callbackMethod: Method;
  readonly internalMethods: Method[];

  constructor(scope: Construct, id: string, props: ReviewApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    this.restApi = this.createRestApi(props);
    // API Gateway refuses a stage with access logging until the account names a logging role.
    this.accountLogging = new ApiGatewayAccountLogging(this, 'AccountLogging');
    this.restApi.deploymentStage.node.addDependency(this.accountLogging.account);
    this.addGatewayResponses();

    // ANY: the functions answer 405 with the documented body for methods a route does not take.
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
    this.acknowledgeFindings();

    this.webAclName = `proctoring-reviews-${props.stage}`;
    const rules = this.wafRuleList(props);
    this.wafRules = (Object.keys(WAF_RULES) as WafRuleName[])
      .filter((name) => rules.some((rule) => rule.name === name))
      .map((name) => ({ name, metricName: wafMetricName(props.stage, name) }));
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      name: this.webAclName,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      description:
        'Proctoring reviews API: vendor allow-list, per-IP rate limit, AWS managed rules',
      visibilityConfig: visibility(`proctoring-reviews-${props.stage}-web-acl`),
      customResponseBodies: Object.fromEntries(
        Object.entries(WAF_RESPONSE_BODIES).map(([key, { body }]) => [
          key,
          { contentType: 'APPLICATION_JSON', content: JSON.stringify(body) },
        ]),
      ),
      rules,
    });
    new CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.restApi.deploymentStage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  private createRestApi(props: ReviewApiProps): RestApi {
    return new RestApi(this, 'RestApi', {
      restApiName: `proctoring-reviews-${props.stage}`,
      description: 'Vendor review callback and internal attempts API',
      endpointTypes: [EndpointType.REGIONAL],
      // Every body reaches the function as base64 of the exact bytes received, which the callback
      // verifies its HMAC over, whatever Content-Type the vendor sends.
      binaryMediaTypes: ['*/*'],
      // The account's logging role is ApiGatewayAccountLogging: explicit, retained, and a
      // dependency of the stage.
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stage,
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: accessLogFormat(),
        dataTraceEnabled: false,
        tracingEnabled: true,
      },
    });
  }

  private addGatewayResponses(): void {
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
  }

  private acknowledgeFindings(): void {
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are validated by the functions, which answer the documented 400 {detail, code} naming the field; a gateway model would answer in another shape.',
    });
    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logs go to log groups API Gateway creates itself, outside the stack and kept forever, and can carry request data; JSON access logs record every request with its error type and message.',
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
  }

  /** The web ACL's rules in priority order; the allow-list only when addresses are given. */
  private wafRuleList(props: ReviewApiProps): CfnWebACL.RuleProperty[] {
    const metric = (rule: WafRuleName) => visibility(wafMetricName(props.stage, rule));
    return [
      ...(props.vendorIpAllowList.length > 0
        ? [
            vendorIpAllowListRule(
              this.vendorAddresses(props.vendorIpAllowList),
              metric('VendorIpAllowList'),
            ),
          ]
        : []),
      bodyOverLimitRule(metric('BodyOverLimit')),
      rateLimitPerIpRule(props.wafRateLimit, metric('RateLimitPerIp')),
      managedRuleGroup('AWSManagedRulesCommonRuleSet', metric('AWSManagedRulesCommonRuleSet'), [
        // Vendor reviews are larger than the rule's 8 KB; the functions enforce 1 MiB.
        { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
      ]),
      managedRuleGroup(
        'AWSManagedRulesKnownBadInputsRuleSet',
        metric('AWSManagedRulesKnownBadInputsRuleSet'),
      ),
    ];
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
