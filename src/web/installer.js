// The installer view (GET /api/installer): version, uptime, CPU temperature, free storage,
// check-config's verdict, the wiring as configured and the config summary (secrets masked by the agent).
import { request } from './api.js';
import { byTestId, el, formatBytes, formatDuration, setText } from './dom.js';

function problemList(items, kind) {
  return el('ul', { class: kind }, ...items.map((p) => el('li', {}, p.path ? el('code', { text: p.path }) : '', p.path ? `: ${p.message}` : p.message ?? String(p))));
}

/** The fault input names (config "inputs") for the developer panel: the wiring's input rows carry the config's name. */
export function inputNamesOf(installer) {
  return (installer?.wiring ?? []).filter((w) => w.role === 'input' && typeof w.name === 'string').map((w) => w.name);
}

export class InstallerView {
  constructor(root, onError) {
    this.root = root;
    this.onError = onError;
    this.data = undefined;
  }

  async load() {
    try {
      this.data = await request('api/installer');
      this.render(this.data);
    } catch (err) {
      this.onError(err);
    }
    return this.data;
  }

  /** The uptime ticks with every status event, between the installer's own reloads. */
  setUptime(seconds) {
    setText(byTestId(this.root, 'uptime'), formatDuration(seconds));
  }

  render(data) {
    const field = (id) => byTestId(this.root, id);
    setText(field('version'), data.version ?? '–');
    if (data.uptimeS !== undefined) this.setUptime(data.uptimeS);
    setText(field('cpu-temperature'), typeof data.cpuTemperatureC === 'number' ? `${data.cpuTemperatureC.toFixed(1)} °C` : 'unknown');
    setText(field('storage-free'), formatBytes(data.storageFreeBytes));

    const check = data.checkConfig ?? { ok: false, problems: [], warnings: [] };
    const verdict = el('p', { class: check.ok ? 'ok' : 'error', text: check.ok ? 'The configuration is valid.' : 'The configuration has problems:' });
    const parts = [verdict];
    if (check.problems?.length) parts.push(problemList(check.problems, 'problems'));
    if (check.warnings?.length) parts.push(el('p', { text: 'Warnings:' }), problemList(check.warnings, 'warnings'));
    field('check-config').replaceChildren(...parts);

    const rows = this.root.querySelector('#wiring-rows');
    const wiring = data.wiring ?? [];
    rows.replaceChildren(
      ...(wiring.length
        ? wiring.map((w) => el('tr', {}, el('td', { text: w.evseId ?? 'station' }), el('td', { text: w.role }), el('td', { text: w.what }), el('td', { text: w.where })))
        : [el('tr', {}, el('td', { colspan: '4', class: 'muted', text: 'Nothing wired.' }))]),
    );
    const config = data.config ?? {};
    const summary = Array.isArray(config.summary) ? [`file: ${config.file ?? '?'}`, ...config.summary].join('\n') : JSON.stringify(config, null, 2);
    setText(this.root.querySelector('#config-summary'), summary);
  }
}
