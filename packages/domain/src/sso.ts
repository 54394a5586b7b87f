import { z } from 'zod';

// Single sign-on with a district's OpenID Connect provider (Google Workspace, Microsoft Entra
// ID, Clever, ClassLink): the settings an admin enters, and the pure rules of a sign-in.

const domainPattern = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** "riverbend.k12.example.us, @district.org" → ["riverbend.k12.example.us", "district.org"]. */
export function parseEmailDomains(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((d) => d.trim().toLowerCase().replace(/^@/, ''))
        .filter(Boolean),
    ),
  ];
}

const issuerUrl = z
  .string({ error: 'Enter the issuer URL' })
  .trim()
  .min(1, 'Enter the issuer URL')
  .max(500, 'The issuer URL is too long')
  .refine((value) => URL.canParse(value), 'Enter a full URL, such as https://accounts.google.com')
  .refine((value) => {
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    if (url.protocol === 'https:') return !url.search && !url.hash;
    // Plain http only for a provider on this machine (a test provider).
    return url.protocol === 'http:' && isLoopbackHost(url.hostname);
  }, 'The issuer must be an https:// URL without ?query or #fragment');

export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

const providerFields = {
  displayName: z
    .string({ error: 'Enter the button text' })
    .trim()
    .min(3, 'Enter the button text users see, such as "Sign in with Riverbend Google"')
    .max(80, 'Keep the button text under 80 characters'),
  issuer: issuerUrl,
  clientId: z
    .string({ error: 'Enter the client ID' })
    .trim()
    .min(1, 'Enter the client ID the provider gave you')
    .max(300, 'The client ID is too long'),
  allowedDomains: z
    .array(z.string().regex(domainPattern, 'Enter email domains such as riverbend.org'))
    .max(20, 'At most 20 email domains'),
  enabled: z.boolean(),
};

const clientSecret = z
  .string({ error: 'Enter the client secret' })
  .min(1, 'Enter the client secret the provider gave you')
  .max(1000, 'The client secret is too long');

export const CreateIdentityProviderInput = z.object({ ...providerFields, clientSecret });
export type CreateIdentityProviderInput = z.input<typeof CreateIdentityProviderInput>;

/** An edit keeps the stored secret unless a new one is entered. */
export const UpdateIdentityProviderInput = z.object({
  id: z.string().min(1).max(100),
  ...providerFields,
  clientSecret: clientSecret.optional(),
});
export type UpdateIdentityProviderInput = z.input<typeof UpdateIdentityProviderInput>;

export const IdentityProviderIdInput = z.object({ id: z.string().min(1).max(100) });

export const PasswordSignInPolicyInput = z
  .object({
    passwordSignIn: z.enum(['everyone', 'break_glass_only']),
    breakGlassUserIds: z
      .array(z.string().min(1).max(100))
      .max(5, 'At most five break-glass admins'),
  })
  .refine((v) => v.passwordSignIn === 'everyone' || v.breakGlassUserIds.length > 0, {
    path: ['breakGlassUserIds'],
    message: 'Choose at least one break-glass admin, or passwords would be off for everyone',
  });
export type PasswordSignInPolicyInput = z.input<typeof PasswordSignInPolicyInput>;

/** Why an SSO sign-in was refused: the code in the redirect and the audit action. */
export const ssoRefusals = {
  provider_disabled: 'This sign-in option is turned off. Sign in another way, or ask your admin.',
  state_invalid:
    'This sign-in link has expired or was already used. Start again from the sign-in page.',
  token_invalid:
    'The identity provider’s answer could not be verified, so you were not signed in. Try again; if it keeps happening, tell your admin.',
  email_unverified:
    'Your identity provider has not verified your email address, so it cannot be matched to a Carryover account.',
  domain_not_allowed: 'Your email address is not in a domain this sign-in option accepts.',
  unknown_user: 'There is no Carryover account for you yet. Accounts are not created at sign-in.',
  deactivated: 'Your Carryover account is deactivated.',
  provider_unreachable:
    'The sign-in provider could not be reached. Try again in a minute, or ask your admin.',
} as const;
export type SsoRefusal = keyof typeof ssoRefusals;

export const isSsoRefusal = (code: string): code is SsoRefusal => code in ssoRefusals;

/** The claims of a verified ID token that a sign-in reads. */
export interface SsoClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  amr?: unknown;
  acr?: unknown;
}

// RFC 8176 methods that are a factor beyond a password; `mfa` says so outright (Entra ID).
const SECOND_FACTOR_METHODS = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'tel', 'fpt', 'face']);
const MFA_ACR_VALUES = new Set([
  'http://schemas.openid.net/pape/policies/2007/06/multi-factor',
  'urn:okta:loa:2fa:any',
  'mfa',
]);

/** Whether the provider asserts the user passed a second factor (`amr` or `acr`). */
export function providerAssertedMfa(claims: Pick<SsoClaims, 'amr' | 'acr'>): boolean {
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  if (amr.some((m) => typeof m === 'string' && SECOND_FACTOR_METHODS.has(m))) return true;
  return typeof claims.acr === 'string' && MFA_ACR_VALUES.has(claims.acr);
}

/** The email a sign-in may match by: present, a string, and verified by the provider. */
export function verifiedEmailOf(claims: SsoClaims): string | null {
  if (typeof claims.email !== 'string' || claims.email_verified !== true) return null;
  return claims.email.trim().toLowerCase();
}

export function emailDomainAllowed(email: string, allowedDomains: readonly string[]): boolean {
  if (allowedDomains.length === 0) return true;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return allowedDomains.includes(domain);
}
