import type { Secret } from '../../config/station-config.js';
import type { Logger } from '../../process/logger.js';
import type { JsonFileStore } from '../../store/json-file-store.js';
import { AttemptPlan } from './attempt-plan.js';
import { loadNetworkProfiles, NETWORK_PROFILES_FILE, type NetworkConnectionProfile, type NetworkProfilesState, type SecurityProfileLevel } from './network-profile.js';

/**
 * The connection profiles of the station and which one each connection attempt uses, for either
 * OCPP version: slot 1 is the config's connection, the CSMS may set others (2.0.1 B09) and order
 * them (NetworkConfigurationPriority, B10), and raise the security profile (A05), never lower it.
 * What the CSMS set is kept in storage.dir. The OCPP client asks connectionOptions() at every
 * attempt and reports each attempt's outcome (attemptFailed, connected, connectionLost).
 */

/** The certificates a TLS connection uses (the certificate store's, helper F1's CertificateStore). */
export interface ConnectionCertificates {
  /** A PEM bundle of the CSMS root certificates, or undefined when none is installed. */
  caFile(): string | undefined;
  /** The station's certificate and key files, or undefined when it has none. */
  stationCertificateFiles(): { certFile: string; keyFile: string } | undefined;
}

/** What one connection attempt uses (OcppWebSocketOptions' connection fields). */
export interface AttemptOptions {
  url: string;
  securityProfile: SecurityProfileLevel;
  password: Secret | undefined;
  caFile: string | undefined;
  clientCertificateFile: string | undefined;
  clientKeyFile: string | undefined;
}

export interface NetworkProfilesOptions {
  store: JsonFileStore;
  /** The config's connection: slot 1 until the CSMS sets another. */
  config: { url: string; securityProfile: SecurityProfileLevel; messageTimeoutS?: number | undefined; caFile?: string | undefined; clientCertificateFile?: string | undefined; clientKeyFile?: string | undefined };
  /** The slot numbers the station offers (valuesList of NetworkConfigurationPriority; B09.FR.06: at least two). */
  slots: readonly number[];
  /** NetworkConfigurationPriority in effect (2.0.1); 1.6 has slot 1 only. */
  priority: () => readonly number[];
  /** NetworkProfileConnectionAttempts (2.0.1); 1.6: a constant. */
  attemptsPerSlot: () => number;
  /** The Basic auth password now (BasicAuthPassword / AuthorizationKey, else the config's). */
  password: () => Secret | undefined;
  /**
   * Whether password() knows the station's own password yet: not while the device model is being
   * built (it checks the stored NetworkConfigurationPriority then); the check waits for SetVariables.
   */
  passwordKnown?: () => boolean;
  certificates?: () => ConnectionCertificates | undefined;
  log: Logger;
}

export class NetworkProfiles {
  #state: NetworkProfilesState;
  readonly #plan: AttemptPlan;
  /** The slot of the attempt under way or of the connection made; undefined before the first attempt. */
  #activeSlot: number | undefined;
  #connected = false;
  /** 1.6 A05: a higher profile being tried; dropped again after the attempts fail (A05.FR.08). */
  #upgrade: { profile: NetworkConnectionProfile; failures: number } | undefined;

  constructor(private readonly options: NetworkProfilesOptions) {
    const base = { url: options.config.url, securityProfile: options.config.securityProfile };
    this.#state = loadNetworkProfiles(options.store, base, (m) => options.log.warning(m)) ?? { base, profiles: [], securityProfile: base.securityProfile };
    this.#plan = new AttemptPlan(
      () => this.usableOrder(),
      options.attemptsPerSlot,
      () => this.#state.lastConnectedSlot,
    );
  }

  get slots(): readonly number[] {
    return this.options.slots;
  }

  /** The security profile in effect (2.0.1 SecurityCtrlr.SecurityProfile, 1.6 SecurityProfile). */
  get securityProfile(): SecurityProfileLevel {
    return this.#state.securityProfile;
  }

  /** ActiveNetworkProfile: the slot of the connection, or of the attempt under way. */
  get activeSlot(): number {
    return this.#activeSlot ?? this.#plan.current() ?? this.options.priority()[0] ?? 1;
  }

  /** The profile in a slot: what the CSMS set, else for slot 1 the config's. */
  profile(slot: number): NetworkConnectionProfile | undefined {
    const set = this.#state.profiles.find((p) => p.slot === slot);
    if (set) return set;
    if (slot !== 1) return undefined;
    const { messageTimeoutS } = this.options.config;
    return { slot: 1, url: this.#state.base.url, securityProfile: this.#state.base.securityProfile, ...(messageTimeoutS === undefined ? {} : { messageTimeoutS }) };
  }

  /**
   * Why the station must not connect with a slot (B10.FR.02, A05.FR.02/03), or undefined when it
   * may: empty, a lower security profile than the one in effect (A05.FR.07, B09.FR.04), or a higher
   * one whose certificates are not installed.
   */
  slotProblem(slot: number): string | undefined {
    const profile = this.profile(slot);
    if (!profile) return `slot ${slot} holds no network connection profile`;
    return this.profileProblem(profile);
  }

  /** Why a profile cannot be used (see slotProblem). */
  profileProblem(profile: Pick<NetworkConnectionProfile, 'securityProfile' | 'url'>): string | undefined {
    const level = profile.securityProfile;
    if (level < this.securityProfile) return `security profile ${level} is lower than the station's ${this.securityProfile}`;
    const tls = profile.url.startsWith('wss://');
    if (level >= 2 && !tls) return `security profile ${level} needs a wss:// URL`;
    if (level <= 1 && tls) return `security profile ${level} uses ws://, not wss://`;
    if (level > this.securityProfile) {
      if ((level === 1 || level === 2) && this.options.passwordKnown?.() !== false && !this.options.password()) return `security profile ${level} needs a Basic auth password`;
      if (level >= 2 && !this.caFile()) return `security profile ${level} needs a CSMS root certificate`;
      if (level === 3 && !this.clientFiles()) return 'security profile 3 needs a charging station certificate';
    }
    return undefined;
  }

  /**
   * B09: stores a profile in its slot. Rejected (a reason) for a slot the station does not have
   * (B09.FR.05) or a profile it could not use (B09.FR.02/.04); throws when it cannot be saved (B09.FR.03).
   */
  setProfile(profile: NetworkConnectionProfile): string | undefined {
    if (!this.options.slots.includes(profile.slot)) return `no configuration slot ${profile.slot} (slots: ${this.options.slots.join(',')})`;
    if (profile.securityProfile < this.securityProfile) return `security profile ${profile.securityProfile} is lower than the station's ${this.securityProfile} (B09.FR.04)`;
    const tls = profile.url.startsWith('wss://');
    if (profile.securityProfile >= 2 !== tls) return `security profile ${profile.securityProfile} does not go with ${new URL(profile.url).protocol}//`;
    this.save({ ...this.#state, profiles: [...this.#state.profiles.filter((p) => p.slot !== profile.slot), profile].sort((a, b) => a.slot - b.slot) });
    this.options.log.notice(`network connection profile stored in slot ${profile.slot}: ${profile.url}, security profile ${profile.securityProfile}`);
    return undefined;
  }

  /**
   * 1.6 A05: connect with a higher security profile from now on, to the same CSMS (the scheme
   * follows the profile: ws:// for 1, wss:// for 2 and 3). Returns why not (A05.FR.01-04); when
   * undefined the caller answers Accepted and reconnects (A05.FR.06/07).
   */
  requestUpgrade(level: SecurityProfileLevel): string | undefined {
    if (level <= this.securityProfile) return `security profile ${level} is not higher than ${this.securityProfile} (A05.FR.01)`;
    const current = this.profile(this.activeSlot) ?? this.profile(1)!;
    const url = new URL(current.url);
    url.protocol = level >= 2 ? 'wss:' : 'ws:';
    const profile: NetworkConnectionProfile = { ...current, url: url.toString(), securityProfile: level };
    const problem = this.profileProblem(profile);
    if (problem) return problem;
    this.#upgrade = { profile, failures: 0 };
    this.options.log.notice(`upgrading to security profile ${level}: connecting to ${profile.url}`);
    return undefined;
  }

  /** The connection settings of the next attempt (read by the OCPP client at every attempt). */
  connectionOptions(): AttemptOptions {
    const profile = this.#upgrade?.profile ?? this.nextProfile();
    this.#activeSlot = profile.slot;
    return {
      url: profile.url,
      securityProfile: profile.securityProfile,
      password: this.options.password(),
      caFile: this.caFile(),
      clientCertificateFile: this.clientFiles()?.certFile,
      clientKeyFile: this.clientFiles()?.keyFile,
    };
  }

  /** An attempt failed: after the slot's attempts the next slot (B10.FR.03); a failed upgrade falls back (1.6 A05.FR.08). */
  attemptFailed(): void {
    if (this.#upgrade) {
      this.#upgrade.failures += 1;
      if (this.#upgrade.failures >= Math.max(1, this.options.attemptsPerSlot())) {
        this.options.log.warning(`security profile ${this.#upgrade.profile.securityProfile} could not connect: back to ${this.securityProfile} (A05.FR.08)`);
        this.#upgrade = undefined;
      }
      return;
    }
    const from = this.#plan.current();
    if (this.#plan.failed()) this.options.log.warning(`network profile slot ${from} failed ${this.options.attemptsPerSlot()} time(s): trying slot ${this.#plan.current()} (B10.FR.03)`);
  }

  /**
   * A connection was made with the last options: remembered (B10.FR.07); a higher security profile
   * becomes the station's, and the profiles below it go (2.0.1 A05.FR.06, 1.6 A05.FR.07). Returns
   * the slots removed then, for NetworkConfigurationPriority to drop.
   */
  connected(): { raisedTo?: SecurityProfileLevel; removedSlots: number[] } {
    this.#connected = true;
    this.#plan.connected();
    const upgrade = this.#upgrade;
    this.#upgrade = undefined;
    const profile = upgrade?.profile ?? this.profile(this.activeSlot);
    if (!profile) return { removedSlots: [] };
    let profiles = upgrade ? [...this.#state.profiles.filter((p) => p.slot !== profile.slot), profile] : this.#state.profiles;
    const raised = profile.securityProfile > this.securityProfile;
    const removedSlots: number[] = [];
    if (raised) {
      for (const slot of this.options.slots) {
        const p = slot === profile.slot ? profile : this.profile(slot);
        if (p && p.securityProfile < profile.securityProfile) removedSlots.push(slot);
      }
      profiles = profiles.filter((p) => !removedSlots.includes(p.slot));
      this.options.log.notice(`security profile raised to ${profile.securityProfile}${removedSlots.length ? `; slots ${removedSlots.join(',')} removed (A05.FR.06)` : ''}`);
    }
    const next: NetworkProfilesState = {
      ...this.#state,
      profiles,
      securityProfile: raised ? profile.securityProfile : this.securityProfile,
      lastConnectedSlot: profile.slot,
    };
    if (raised || upgrade || this.#state.lastConnectedSlot !== profile.slot) this.save(next);
    return raised ? { raisedTo: profile.securityProfile, removedSlots } : { removedSlots };
  }

  /** A connection that was made is lost: the next attempt starts at the first slot again. */
  connectionLost(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#plan.restart();
  }

  /** The usable slots in priority order; when none is, the first of the priority (never no connection at all). */
  private usableOrder(): number[] {
    const priority = this.options.priority();
    const usable = priority.filter((slot) => this.slotProblem(slot) === undefined);
    return usable.length > 0 ? usable : priority.slice(0, 1);
  }

  private nextProfile(): NetworkConnectionProfile {
    const slot = this.#plan.current() ?? 1;
    return this.profile(slot) ?? this.profile(1)!;
  }

  private caFile(): string | undefined {
    return this.options.certificates?.()?.caFile() ?? this.options.config.caFile;
  }

  private clientFiles(): { certFile: string; keyFile: string } | undefined {
    const fromStore = this.options.certificates?.()?.stationCertificateFiles();
    if (fromStore) return fromStore;
    const { clientCertificateFile: certFile, clientKeyFile: keyFile } = this.options.config;
    return certFile && keyFile ? { certFile, keyFile } : undefined;
  }

  private save(next: NetworkProfilesState): void {
    this.options.store.write(NETWORK_PROFILES_FILE, next);
    this.#state = next;
  }
}
