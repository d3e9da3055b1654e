import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface AuthProps {
  /** The public origin, e.g. `https://bastion.example.com`: callback and sign-out URLs. */
  readonly appOrigin: string;
  /** `<prefix>.auth.<region>.amazoncognito.com` hosts the sign-in pages. */
  readonly domainPrefix: string;
  /**
   * Path of the server's OAuth callback.
   * @default '/api/auth/cognito/callback'
   */
  readonly callbackPath?: string;
  /**
   * Whether people may create their own accounts through the hosted UI.
   * @default false - accounts are created by an admin
   */
  readonly selfSignUp?: boolean;
}

/** The roles of Bastion's RBAC, mirrored as Cognito groups (claim `cognito:groups`). */
export const BASTION_GROUPS = ['admin', 'auditor', 'user'] as const;

/**
 * Cognito identity for Bastion: a user pool with a 14-character password policy, mandatory
 * TOTP MFA, threat protection (Plus plan, full function), the admin/auditor/user groups, a
 * public app client for the authorization-code flow with PKCE, and a hosted UI domain.
 *
 * @example
 * const auth = new Auth(this, 'Auth', {
 *   appOrigin: 'https://bastion.example.com',
 *   domainPrefix: 'bastion-example',
 * });
 */
export class Auth extends Construct {
  public readonly userPool: cognito.UserPool;
  public readonly client: cognito.UserPoolClient;
  /** `https://<prefix>.auth.<region>.amazoncognito.com`. */
  public readonly domainUrl: string;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: props.selfSignUp ?? false,
      signInAliases: { email: true, username: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
        passwordHistorySize: 12,
      },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    BASTION_GROUPS.forEach((groupName, precedence) => {
      new cognito.UserPoolGroup(this, `Group-${groupName}`, {
        userPool: this.userPool,
        groupName,
        precedence,
        description: `Bastion role ${groupName}`,
      });
    });

    this.client = this.userPool.addClient('Web', {
      generateSecret: false,
      authFlows: { userSrp: true },
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [`${props.appOrigin}${props.callbackPath ?? '/api/auth/cognito/callback'}`],
        logoutUrls: [`${props.appOrigin}/`],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(10),
      idTokenValidity: Duration.minutes(10),
      refreshTokenValidity: Duration.hours(12),
    });

    const domain = this.userPool.addDomain('Hosted', {
      cognitoDomain: { domainPrefix: props.domainPrefix },
    });
    this.domainUrl = domain.baseUrl();
  }
}
