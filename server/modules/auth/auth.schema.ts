import { t } from 'elysia';
import { DisplayName, Email, PasswordInput, Username } from '../users/user.schema.ts';

/** `body` hands the tokens to API clients in the response; browsers keep the cookie default. */
const TokenDelivery = t.Optional(t.Union([t.Literal('cookie'), t.Literal('body')]));

export const RegisterBody = t.Object(
  {
    email: Email,
    username: Username,
    password: PasswordInput,
    displayName: t.Optional(DisplayName),
  },
  { additionalProperties: false },
);

export const LoginBody = t.Object(
  {
    identifier: t.String({ minLength: 1, maxLength: 254, description: 'Email or username' }),
    password: PasswordInput,
    tokenDelivery: TokenDelivery,
  },
  { additionalProperties: false },
);

export const RefreshBody = t.Optional(
  t.Object(
    {
      refreshToken: t.Optional(t.String({ minLength: 1, maxLength: 128 })),
      tokenDelivery: TokenDelivery,
    },
    { additionalProperties: false },
  ),
);

export const ChangePasswordBody = t.Object(
  { currentPassword: PasswordInput, newPassword: PasswordInput },
  { additionalProperties: false },
);
