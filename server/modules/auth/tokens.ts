import { errors, jwtVerify, SignJWT } from 'jose';

/** The only algorithm accepted: `none`, RS/HS confusion and the rest are refused by jose. */
const ALGORITHMS = ['HS256'];
const VERIFIED_CACHE_SIZE = 10_000;

export interface AccessClaims {
  readonly sub: string;
  readonly sid: string;
  readonly jti: string;
  readonly exp: number;
}

export interface AccessTokenOptions {
  /** Signs new tokens and verifies them. */
  readonly secret: Uint8Array;
  /**
   * Secrets being rotated out: tokens they signed still verify until they expire (at most
   * one access-token lifetime), so a rotation signs nobody out.
   * @default - none
   */
  readonly previousSecrets?: readonly Uint8Array[];
  readonly issuer: string;
  readonly audience: string;
  readonly ttlSeconds: number;
}

/** Short-lived access tokens: signed claims about who and which session, checked on every request. */
export class AccessTokens {
  constructor(private readonly options: AccessTokenOptions) {}

  get ttlSeconds(): number {
    return this.options.ttlSeconds;
  }

  sign(userId: string, sessionId: string): Promise<string> {
    return new SignJWT({ sid: sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(userId)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${this.options.ttlSeconds}s`)
      .sign(this.options.secret);
  }

  /**
   * Tokens already verified, by their exact text: the signature of a token that was valid
   * once is valid until it expires, so a repeat costs a map lookup instead of an HMAC.
   * Bounded; the oldest entries go first. Expiry is still checked on every hit.
   */
  private readonly verified = new Map<string, AccessClaims>();

  /** The claims of a valid token, or undefined for anything else (expired, forged, malformed). */
  async verify(token: string): Promise<AccessClaims | undefined> {
    const known = this.verified.get(token);
    if (known) {
      if (known.exp * 1000 > Date.now()) return known;
      this.verified.delete(token);
      return undefined;
    }
    const claims = await this.verifySignature(token);
    if (claims) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) {
        this.verified.delete(this.verified.keys().next().value as string);
      }
      this.verified.set(token, claims);
    }
    return claims;
  }

  private async verifySignature(token: string): Promise<AccessClaims | undefined> {
    for (const secret of [this.options.secret, ...(this.options.previousSecrets ?? [])]) {
      const claims = await this.verifyWith(token, secret);
      if (claims) return claims;
    }
    return undefined;
  }

  private async verifyWith(token: string, secret: Uint8Array): Promise<AccessClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, secret, {
        algorithms: ALGORITHMS,
        issuer: this.options.issuer,
        audience: this.options.audience,
        requiredClaims: ['sub', 'sid', 'jti', 'exp', 'iat'],
        typ: 'JWT',
      });
      const { sub, sid, jti, exp } = payload;
      if (typeof sub !== 'string' || typeof sid !== 'string' || typeof jti !== 'string') {
        return undefined;
      }
      return { sub, sid, jti, exp: exp as number };
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}
