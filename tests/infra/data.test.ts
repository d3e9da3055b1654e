import { beforeAll, describe, expect, setDefaultTimeout, test } from 'bun:test';
import { Match } from 'aws-cdk-lib/assertions';
import {
  allTemplates,
  onlyResource,
  resourcesOf,
  type Synthesized,
  synthesized,
} from './support/synth.ts';

// Argon2, databases and child processes are slow on purpose; speed is measured by the bench.
setDefaultTimeout(30_000);

let s: Synthesized;
beforeAll(() => {
  s = synthesized();
});

const dataKeyRef = () => {
  const [id] = Object.entries(resourcesOf(s.data, 'AWS::KMS::Key')).find(([, key]) =>
    String(key.Properties.Description).includes('database'),
  )!;
  return { 'Fn::GetAtt': [id, 'Arn'] };
};

describe('PostgreSQL', () => {
  test('is encrypted with the data CMK, Multi-AZ, private, IAM-authenticated, protected', () => {
    s.data.hasResourceProperties('AWS::RDS::DBInstance', {
      Engine: 'postgres',
      StorageEncrypted: true,
      KmsKeyId: dataKeyRef(),
      MultiAZ: true,
      PubliclyAccessible: false,
      EnableIAMDatabaseAuthentication: true,
      DeletionProtection: true,
      Port: '5433',
      BackupRetentionPeriod: 14,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
    });
    expect(onlyResource(s.data, 'AWS::RDS::DBInstance').DeletionPolicy).toBe('Snapshot');
  });

  test('lives in the isolated subnets', () => {
    const group = onlyResource(s.data, 'AWS::RDS::DBSubnetGroup');
    const subnetIds = group.Properties.SubnetIds as Array<{ Ref: string }>;
    const subnets = resourcesOf(s.data, 'AWS::EC2::Subnet');
    expect(subnetIds.length).toBeGreaterThanOrEqual(2);
    for (const { Ref } of subnetIds) {
      const tags = subnets[Ref]!.Properties.Tags as Array<{ Key: string; Value: string }>;
      expect(tags).toContainEqual({ Key: 'aws-cdk:subnet-type', Value: 'Isolated' });
    }
  });

  test('forces TLS and SCRAM passwords', () => {
    s.data.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: Match.objectLike({
        'rds.force_ssl': '1',
        password_encryption: 'scram-sha-256',
      }),
    });
  });

  test('credentials are a CMK-encrypted secret rotated every 30 days', () => {
    s.data.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      RotationRules: { ScheduleExpression: 'rate(30 days)' },
    });
    for (const secret of Object.values(resourcesOf(s.data, 'AWS::SecretsManager::Secret'))) {
      expect(secret.Properties.KmsKeyId).toEqual(dataKeyRef());
    }
  });
});

describe('Redis', () => {
  test('replication group encrypts at rest and in transit, requires AUTH, fails over', () => {
    s.data.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      AtRestEncryptionEnabled: true,
      KmsKeyId: dataKeyRef(),
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      NumCacheClusters: 2,
      Port: 6380,
      AuthToken: Match.objectLike({
        'Fn::Join': ['', Match.arrayWith(['{{resolve:secretsmanager:'])],
      }),
    });
  });

  test('the AUTH token never appears in a template', () => {
    const text = JSON.stringify(s.data.toJSON());
    const group = onlyResource(s.data, 'AWS::ElastiCache::ReplicationGroup');
    expect(typeof group.Properties.AuthToken).not.toBe('string');
    expect(text).not.toMatch(/"AuthToken":"[A-Za-z0-9]{16,}"/);
  });
});

describe('buckets', () => {
  test('the uploads bucket uses SSE-KMS with its own key, versioning and access logs', () => {
    const uploadsKey = Object.entries(resourcesOf(s.data, 'AWS::KMS::Key')).find(([, key]) =>
      String(key.Properties.Description).includes('uploaded files'),
    )![0];
    s.data.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: `bastion-uploads-${s.config.account}-${s.config.region}`,
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [uploadsKey, 'Arn'] },
            },
            BucketKeyEnabled: true,
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'uploads/' }),
    });
  });

  test('every bucket blocks public access and every bucket policy denies plain HTTP', () => {
    for (const template of allTemplates(s)) {
      for (const bucket of Object.values(resourcesOf(template, 'AWS::S3::Bucket'))) {
        expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
      }
      const buckets = Object.keys(resourcesOf(template, 'AWS::S3::Bucket'));
      const policies = Object.values(resourcesOf(template, 'AWS::S3::BucketPolicy'));
      expect(policies.length).toBe(buckets.length);
      for (const policy of policies) {
        const statements = (policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement;
        expect(statements).toContainEqual(
          expect.objectContaining({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        );
      }
    }
  });

  test('the task role may touch uploaded objects only, never list or reconfigure', () => {
    const policies = JSON.stringify(resourcesOf(s.app, 'AWS::IAM::Policy'));
    expect(policies).toContain(`bastion-uploads-${s.config.account}-${s.config.region}/*`);
    expect(policies).not.toMatch(/"s3:\*"|"s3:List\*"|"s3:PutBucket/);
  });
});

describe('Cognito', () => {
  test('the user pool demands strong passwords, TOTP MFA and full threat protection', () => {
    s.data.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
  });

  test('has the admin, auditor and user groups', () => {
    const groups = Object.values(resourcesOf(s.data, 'AWS::Cognito::UserPoolGroup')).map(
      (group) => group.Properties.GroupName,
    );
    expect(groups.sort()).toEqual(['admin', 'auditor', 'user']);
  });

  test('the app client is public and uses the authorization-code flow only', () => {
    s.data.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      PreventUserExistenceErrors: 'ENABLED',
      CallbackURLs: [`https://${s.config.domainName}/api/auth/cognito/callback`],
    });
    s.data.hasResourceProperties('AWS::Cognito::UserPoolDomain', {
      Domain: s.config.cognitoDomainPrefix,
    });
  });
});
