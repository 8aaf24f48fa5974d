import type { StationConfig } from '../config/station-config.js';
import type { OcppClient } from '../ocpp/ocpp-client.js';
import type { DeviceModel } from '../ocpp/v201/device-model/device-model.js';
import type { ConfigurationStore } from '../ocpp/v16/configuration/configuration-store.js';
import type { Logger } from '../process/logger.js';
import { CertificateRenewal, type RenewalSettings, type RenewalStore } from '../services/certificates/certificate-renewal.js';
import type { CertificateStore } from '../services/certificates/index.js';
import type { Clock } from '../station/clock.js';

/**
 * The renewal of the station certificate (A02/A03) on the certificate store, with its settings
 * from the 2.0.1 device model (SecurityCtrlr) or the 1.6 configuration keys; the adapter attaches
 * its SignCertificate and security events.
 */

function deviceModelSettings(dm: DeviceModel): RenewalSettings {
  const security = 'SecurityCtrlr';
  return {
    waitMinimumS: () => dm.getInt(security, 'CertSigningWaitMinimum'),
    repeatTimes: () => dm.getInt(security, 'CertSigningRepeatTimes'),
    maxChainSize: () => dm.getInt(security, 'MaxCertificateChainSize'),
    organizationName: () => dm.getString(security, 'OrganizationName'),
  };
}

function configurationSettings(keys: ConfigurationStore): RenewalSettings {
  return {
    waitMinimumS: () => keys.getInt('CertSigningWaitMinimum'),
    repeatTimes: () => keys.getInt('CertSigningRepeatTimes'),
    maxChainSize: () => keys.getInt('CertificateSignedMaxChainSize'),
    organizationName: () => keys.getString('CpoName'),
  };
}

export function certificateRenewal(
  config: StationConfig,
  parts: { store: RenewalStore & Pick<CertificateStore, 'stationCertificateFiles'>; deviceModel?: DeviceModel; configuration?: ConfigurationStore; client: OcppClient; clock: Clock; log: Logger },
): CertificateRenewal {
  const { store, client } = parts;
  const settings = parts.deviceModel ? deviceModelSettings(parts.deviceModel) : configurationSettings(parts.configuration!);
  return new CertificateRenewal({
    store,
    // A00.FR.511: the serial number; the identity for a station configured without one.
    commonName: config.station.serialNumber ?? config.station.identity,
    settings,
    clock: parts.clock,
    // A02.FR.08: a new connection with the new certificate and key.
    reconnect: () => {
      const files = store.stationCertificateFiles();
      client.reconnect(files ? { clientCertificateFile: files.certFile, clientKeyFile: files.keyFile } : {});
    },
    log: parts.log,
  });
}
