import * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * The baseline every Bastion bucket starts from: never public, TLS 1.2+ only. Each construct
 * adds its own encryption, ownership, logging and lifecycle on top.
 */
export const SECURE_BUCKET_DEFAULTS = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
} as const satisfies Partial<s3.BucketProps>;
