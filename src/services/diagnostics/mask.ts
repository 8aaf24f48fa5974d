/**
 * Secrets out of what diagnostics keep and upload (OCPP 2.0.1 N01, 1.6 GetDiagnostics): the values
 * of secret variables and configuration keys (2.0.1 SecurityCtrlr.BasicAuthPassword in SetVariables /
 * GetVariables / reports, 1.6 security whitepaper AuthorizationKey in ChangeConfiguration /
 * GetConfiguration), password-like fields anywhere (a network profile's VPN or APN password), PEM
 * private keys, and user:password in any URL.
 */

export const MASK = '***';

/** Variables / configuration keys whose value is a secret. */
const SECRET_NAME = /password|authorizationkey|secret|privatekey|passphrase/i;
/** Fields that hold a secret whatever object they are in (NetworkConnectionProfile vpn.password, apn.apnPassword, simPin). */
const SECRET_FIELD = /password|passwd|secret|privatekey|passphrase|^simpin$/i;
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
/**
 * scheme://user[:password]@ — the credentials part of a URL, anywhere in a string, up to the last @
 * before the path: N01.FR.17 lets a password hold an unencoded @.
 */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/"'\\]*@/gi;

/** PEM private keys and URL credentials out of a string. */
export function maskString(text: string): string {
  return text.replace(PEM_PRIVATE_KEY, `-----BEGIN $1PRIVATE KEY-----${MASK}-----END $1PRIVATE KEY-----`).replace(URL_CREDENTIALS, `$1${MASK}@`);
}

/** The name a {key, value} (1.6) or {variable: {name}, attributeValue} (2.0.1) entry is about. */
function entryName(entry: Record<string, unknown>): string | undefined {
  const variable = entry['variable'];
  if (typeof variable === 'object' && variable !== null && typeof (variable as Record<string, unknown>)['name'] === 'string') {
    return (variable as Record<string, unknown>)['name'] as string;
  }
  return typeof entry['key'] === 'string' ? entry['key'] : undefined;
}

const VALUE_FIELDS = new Set(['value', 'attributeValue']);

/**
 * `value` with its secrets masked, for the frames and for every JSON member of an archive. Inside an
 * entry about a secret variable (a 2.0.1 ReportData's variableAttribute list too), every value goes.
 */
export function maskSecrets(value: unknown, parentKey?: string, inSecretEntry = false): unknown {
  if (typeof value === 'string') return maskString(value);
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, parentKey, inSecretEntry));
  if (typeof value !== 'object' || value === null) return value;
  const entry = value as Record<string, unknown>;
  const secretEntry = inSecretEntry || SECRET_NAME.test(entryName(entry) ?? '');
  const masked: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(entry)) {
    // A 1.6 configuration key's `key` is its name; a VPN's `key` (2.0.1 VPNType) is its shared secret.
    const secretField = SECRET_FIELD.test(field) || (parentKey === 'vpn' && field === 'key');
    if ((secretEntry && VALUE_FIELDS.has(field)) || (secretField && v !== null && typeof v !== 'object')) {
      masked[field] = MASK;
    } else {
      masked[field] = maskSecrets(v, field, secretEntry && field === 'variableAttribute');
    }
  }
  return masked;
}

/**
 * The frame's text with its secrets masked; a frame that is not JSON, or nested deeper than a walk
 * can go (a hostile CSMS's 10,000 levels), keeps its text, masked as a string.
 */
export function maskFrame(text: string): string {
  try {
    return JSON.stringify(maskSecrets(JSON.parse(text)));
  } catch {
    return maskString(text);
  }
}
