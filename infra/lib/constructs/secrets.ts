import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface AppSecretsProps {
  /** Encrypts every secret. */
  readonly dataKey: kms.IKey;
  /** The KMS key the application wraps its field-encryption data keys with. */
  readonly fieldEncryptionKey: kms.IKey;
}

/**
 * The application's secrets in Secrets Manager, encrypted with the data key. The ECS task
 * receives each as an ECS secret (resolved at task start), never as plain environment.
 * The database credentials belong to `Database`, which rotates them.
 *
 * @example
 * const secrets = new AppSecrets(this, 'Secrets', { dataKey: keys.data, fieldEncryptionKey: keys.data });
 * ecs.Secret.fromSecretsManager(secrets.jwtSecret);
 */
export class AppSecrets extends Construct {
  /** ElastiCache AUTH token: 64 alphanumerics (AUTH tokens forbid `@`, `"` and `/`). */
  public readonly redisAuthToken: secretsmanager.ISecret;
  /** HMAC key for the access JWTs. */
  public readonly jwtSecret: secretsmanager.ISecret;
  /** JSON `{ "keyId": "<kms key arn>" }`: the key envelope encryption of fields uses. */
  public readonly fieldEncryptionKeyId: secretsmanager.ISecret;
  /** `smtps://user:password@email-smtp.<region>.amazonaws.com:465`, filled in by the operator. */
  public readonly smtpUrl: secretsmanager.ISecret;
  /** First admin's initial password, read by `create-admin` in the one-off admin task. */
  public readonly adminPassword: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: AppSecretsProps) {
    super(scope, id);
    const common = { encryptionKey: props.dataKey, removalPolicy: RemovalPolicy.RETAIN };

    this.redisAuthToken = new secretsmanager.Secret(this, 'RedisAuthToken', {
      ...common,
      description: 'Bastion: ElastiCache AUTH token',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.jwtSecret = new secretsmanager.Secret(this, 'JwtSecret', {
      ...common,
      description: 'Bastion: access-token signing key',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    this.fieldEncryptionKeyId = new secretsmanager.Secret(this, 'FieldEncryptionKeyId', {
      ...common,
      description: 'Bastion: KMS key used for field envelope encryption',
      // A key ARN is not confidential; it lives here so that the key in use changes with a
      // secret update and a redeploy, like every other piece of crypto configuration.
      secretObjectValue: {
        keyId: SecretValue.unsafePlainText(props.fieldEncryptionKey.keyArn),
      },
    });
    this.smtpUrl = new secretsmanager.Secret(this, 'SmtpUrl', {
      ...common,
      description: 'Bastion: SMTP URL with SES SMTP credentials (set after deploy)',
      generateSecretString: { passwordLength: 32, excludePunctuation: true },
    });

    this.adminPassword = new secretsmanager.Secret(this, 'AdminPassword', {
      ...common,
      description: 'Bastion: initial password of the first admin (change it at first sign-in)',
      generateSecretString: { passwordLength: 32, excludeCharacters: '"\'\\`' },
    });

    const manual = (secret: secretsmanager.ISecret, reason: string) =>
      Validations.of(secret).acknowledge({ id: 'AwsSolutions-SMG4', reason });
    manual(
      this.redisAuthToken,
      'ElastiCache AUTH tokens have no managed rotation function; docs/deploy.md rotates it with ' +
        'the ROTATE auth-token strategy, which keeps the old token valid during the switch.',
    );
    manual(
      this.jwtSecret,
      'Rotating the JWT key invalidates every access token (10 min lifetime); docs/deploy.md ' +
        'describes the planned rotation and forced redeploy.',
    );
    manual(
      this.fieldEncryptionKeyId,
      'Holds a key identifier, not key material; the KMS key itself rotates yearly.',
    );
    manual(
      this.adminPassword,
      'Used once by create-admin; the admin replaces the password at first sign-in.',
    );
    manual(
      this.smtpUrl,
      'SES SMTP credentials are derived from an IAM user key and rotated with it (docs/deploy.md).',
    );
  }
}
