import {
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import {
  AttributeType,
  Billing,
  type GlobalSecondaryIndexPropsV2,
  ProjectionType,
  StreamViewType,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { type CfnEventBusPolicy, EventBus } from 'aws-cdk-lib/aws-events';
import { AccountPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { INDEXES } from '../lib/store/indexes.js';
import { registerEventSchemas } from './event-schemas.js';

/** The tables' indexes as `lib/store/indexes.ts` names them; every key is a string. */
function indexesOf(table: 'attempts' | 'reviews'): GlobalSecondaryIndexPropsV2[] {
  return Object.values(INDEXES)
    .filter((index) => index.table === table)
    .map((index) => ({
      indexName: index.indexName,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: { name: index.sortKey, type: AttributeType.STRING },
      ...(index.projection === 'all'
        ? { projectionType: ProjectionType.ALL }
        : { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.projection] }),
    }));
}

export interface StatefulStackProps extends StackProps {
  /** `prod` retains data and protects tables from deletion. */
  stage: string;
  /** The source the workflow puts events under; the archive keeps exactly those. */
  eventSource?: string;
  /** Accounts allowed to manage their own rules on the bus (see `docs/deploy.md`). */
  consumerAccounts?: readonly string[];
}

/** Read-write actions on rules, granted to consumer accounts for rules they created themselves. */
export const CONSUMER_RULE_ACTIONS = [
  'events:PutRule',
  'events:DeleteRule',
  'events:DescribeRule',
  'events:DisableRule',
  'events:EnableRule',
  'events:PutTargets',
  'events:RemoveTargets',
];

/**
 * What holds data: the attempts and reviews tables (layout in `lib/store/README.md`), the event
 * bus with its archive, and the two secrets. Kept apart from the functions so a redeploy of code
 * can never replace a table, and losing a secret (the vendor's HMAC key, the key that decrypts
 * stored video links) cannot happen by accident.
 */
export class StatefulStack extends Stack {
  readonly attemptsTable: TableV2;
  readonly reviewsTable: TableV2;
  readonly eventBus: EventBus;
  /** HMAC secrets for the vendor callback: a comma-separated list, any one of which verifies. */
  readonly callbackSecret: Secret;
  /** AES-256 keys (64 hex characters each, comma-separated) for `videoReviewLink`. */
  readonly videoUrlKey: Secret;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const prod = props.stage === 'prod';
    const removalPolicy = prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const durability = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: prod,
      removalPolicy,
    };

    this.attemptsTable = new TableV2(this, 'AttemptsTable', {
      partitionKey: { name: 'attemptCode', type: AttributeType.STRING },
      // The staff queue: attempts by status, most recently changed first.
      globalSecondaryIndexes: indexesOf('attempts'),
      ...durability,
    });

    this.reviewsTable = new TableV2(this, 'ReviewsTable', {
      partitionKey: { name: 'attemptCode', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      // The workflow reads new revisions from the stream; old images make replays and audits possible.
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      // The reconciler finds unprocessed revisions, and reprocessing a time range, by index.
      globalSecondaryIndexes: indexesOf('reviews'),
      ...durability,
    });

    // A fixed name gives analysts an ARN that survives any redeploy of this stack.
    this.eventBus = new EventBus(this, 'EventBus', {
      eventBusName: `proctoring-reviews-${props.stage}`,
      description: 'Proctoring review events (docs/events.md)',
    });
    this.eventBus.applyRemovalPolicy(removalPolicy);
    const eventSource = props.eventSource ?? 'edx.proctoring';
    const archive = this.eventBus.archive('EventArchive', {
      description: 'Every event the workflow published, for replay to new or repaired consumers',
      eventPattern: { source: [eventSource] },
      retention: prod ? Duration.days(365) : Duration.days(30),
    });
    archive.applyRemovalPolicy(removalPolicy);
    const consumers = props.consumerAccounts ?? [];
    if (consumers.length > 0) {
      // Cross-account subscription: each listed account creates rules on this bus (by ARN) that
      // target an event bus in its own account. It may touch only rules it created itself.
      const { policyDependable } = this.eventBus.addToResourcePolicy(
        new PolicyStatement({
          sid: 'ConsumerAccountsManageOwnRules',
          principals: consumers.map((account) => new AccountPrincipal(account)),
          actions: CONSUMER_RULE_ACTIONS,
          resources: [
            this.formatArn({
              service: 'events',
              resource: 'rule',
              resourceName: `${this.eventBus.eventBusName}/*`,
            }),
          ],
          conditions: {
            // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, filled in by IAM
            StringEqualsIfExists: { 'events:creatorAccount': '${aws:PrincipalAccount}' },
          },
        }),
      );
      // The policy is a `Statement`. cdk-nag's AwsSolutions-EVB1 also reads the deprecated
      // `principal` property of every CfnEventBusPolicy, which prints a deprecation warning on
      // each synth; this one has none, so it answers that without the deprecated getter.
      const policy = (policyDependable as Construct | undefined)?.node.defaultChild;
      Object.defineProperty(policy as CfnEventBusPolicy, 'principal', { value: undefined });
    }
    registerEventSchemas(this, `proctoring-reviews-${props.stage}`, eventSource);

    // Values are generated by Secrets Manager at creation, so they never appear in the template.
    this.callbackSecret = new Secret(this, 'CallbackSecret', {
      secretName: `proctoring-reviews/${props.stage}/callback-secret`,
      description:
        'HMAC secrets for the vendor review callback: comma-separated, any one verifies (rotation)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    this.videoUrlKey = new Secret(this, 'VideoUrlKey', {
      secretName: `proctoring-reviews/${props.stage}/video-url-key`,
      description:
        'AES-256 keys for videoReviewLink: 64 hex characters each, comma-separated; the first encrypts, all decrypt',
      // Lower-case letters g-z excluded: what is left is exactly the hex alphabet.
      generateSecretString: {
        passwordLength: 64,
        excludePunctuation: true,
        excludeUppercase: true,
        includeSpace: false,
        excludeCharacters: 'ghijklmnopqrstuvwxyz',
      },
      removalPolicy,
    });
    for (const secret of [this.callbackSecret, this.videoUrlKey]) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotated by hand as documented in docs/deploy.md: a new value is prepended to the comma-separated list and old ones are dropped later. A rotation Lambda cannot coordinate the HMAC secret with the vendor, and old video keys must stay to decrypt stored links.',
      });
    }

    new CfnOutput(this, 'EventBusName', {
      value: this.eventBus.eventBusName,
      description: 'Event bus that carries the review events',
    });
    new CfnOutput(this, 'EventBusArn', {
      value: this.eventBus.eventBusArn,
      description: 'ARN to create rules on (also from other accounts listed in CONSUMER_ACCOUNTS)',
    });
    new CfnOutput(this, 'CallbackSecretArn', {
      value: this.callbackSecret.secretArn,
      description: 'Secret holding the vendor HMAC secret(s)',
    });
    new CfnOutput(this, 'VideoUrlKeySecretArn', {
      value: this.videoUrlKey.secretArn,
      description: 'Secret holding the video link encryption key(s)',
    });
  }
}
