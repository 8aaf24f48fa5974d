import { readFileSync } from 'node:fs';
import { renderFound } from '../util/json-schema.js';
import { isLoopbackHost } from './api-config.js';
import type { ConfigContext } from './config-context.js';
import type { RawOcpp } from './raw-config.js';
import { Secret, type OcppConfig } from './station-config.js';

/**
 * The "ocpp" section: TLS files read, the password (inline or from a file, never both) and the
 * security profile checked against the URL and the credentials given.
 */
export function resolveOcppConfig(o: RawOcpp, ctx: ConfigContext): OcppConfig {
  const out: OcppConfig = {
    version: o.version,
    url: o.url,
    securityProfile: o.securityProfile,
    heartbeatIntervalS: o.heartbeatIntervalS,
    messageTimeoutS: o.messageTimeoutS,
    reconnect: o.reconnect,
    webSocketPingIntervalS: o.webSocketPingIntervalS,
    shutdownDeliveryTimeoutS: o.shutdownDeliveryTimeoutS,
  };
  for (const key of ['caFile', 'clientCertificateFile', 'clientKeyFile'] as const) {
    const value = o[key];
    if (value === undefined) continue;
    const file = ctx.resolvePath(value);
    try {
      readFileSync(file);
      out[key] = file;
    } catch (err) {
      ctx.problem(`/ocpp/${key}`, 'a readable PEM file', `${renderFound(value)} (${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  if (out.clientKeyFile) ctx.checkSecretFileMode('/ocpp/clientKeyFile', out.clientKeyFile);
  if (o.securityProfile === 3 && (!o.clientCertificateFile || !o.clientKeyFile)) {
    ctx.problem(o.clientCertificateFile ? '/ocpp/clientKeyFile' : '/ocpp/clientCertificateFile', 'a PEM file for security profile 3 (TLS client certificate)', 'nothing');
  }
  if (o.securityProfile < 3 && (o.clientCertificateFile || o.clientKeyFile)) {
    ctx.problem('/ocpp/securityProfile', '3 when a client certificate is configured', String(o.securityProfile));
  }
  resolvePassword(o, out, ctx);
  checkSecurityProfile(o, ctx);
  return out;
}

/** The password into `out`, from the config itself or from its file (16 to 40 characters). */
function resolvePassword(o: RawOcpp, out: OcppConfig, ctx: ConfigContext): void {
  if (o.password !== undefined && o.passwordFile !== undefined) {
    ctx.problem('/ocpp/passwordFile', 'absent when /ocpp/password is given (one source of the password)', renderFound(o.passwordFile));
  }
  if (o.password !== undefined) {
    out.password = new Secret(o.password);
    out.passwordSource = 'inline';
    ctx.checkSecretFileMode('/ocpp/password', ctx.file);
  } else if (o.passwordFile !== undefined) {
    const file = ctx.resolvePath(o.passwordFile);
    try {
      const value = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
      if (value.length < 16 || value.length > 40) {
        ctx.problem('/ocpp/passwordFile', `a file holding a password of 16 to 40 characters (${file})`, `${value.length} characters`);
      } else {
        out.password = new Secret(value);
        out.passwordSource = file;
      }
      ctx.checkSecretFileMode('/ocpp/passwordFile', file);
    } catch (err) {
      ctx.problem('/ocpp/passwordFile', 'a readable file', `${renderFound(o.passwordFile)} (${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
}

/** Each security profile's transport and credentials (OCPP 2.0.1 Part 2 and the 1.6 security whitepaper; 0 is none). */
function checkSecurityProfile(o: RawOcpp, ctx: ConfigContext): void {
  const tls = o.url.startsWith('wss://');
  const hasPassword = o.password !== undefined || o.passwordFile !== undefined;
  switch (o.securityProfile) {
    case 0:
      if (hasPassword) {
        ctx.problem('/ocpp/securityProfile', '1 or 2 when a password is set (profile 0 sends no credentials)', '0');
      }
      warnAboutProfile0(o.url, ctx);
      break;
    case 1:
      if (!hasPassword) ctx.problem('/ocpp/password', 'a password (or /ocpp/passwordFile) for security profile 1', 'nothing');
      if (tls) ctx.problem('/ocpp/securityProfile', '2 for a wss:// URL with a password (profile 1 is Basic auth without TLS)', '1');
      break;
    case 2:
      if (!hasPassword) ctx.problem('/ocpp/password', 'a password (or /ocpp/passwordFile) for security profile 2', 'nothing');
      if (!tls) ctx.problem('/ocpp/url', 'a wss:// URL for security profile 2 (TLS)', renderFound(o.url));
      break;
    case 3:
      if (!tls) ctx.problem('/ocpp/url', 'a wss:// URL for security profile 3 (TLS)', renderFound(o.url));
      if (hasPassword) ctx.problem('/ocpp/password', 'absent for security profile 3 (the client certificate authenticates)', 'a password');
      break;
  }
}

/** Profile 0 authenticates nobody: fine for a CSMS on this machine, not for one across a network. */
function warnAboutProfile0(url: string, ctx: ConfigContext): void {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return;
  }
  if (isLoopbackHost(host)) return;
  ctx.warn(
    '/ocpp/securityProfile',
    `security profile 0 to ${host}, which is not this machine: the station sends no credentials, so anything that can reach the CSMS can claim this identity; use 1, 2 or 3 outside development`,
  );
}
