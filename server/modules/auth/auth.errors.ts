export const AuthErrors = {
  invalidCredentials: 'invalid_credentials',
  accountDisabled: 'account_disabled',
  tooManyAttempts: 'too_many_attempts',
  weakPassword: 'weak_password',
  emailTaken: 'email_taken',
  usernameTaken: 'username_taken',
  invalidRefreshToken: 'invalid_refresh_token',
  refreshTokenReused: 'refresh_token_reused',
  sessionEnded: 'session_ended',
  csrfOrigin: 'csrf_origin_rejected',
} as const;
