import type { LocalAuthorizer } from '../../services/authorization/index.js';
import type { LogRequests } from '../../services/diagnostics/log-requests.js';
import type { VariableMonitoring } from '../../services/monitoring/index.js';
import type { SessionHistory } from '../../services/session-history/index.js';
import type { NetworkProfiles } from '../../services/network-profiles/index.js';
import type { CertificateService } from '../../services/certificates/index.js';
import type { CertificateRenewal } from '../../services/certificates/certificate-renewal.js';
import { certificateSigned } from './actions/certificate-signing.js';
import type { SecurityEvent } from '../../services/security-events/index.js';
import type { CallHandler } from '../rpc/rpc-endpoint.js';
import { cancelReservation } from './actions/cancel-reservation.js';
import { changeAvailability } from './actions/change-availability.js';
import { clearCache } from './actions/clear-cache.js';
import { clearChargingProfile } from './actions/clear-charging-profile.js';
import { clearVariableMonitoring } from './actions/clear-variable-monitoring.js';
import { customerInformation } from './actions/customer-information.js';
import { dataTransfer } from './actions/data-transfer.js';
import { reportHandlers } from './actions/get-base-report.js';
import { getChargingProfiles } from './actions/get-charging-profiles.js';
import { getCompositeSchedule } from './actions/get-composite-schedule.js';
import { getLocalListVersion } from './actions/get-local-list-version.js';
import { getLog } from './actions/get-log.js';
import { getTransactionStatus } from './actions/get-transaction-status.js';
import { getVariables } from './actions/get-variables.js';
import { getMonitoringReport, setMonitoringBase } from './actions/monitoring-report.js';
import { requestStartTransaction } from './actions/request-start-transaction.js';
import { requestStopTransaction } from './actions/request-stop-transaction.js';
import { reserveNow } from './actions/reserve-now.js';
import { reset } from './actions/reset.js';
import { sendLocalList } from './actions/send-local-list.js';
import { setChargingProfile } from './actions/set-charging-profile.js';
import { setMonitoringLevel } from './actions/set-monitoring-level.js';
import { setNetworkProfile } from './actions/set-network-profile.js';
import { installCertificate } from './actions/install-certificate.js';
import { getInstalledCertificateIds } from './actions/get-installed-certificate-ids.js';
import { deleteCertificate } from './actions/delete-certificate.js';
import { setVariableMonitoring } from './actions/set-variable-monitoring.js';
import { setVariables } from './actions/set-variables.js';
import { triggerMessage, type TriggerTargets } from './actions/trigger-message.js';
import { unlockConnector } from './actions/unlock-connector.js';
import { updateFirmware } from './actions/update-firmware.js';
import type { FirmwareUpdates } from '../../services/firmware/index.js';
import type { V201Context } from './context.js';

/** What the handlers need beyond the context: the services a station may or may not have. */
export interface V201HandlerParts {
  triggerTargets: TriggerTargets;
  /** How many of a transaction's messages (of all, without an id) still wait for the CSMS (GetTransactionStatus). */
  waiting: (transactionId?: string) => number;
  localAuthorizer?: LocalAuthorizer;
  sessionHistory?: SessionHistory;
  logRequests?: LogRequests;
  monitoring?: VariableMonitoring;
  /** B09 SetNetworkProfile: the network profiles, and where its security event goes. */
  network?: { profiles: NetworkProfiles; raise: (event: SecurityEvent) => void };
  /** M03-M05: the certificate store; without it those actions are not supported. */
  certificates?: CertificateService;
  /** A02/A03 CertificateSigned: the renewal of the station certificate. */
  certificateRenewal?: CertificateRenewal;
  /** L01/L02 UpdateFirmware; without it not supported. */
  firmware?: FirmwareUpdates;
}

/** The CSMS's calls the 2.0.1 station answers, one small file per action; some only when the station has the service behind them. */
export function v201Handlers(ctx: V201Context, parts: V201HandlerParts): Record<string, CallHandler> {
  const handlers: Record<string, CallHandler> = {
    GetVariables: getVariables(ctx),
    SetVariables: setVariables(ctx),
    ...reportHandlers(ctx),
    Reset: reset(ctx),
    RequestStartTransaction: requestStartTransaction(ctx),
    RequestStopTransaction: requestStopTransaction(ctx),
    UnlockConnector: unlockConnector(ctx),
    TriggerMessage: triggerMessage(ctx, parts.triggerTargets),
    ChangeAvailability: changeAvailability(ctx),
    ReserveNow: reserveNow(ctx),
    CancelReservation: cancelReservation(ctx),
    DataTransfer: dataTransfer(ctx),
    GetTransactionStatus: getTransactionStatus(ctx, parts.waiting),
    SetChargingProfile: setChargingProfile(ctx),
    GetCompositeSchedule: getCompositeSchedule(ctx),
    GetChargingProfiles: getChargingProfiles(ctx),
    ClearChargingProfile: clearChargingProfile(ctx),
  };
  const local = parts.localAuthorizer;
  handlers['CustomerInformation'] = customerInformation(ctx, { history: parts.sessionHistory, cache: local?.cache, list: local?.list });
  if (local) {
    handlers['SendLocalList'] = sendLocalList(ctx, local.list);
    handlers['GetLocalListVersion'] = getLocalListVersion(ctx, local.list);
    handlers['ClearCache'] = clearCache(ctx, local.cache);
  }
  if (parts.logRequests) handlers['GetLog'] = getLog(parts.logRequests);
  if (parts.firmware) handlers['UpdateFirmware'] = updateFirmware(parts.firmware);
  if (parts.certificateRenewal) handlers['CertificateSigned'] = certificateSigned(parts.certificateRenewal);
  if (parts.network) handlers['SetNetworkProfile'] = setNetworkProfile(parts.network.profiles, parts.network.raise);
  const certificates = parts.certificates;
  if (certificates) {
    handlers['InstallCertificate'] = installCertificate(certificates.store);
    handlers['GetInstalledCertificateIds'] = getInstalledCertificateIds(certificates.store);
    handlers['DeleteCertificate'] = deleteCertificate(certificates.store, () => certificates.securityProfile());
  }
  const monitoring = parts.monitoring;
  if (monitoring) {
    handlers['SetVariableMonitoring'] = setVariableMonitoring(ctx.deviceModel, monitoring);
    handlers['ClearVariableMonitoring'] = clearVariableMonitoring(monitoring);
    handlers['SetMonitoringLevel'] = setMonitoringLevel(monitoring);
    handlers['SetMonitoringBase'] = setMonitoringBase(monitoring);
    handlers['GetMonitoringReport'] = getMonitoringReport(ctx, monitoring);
  }
  return handlers;
}
