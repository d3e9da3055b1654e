import { Stack, type StackProps } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { BastionConfig } from '../config.ts';
import { CLOUDFRONT_RULES, Compliance } from '../constructs/compliance.ts';
import { Edge } from '../constructs/edge.ts';
import { createLogsKey } from '../constructs/keys.ts';

export interface EdgeStackProps extends StackProps {
  readonly config: BastionConfig;
  /**
   * Name of the main region's log archive, where this region's AWS Config recorder delivers.
   * @default - no compliance recording here (the main region is us-east-1 and covers it)
   */
  readonly configDeliveryBucketName?: string;
}

/**
 * The us-east-1 half of the stateless tier: CloudFront's web ACL, viewer certificate and
 * Lambda@Edge function, with a logs key of its own, plus the CloudFront Config rules.
 *
 * @example
 * new EdgeStack(app, 'Bastion-Edge', { env: { account, region: 'us-east-1' }, config });
 */
export class EdgeStack extends Stack {
  public readonly edge: Edge;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const hostedZone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: config.hostedZoneId,
      zoneName: config.hostedZoneName,
    });
    this.edge = new Edge(this, 'Edge', {
      domainName: config.domainName,
      hostedZone,
      logsKey: createLogsKey(this, 'LogsKey'),
      logRetention: config.logRetentionDays as logs.RetentionDays,
    });
    if (props.configDeliveryBucketName) {
      new Compliance(this, 'Compliance', {
        rules: CLOUDFRONT_RULES,
        // By name: a cross-region reference would cost a custom resource for a constant.
        deliveryBucket: s3.Bucket.fromBucketName(
          this,
          'LogArchive',
          props.configDeliveryBucketName,
        ),
        recorder: config.enableConfigRecorder,
        guardDuty: config.enableGuardDuty,
      });
    }
  }
}
