import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { securityHeadersHandlerSource } from '../edge/security-headers.ts';
import { nagPartition } from '../nag-ids.ts';
import { WebAcl } from './web-acl.ts';

export interface EdgeProps {
  /** The viewer-facing host name the certificate covers. */
  readonly domainName: string;
  readonly hostedZone: route53.IHostedZone;
  readonly logsKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Requests per client IP per 5 minutes.
   * @default 1000
   */
  readonly rateLimit?: number;
  /**
   * @default '/api/files'
   */
  readonly uploadPathPrefix?: string;
}

/**
 * What CloudFront requires to live in us-east-1: the CLOUDFRONT-scope web ACL, the viewer
 * certificate, and the Lambda@Edge function that adds the security headers (built from the
 * server's own header table).
 *
 * @example
 * // in a stack with env.region = 'us-east-1'
 * const edge = new Edge(this, 'Edge', { domainName, hostedZone, logsKey, logRetention });
 */
export class Edge extends Construct {
  public readonly webAclArn: string;
  public readonly certificate: acm.ICertificate;
  public readonly securityHeaders: lambda.IVersion;

  constructor(scope: Construct, id: string, props: EdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (!Token.isUnresolved(stack.region) && stack.region !== 'us-east-1') {
      throw new Error(`Edge must be in us-east-1, not ${stack.region}`);
    }

    this.webAclArn = new WebAcl(this, 'Waf', {
      scope: 'CLOUDFRONT',
      name: 'bastion-edge',
      logsKey: props.logsKey,
      logRetention: props.logRetention,
      rateLimit: props.rateLimit ?? 1000,
      ipReputation: true,
      uploadPathPrefix: props.uploadPathPrefix,
    }).arn;

    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      validation: acm.CertificateValidation.fromDns(props.hostedZone),
    });

    const functionName = `${stack.stackName}-security-headers`;
    const role = new iam.Role(this, 'SecurityHeadersRole', {
      assumedBy: new iam.CompositePrincipal(
        new iam.ServicePrincipal('lambda.amazonaws.com'),
        new iam.ServicePrincipal('edgelambda.amazonaws.com'),
      ),
    });
    // Lambda@Edge writes its logs in whichever region served the request.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [
          `arn:${stack.partition}:logs:*:${stack.account}:log-group:/aws/lambda/us-east-1.${functionName}:*`,
        ],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:${nagPartition(this)}:logs:*:${stack.account}:log-group:/aws/lambda/us-east-1.${functionName}:*]`,
      reason: 'Lambda@Edge logs to a group named after the function in every edge region.',
    });

    const fn = new lambda.Function(this, 'SecurityHeaders', {
      functionName,
      description: 'Adds the Bastion security headers to client responses',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(securityHeadersHandlerSource()),
      memorySize: 128,
      timeout: Duration.seconds(5),
      role,
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Lambda@Edge accepts fewer runtimes than Lambda; nodejs22.x is its newest Node.',
    });
    // The group CDK creates for the function (flag useCdkManagedLogGroup) takes no options:
    // give it the same key and retention as every other group.
    const managed = fn.node.tryFindChild('LogGroup')?.node.defaultChild;
    if (managed instanceof logs.CfnLogGroup) {
      managed.kmsKeyId = props.logsKey.keyArn;
      managed.retentionInDays = props.logRetention;
    }
    this.securityHeaders = fn.currentVersion;
  }
}
