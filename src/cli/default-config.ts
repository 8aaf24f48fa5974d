/** The config a command reads without --config (or FILE): $EVSE_AGENT_CONFIG, else the installed one. Read at each call. */
export function defaultConfig(): string {
  return process.env['EVSE_AGENT_CONFIG'] || '/etc/evse-agent/config.json';
}
