import {
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  RemovalPolicy,
  Validations,
} from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ORIGIN_VERIFY_HEADER } from './api.ts';
import { SECURE_BUCKET_DEFAULTS } from './bucket-defaults.ts';

export interface StaticSiteProps {
  readonly domainName: string;
  readonly hostedZone: route53.IHostedZone;
  /** Viewer certificate, issued in us-east-1. */
  readonly certificate: acm.ICertificate;
  /** CLOUDFRONT-scope web ACL (us-east-1). */
  readonly webAclArn: string;
  /** Lambda@Edge version adding the security headers to client responses. */
  readonly securityHeaders: lambda.IVersion;
  /** Internal ALB reached through a CloudFront VPC origin. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly originDomainName: string;
  readonly originVerifyValue: string;
  readonly accessLogs: s3.IBucket;
  /**
   * @default '/api/*'
   */
  readonly apiPathPattern?: string;
}

/** Serves index.html for client-side routes (paths without a file extension). */
const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('.') === -1) { request.uri = '/index.html'; }
  return request;
}`;

/**
 * The public face: a private S3 bucket for the built client read through Origin Access
 * Control, and a CloudFront distribution (TLS 1.2_2021, HTTP/2+3, access logs, WAF) that sends
 * `/api/*` to the internal ALB as a VPC origin, plus Route 53 alias records.
 *
 * @example
 * new StaticSite(this, 'Site', { domainName, hostedZone, certificate, webAclArn, ... });
 */
export class StaticSite extends Construct {
  public readonly bucket: s3.IBucket;
  public readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    // The edge inputs live in us-east-1, and every Lambda@Edge code change publishes a new
    // version ARN. A strong cross-region reference (SSM export writer) refuses to change a
    // value in use; a weak one (Fn::GetStackOutput) follows it on the next deploy.
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    this.bucket = new s3.Bucket(this, 'Client', {
      ...SECURE_BUCKET_DEFAULTS,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'client/',
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const apiOrigin = origins.VpcOrigin.withApplicationLoadBalancer(props.loadBalancer, {
      domainName: props.originDomainName,
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [ORIGIN_VERIFY_HEADER]: props.originVerifyValue },
      readTimeout: Duration.seconds(60),
    });

    this.distribution = new cloudfront.Distribution(this, 'Cdn', {
      comment: 'Bastion',
      domainNames: [props.domainName],
      certificate: props.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      webAclId: props.webAclArn,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'SpaRewrite', {
              code: cloudfront.FunctionCode.fromInline(SPA_REWRITE),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
            }),
          },
        ],
        // Origin-response: runs on cache misses only; the headers are cached with the object.
        edgeLambdas: [
          {
            eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE,
            functionVersion: props.securityHeaders,
          },
        ],
      },
      additionalBehaviors: {
        // The API sets the same headers itself (server/security/headers.ts): no edge function.
        [props.apiPathPattern ?? '/api/*']: {
          origin: apiOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        },
      },
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Bastion serves its users wherever they are; abuse is handled by WAF, not geography.',
    });

    const target = route53.RecordTarget.fromAlias(new targets.CloudFrontTarget(this.distribution));
    new route53.ARecord(this, 'AliasV4', {
      zone: props.hostedZone,
      recordName: props.domainName,
      target,
    });
    new route53.AaaaRecord(this, 'AliasV6', {
      zone: props.hostedZone,
      recordName: props.domainName,
      target,
    });
  }
}
