import { durableUnder } from '../store/disk-sync.js';
import type { Subscription } from 'rxjs';
import type { StationConfig } from '../config/station-config.js';
import type { OcppClient, OcppClientOptions } from '../ocpp/ocpp-client.js';
import type { Clock } from '../station/clock.js';
import type { AgentTransport } from './agent-parts.js';
import type { DeviceModel } from '../ocpp/v201/device-model/device-model.js';
import type { Logger } from '../process/logger.js';
import { NETWORK_PROFILE_SLOTS, NetworkProfiles, type ConnectionCertificates } from '../services/network-profiles/index.js';
import type { DeviceConfiguration } from '../services/device-configuration/index.js';
import type { SecurityEvent } from '../services/security-events/index.js';
import type { JsonFileStore } from '../store/json-file-store.js';

/** 1.6 has no NetworkProfileConnectionAttempts: the attempts a raised SecurityProfile gets before the fallback (whitepaper A05.FR.08). */
const V16_UPGRADE_ATTEMPTS = 3;

/** The network profiles, and what they read that is made after them (the agent fills `sources` in). */
export interface NetworkParts {
  profiles: NetworkProfiles;
  sources: { settings?: Pick<DeviceConfiguration, 'deviceModel' | 'password'>; certificates?: ConnectionCertificates };
  /** The device model's or the configuration keys' live values from the profiles. */
  live: { activeNetworkProfile(): number; securityProfile(): number; networkProfileSlotUsable(slot: number): boolean };
}

/**
 * The station's network profiles: 2.0.1 reads the order and the attempts per slot from its device
 * model, 1.6 has its one connection (slot 1). The password is the station's (BasicAuthPassword,
 * AuthorizationKey), else the config's; the TLS files the certificate store's, else the config's.
 */
export function openNetworkProfiles(config: StationConfig, parts: { store: JsonFileStore; log: Logger }): NetworkParts {
  const v201 = config.ocpp.version === '2.0.1';
  const sources: NetworkParts['sources'] = {};
  const dm = (): DeviceModel | undefined => sources.settings?.deviceModel;
  const profiles = new NetworkProfiles({
    store: parts.store,
    config: config.ocpp,
    slots: v201 ? NETWORK_PROFILE_SLOTS : [1],
    priority: () => (v201 ? (dm()?.getList('OCPPCommCtrlr', 'NetworkConfigurationPriority').map(Number) ?? [1]) : [1]),
    attemptsPerSlot: () => (v201 ? (dm()?.getInt('OCPPCommCtrlr', 'NetworkProfileConnectionAttempts') ?? 3) : V16_UPGRADE_ATTEMPTS),
    password: () => {
      const set = sources.settings?.password();
      return set && set.reveal() !== '' ? set : config.ocpp.password;
    },
    passwordKnown: () => sources.settings !== undefined,
    certificates: () => sources.certificates,
    log: parts.log,
  });
  const live: NetworkParts['live'] = {
    activeNetworkProfile: () => profiles.activeSlot,
    securityProfile: () => profiles.securityProfile,
    networkProfileSlotUsable: (slot) => profiles.slotProblem(slot) === undefined,
  };
  return { profiles, sources, live };
}

/**
 * Tells the network profiles how each attempt of the client went. A raised security profile
 * (A05.FR.06) drops the removed slots from NetworkConfigurationPriority (2.0.1) and is logged as
 * ReconfigurationOfSecurityParameters.
 */
export function followConnection(
  client: OcppClient,
  network: NetworkProfiles,
  effects: { deviceModel?: DeviceModel | undefined; raise: (event: SecurityEvent) => void; log: Logger },
): Subscription[] {
  let wasConnected = false;
  return [
    client.connectionFailures$.subscribe(() => network.attemptFailed()),
    client.connected$.subscribe((connected) => {
      if (!connected) {
        if (wasConnected) network.connectionLost();
        wasConnected = false;
        return;
      }
      wasConnected = true;
      let outcome: ReturnType<NetworkProfiles['connected']>;
      try {
        outcome = network.connected();
      } catch (err) {
        effects.log.error(`cannot keep the network profile state: ${(err as Error).message}`);
        return;
      }
      if (effects.deviceModel) applyMessageTimeout(effects.deviceModel, network, effects.log);
      if (outcome.raisedTo === undefined) return;
      effects.raise({ type: 'ReconfigurationOfSecurityParameters', techInfo: `security profile raised to ${outcome.raisedTo}` });
      const dm = effects.deviceModel;
      if (dm && outcome.removedSlots.length > 0) dropSlots(dm, outcome.removedSlots, effects.log).catch((err: unknown) => effects.log.warning(`NetworkConfigurationPriority not updated: ${(err as Error).message}`));
    }),
  ];
}

/** A05.FR.06: NetworkConfigurationPriority without the removed slots (kept when nothing would be left). */
async function dropSlots(dm: DeviceModel, removed: readonly number[], log: Logger): Promise<void> {
  const kept = dm.getList('OCPPCommCtrlr', 'NetworkConfigurationPriority').filter((s) => !removed.includes(Number(s)));
  if (kept.length === 0) return;
  const outcome = await dm.set('OCPPCommCtrlr', 'NetworkConfigurationPriority', kept.join(','));
  log.notice(`NetworkConfigurationPriority now ${kept.join(',')} (A05.FR.06): ${JSON.stringify(outcome)}`);
}

/** Part 2 2.1.3: MessageTimeout is ReadOnly, set through the NetworkConnectionProfile: the connected slot's, when it gives one. */
function applyMessageTimeout(dm: DeviceModel, network: NetworkProfiles, log: Logger): void {
  const seconds = network.profile(network.activeSlot)?.messageTimeoutS;
  if (seconds === undefined || dm.getInt('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' }) === seconds) return;
  dm.set('OCPPCommCtrlr', 'MessageTimeout', String(seconds), { instance: 'Default' }).then(
    (outcome) => outcome.status !== 'Accepted' && log.warning(`MessageTimeout ${seconds} s of network profile slot ${network.activeSlot} not taken: ${JSON.stringify(outcome)}`),
    (err: unknown) => log.warning(`MessageTimeout not set: ${(err as Error).message}`),
  );
}

/**
 * The OCPP client of the station: the config's connection as the starting point, each attempt's
 * settings from the network profiles (URL, security profile, password, TLS files), the timings the
 * device configuration reads.
 */
export function connectClient(
  transport: AgentTransport,
  config: StationConfig,
  settings: Pick<DeviceConfiguration, 'password' | 'backoff' | 'pingIntervalS' | 'callTimeoutMs'>,
  parts: { network: NetworkParts; log: Logger; clock: Clock; onFrame: OcppClientOptions['onFrame'] },
): OcppClient {
  const password = settings.password();
  const { ocpp } = config;
  return transport.connect({
    url: ocpp.url,
    identity: config.station.identity,
    version: ocpp.version,
    securityProfile: ocpp.securityProfile,
    password: password && password.reveal() !== '' ? password : ocpp.password,
    caFile: ocpp.caFile,
    clientCertificateFile: ocpp.clientCertificateFile,
    clientKeyFile: ocpp.clientKeyFile,
    backoff: settings.backoff,
    pingIntervalS: settings.pingIntervalS,
    callTimeoutMs: settings.callTimeoutMs,
    log: parts.log,
    clock: parts.clock,
    onFrame: parts.onFrame,
    attemptOptions: () => parts.network.profiles.connectionOptions(),
    // Never an answer before what it acknowledges is on disk (group commit, issue 18).
    beforeAnswer: () => durableUnder(config.storage.dir),
  });
}
