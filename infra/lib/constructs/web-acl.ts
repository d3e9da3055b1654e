import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface WebAclProps {
  /** CLOUDFRONT (must be created in us-east-1) or REGIONAL (the ALB). */
  readonly scope: 'CLOUDFRONT' | 'REGIONAL';
  /** Names the ACL, its metrics and its log group. */
  readonly name: string;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Requests per client IP per 5 minutes before the IP is blocked. Only meaningful where the
   * client IP is the real one, i.e. at CloudFront.
   * @default - no rate-based rule
   */
  readonly rateLimit?: number;
  /**
   * Include the Amazon IP reputation list (source-IP based, so CloudFront only).
   * @default false
   */
  readonly ipReputation?: boolean;
  /**
   * The one path prefix whose request bodies may exceed the core rule set's size limit.
   * @default '/api/files'
   */
  readonly uploadPathPrefix?: string;
}

const BODY_SIZE_LABEL = 'awswaf:managed:aws:core-rule-set:SizeRestrictions_Body';

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

function managedGroup(
  name: string,
  priority: number,
  overrides: wafv2.CfnWebACL.RuleActionOverrideProperty[] = [],
): wafv2.CfnWebACL.RuleProperty {
  return {
    name,
    priority,
    overrideAction: { none: {} },
    statement: {
      managedRuleGroupStatement: {
        vendorName: 'AWS',
        name,
        ruleActionOverrides: overrides.length > 0 ? overrides : undefined,
      },
    },
    visibilityConfig: visibility(name),
  };
}

/**
 * A WAFv2 web ACL with AWS managed rule groups (core, known bad inputs, SQL injection and
 * optionally IP reputation), the core body-size rule relaxed for the upload route only, an
 * optional per-IP rate limit, and logging (authorization and cookie headers redacted).
 *
 * @example
 * const acl = new WebAcl(this, 'Waf', {
 *   scope: 'CLOUDFRONT', name: 'bastion-edge', logsKey, logRetention, rateLimit: 1000,
 * });
 * new cloudfront.Distribution(this, 'Cdn', { webAclId: acl.arn, ... });
 */
export class WebAcl extends Construct {
  public readonly arn: string;
  public readonly acl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const uploadPath = props.uploadPathPrefix ?? '/api/files';
    const rules: wafv2.CfnWebACL.RuleProperty[] = [];
    if (props.rateLimit !== undefined) {
      rules.push({
        name: 'RatePerIp',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP' } },
        visibilityConfig: visibility('RatePerIp'),
      });
    }
    if (props.ipReputation) rules.push(managedGroup('AWSManagedRulesAmazonIpReputationList', 5));
    // The core set blocks bodies over its limit; count instead, then block by label below
    // unless the request is an upload (whose size the server caps itself).
    rules.push(
      managedGroup('AWSManagedRulesCommonRuleSet', 10, [
        { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
      ]),
      {
        name: 'BodySizeExceptUploads',
        priority: 11,
        action: { block: {} },
        statement: {
          andStatement: {
            statements: [
              { labelMatchStatement: { scope: 'LABEL', key: BODY_SIZE_LABEL } },
              {
                notStatement: {
                  statement: {
                    byteMatchStatement: {
                      fieldToMatch: { uriPath: {} },
                      positionalConstraint: 'STARTS_WITH',
                      searchString: uploadPath,
                      textTransformations: [{ priority: 0, type: 'NONE' }],
                    },
                  },
                },
              },
            ],
          },
        },
        visibilityConfig: visibility('BodySizeExceptUploads'),
      },
      managedGroup('AWSManagedRulesKnownBadInputsRuleSet', 20),
      managedGroup('AWSManagedRulesSQLiRuleSet', 30),
    );

    this.acl = new wafv2.CfnWebACL(this, 'Acl', {
      name: props.name,
      scope: props.scope,
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rules,
    });
    this.arn = this.acl.attrArn;

    // WAF only logs to groups named aws-waf-logs-*, referenced by an ARN without ":*".
    const logGroupName = `aws-waf-logs-${props.name}`;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      encryptionKey: props.logsKey,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logging = new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.arn,
      logDestinationConfigs: [
        Stack.of(this).formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'cookie' } },
      ],
    });
    logging.node.addDependency(logGroup);
  }
}
