import { createHash, randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// The second factor: TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps, as every
// authenticator app reads it) through `otpauth`, and ten one-time recovery codes, stored as
// SHA-256 hashes (each carries about 50 random bits: a hash table of them is no shortcut).
// The secret is returned once, while enrolling; after confirmation no procedure returns it.

export const TOTP_ISSUER = 'Carryover';
const PERIOD_SECONDS = 30;
/** One step either side: the phone's clock may be a little off. */
const WINDOW_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;

export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

function totpFor(secret: string, label = ''): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secret),
  });
}

/** The `otpauth://` URI an authenticator app scans. */
export const totpUri = (secret: string, email: string): string => totpFor(secret, email).toString();

/** The URI as a QR code, an SVG data URL the page shows as an image (the CSP allows data:). */
export async function totpQrDataUrl(uri: string): Promise<string> {
  const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/**
 * The time step the code belongs to, or null when it is no code of this secret around `now`.
 * The caller accepts a step only once (`claimTotpStep`), so a seen code cannot be replayed.
 */
export function matchTotp(secret: string, code: string, now: Date): number | null {
  const timestamp = now.getTime();
  const delta = totpFor(secret).validate({ token: code, timestamp, window: WINDOW_STEPS });
  if (delta === null) return null;
  return Math.floor(timestamp / 1000 / PERIOD_SECONDS) + delta;
}

const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

export function newRecoveryCodes(): string[] {
  const code = () =>
    Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join(
      '',
    );
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const c = code();
    return `${c.slice(0, 5)}-${c.slice(5)}`;
  });
}

export const recoveryCodeHash = (normalizedCode: string): string =>
  createHash('sha256').update(`carryover-recovery:${normalizedCode}`).digest('hex');
