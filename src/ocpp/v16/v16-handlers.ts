import type { CertificateService } from '../../services/certificates/index.js';
import type { CertificateRenewal } from '../../services/certificates/certificate-renewal.js';
import type { LogRequests } from '../../services/diagnostics/log-requests.js';
import type { FirmwareUpdates } from '../../services/firmware/index.js';
import type { NetworkProfiles } from '../../services/network-profiles/index.js';
import type { SecurityEvent } from '../../services/security-events/index.js';
import type { CallHandler } from '../rpc/rpc-endpoint.js';
import { certificateSigned16 } from './actions/certificate-signing.js';
import { changeAvailability16 } from './actions/change-availability.js';
import { clearChargingProfile16, getCompositeSchedule16, setChargingProfile16 } from './actions/charging-profiles.js';
import { changeConfiguration, getConfiguration } from './actions/configuration.js';
import { dataTransfer16 } from './actions/data-transfer.js';
import { deleteCertificate16 } from './actions/delete-certificate.js';
import { extendedTriggerMessage16 } from './actions/extended-trigger-message.js';
import { signedFirmwareStatusNotification16 } from './actions/firmware-status.js';
import { getDiagnostics16 } from './actions/get-diagnostics.js';
import { getInstalledCertificateIds16 } from './actions/get-installed-certificate-ids.js';
import { getLog16, triggeredLogStatus16 } from './actions/get-log.js';
import { installCertificate16 } from './actions/install-certificate.js';
import { clearCache16, getLocalListVersion16, sendLocalList16 } from './actions/local-list.js';
import type { RemoteStartProfiles } from './actions/remote-start-profiles.js';
import { remoteStartTransaction } from './actions/remote-start-transaction.js';
import { remoteStopTransaction } from './actions/remote-stop-transaction.js';
import { cancelReservation, reserveNow } from './actions/reservations.js';
import { reset16 } from './actions/reset.js';
import { changeConfigurationWithSecurityProfile } from './actions/security-profile.js';
import { signedUpdateFirmware16 } from './actions/signed-update-firmware.js';
import { triggerMessage16, type TriggerTargets16 } from './actions/trigger-message.js';
import { unlockConnector16 } from './actions/unlock-connector.js';
import { updateFirmware16 } from './actions/update-firmware.js';
import type { V16Context } from './context.js';

/** The services some 1.6 calls need beside the context; each optional one adds its calls only when given. */
export interface V16HandlerServices {
  triggerTargets: TriggerTargets16;
  remoteStartProfiles: RemoteStartProfiles;
  /** Sends a message the CSMS asked for (a trigger). */
  sendTriggered(action: string, payload: object): Promise<unknown>;
  /** Whitepaper A05: ChangeConfiguration SecurityProfile raises the connection's profile. */
  network?: { profiles: NetworkProfiles; raise(event: SecurityEvent): void; reconnect(): void } | undefined;
  certificateRenewal?: CertificateRenewal | undefined;
  certificates?: CertificateService | undefined;
  firmware?: FirmwareUpdates | undefined;
  logRequests?: LogRequests | undefined;
}

/** The calls a 1.6 Charge Point answers: the feature profiles', then the security whitepaper's for the services given. */
export function v16Handlers(ctx: V16Context, services: V16HandlerServices): Record<string, CallHandler> {
  const { network, certificateRenewal: renewal, certificates, firmware, logRequests: logs } = services;
  const handlers: Record<string, CallHandler> = {
    RemoteStartTransaction: remoteStartTransaction(ctx, services.remoteStartProfiles),
    RemoteStopTransaction: remoteStopTransaction(ctx),
    ChangeAvailability: changeAvailability16(ctx),
    ChangeConfiguration: network
      ? changeConfigurationWithSecurityProfile(changeConfiguration(ctx), { network: network.profiles, raise: network.raise, reconnect: network.reconnect, log: ctx.log })
      : changeConfiguration(ctx),
    GetConfiguration: getConfiguration(ctx),
    ClearCache: clearCache16(ctx),
    DataTransfer: dataTransfer16(ctx),
    Reset: reset16(ctx),
    UnlockConnector: unlockConnector16(ctx),
    TriggerMessage: triggerMessage16(ctx, services.triggerTargets),
    ReserveNow: reserveNow(ctx),
    CancelReservation: cancelReservation(ctx),
    SendLocalList: sendLocalList16(ctx),
    GetLocalListVersion: getLocalListVersion16(ctx),
    SetChargingProfile: setChargingProfile16(ctx),
    ClearChargingProfile: clearChargingProfile16(ctx),
    GetCompositeSchedule: getCompositeSchedule16(ctx),
  };
  if (renewal) handlers['CertificateSigned'] = certificateSigned16(renewal);
  if (firmware) {
    handlers['UpdateFirmware'] = updateFirmware16(firmware, () => ctx.config.firmware.allowUnsigned);
    handlers['SignedUpdateFirmware'] = signedUpdateFirmware16(firmware);
  }
  if (logs) {
    handlers['GetDiagnostics'] = getDiagnostics16(logs);
    // Security whitepaper messages: not a feature profile, so SupportedFeatureProfiles stays.
    handlers['GetLog'] = getLog16(logs);
    handlers['ExtendedTriggerMessage'] = extendedTriggerMessage16(ctx, {
      ...services.triggerTargets,
      logStatusNotification: async () => void (await services.sendTriggered('LogStatusNotification', triggeredLogStatus16(logs))),
      signChargePointCertificate: renewal && (() => renewal.triggered()),
      signedFirmwareStatusNotification: firmware && (async () => void (await services.sendTriggered('SignedFirmwareStatusNotification', signedFirmwareStatusNotification16(firmware.triggered())))),
    });
  }
  if (certificates) {
    handlers['InstallCertificate'] = installCertificate16(certificates.store);
    handlers['GetInstalledCertificateIds'] = getInstalledCertificateIds16(certificates.store);
    handlers['DeleteCertificate'] = deleteCertificate16(certificates.store, () => certificates.securityProfile());
  }
  return handlers;
}
