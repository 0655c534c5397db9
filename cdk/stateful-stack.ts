import { RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';

export interface StatefulStackProps extends StackProps {
  /** `prod` retains data and protects tables from deletion. */
  stage: string;
}

/**
 * What holds data: the attempts and reviews tables (layout in `lib/store/README.md`). Kept apart
 * from the functions so a redeploy of code can never replace a table.
 */
export class StatefulStack extends Stack {
  readonly attemptsTable: TableV2;
  readonly reviewsTable: TableV2;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const prod = props.stage === 'prod';
    const durability = {
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.attemptsTable = new TableV2(this, 'AttemptsTable', {
      partitionKey: { name: 'attemptCode', type: AttributeType.STRING },
      ...durability,
    });

    this.reviewsTable = new TableV2(this, 'ReviewsTable', {
      partitionKey: { name: 'attemptCode', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      // The workflow reads new revisions from the stream; old images make replays and audits possible.
      dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,
      ...durability,
    });
  }
}
