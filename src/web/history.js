// The session history table (GET /api/sessions, newest first) and one session's detail
// (GET /api/sessions/{id}) in a modal dialog: Escape closes it and focus returns to the row.
import { request, withToken } from './api.js';
import { el, formatDuration, formatEnergy, formatTime } from './dom.js';

const HISTORY_LIMIT = 50;

const LABELS = {
  transactionId: 'Transaction',
  csmsTransactionId: 'CSMS transaction',
  evseId: 'EVSE',
  connectorId: 'Connector',
  idToken: 'Id token',
  groupIdToken: 'Group id token',
  startedAt: 'Started',
  stoppedAt: 'Stopped',
  durationS: 'Duration',
  energyWh: 'Energy',
  meterStartWh: 'Meter at start',
  meterStopWh: 'Meter at stop',
  stopReason: 'Stop reason',
  meterValues: 'Meter values',
  signedData: 'Signed meter data',
};

/** What an absent part of the record means. */
const EMPTY = { meterValues: 'not kept for this session', signedData: 'none (the meter does not sign its readings)', groupIdToken: 'none' };

function tokenText(token) {
  if (!token) return '–';
  return typeof token === 'string' ? token : `${token.idToken} (${token.type})`;
}

/** A value of the session record as text: dates, Wh and seconds made readable, the rest as it comes. */
function valueText(key, value) {
  if (value === null || value === undefined) return '–';
  if (key === 'startedAt' || key === 'stoppedAt' || key === 'timestamp') return formatTime(value);
  if (key === 'durationS') return formatDuration(value);
  if (/Wh$/.test(key) && typeof value === 'number') return formatEnergy(value);
  if (key === 'idToken' || key === 'groupIdToken') return tokenText(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** An array of records (meter values) as a table whose columns are their keys. */
function recordsTable(records, label) {
  const columns = [...new Set(records.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : ['value'])))];
  const head = el('tr', {}, ...columns.map((c) => el('th', { scope: 'col', text: c })));
  const rows = records.map((r) => el('tr', {}, ...columns.map((c) => el('td', { text: valueText(c, r && typeof r === 'object' ? r[c] : r) }))));
  return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': label }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

function detailBody(session) {
  const facts = el('dl', { class: 'facts' });
  const extras = [];
  for (const [key, value] of Object.entries(session)) {
    const label = LABELS[key] ?? key;
    if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
      facts.append(el('dt', { text: label }), el('dd', { text: EMPTY[key] ?? '–' }));
    } else if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
      extras.push(el('h3', { text: label }), recordsTable(value, label));
    } else if (value && typeof value === 'object' && !('idToken' in value)) {
      extras.push(el('h3', { text: label }), el('pre', { class: 'wrap', text: JSON.stringify(value, null, 2) }));
    } else if (key === 'signedData' || (typeof value === 'string' && value.length > 120)) {
      extras.push(el('h3', { text: label }), el('pre', { class: 'wrap', text: String(value) }));
    } else {
      facts.append(el('dt', { text: label }), el('dd', { text: valueText(key, value) }));
    }
  }
  return [facts, ...extras];
}

export class HistoryView {
  constructor({ rows, dialog, title, body, csvLink, onError }) {
    this.rows = rows;
    this.dialog = dialog;
    this.title = title;
    this.body = body;
    this.csvLink = csvLink;
    this.onError = onError;
    this.openedFrom = undefined;
    rows.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-session-id]');
      if (row) void this.open(row);
    });
    rows.addEventListener('keydown', (event) => {
      const row = event.target.closest('tr[data-session-id]');
      if (row && event.target === row && (event.key === 'Enter' || event.key === ' ')) {
        event.preventDefault();
        void this.open(row);
      }
    });
    dialog.addEventListener('close', () => this.openedFrom?.focus());
  }

  async load() {
    this.csvLink.href = withToken('api/sessions.csv');
    try {
      const { sessions } = await request(`api/sessions?limit=${HISTORY_LIMIT}`);
      this.render(sessions ?? []);
    } catch (err) {
      this.onError(err);
    }
  }

  render(sessions) {
    if (sessions.length === 0) {
      this.rows.replaceChildren(el('tr', {}, el('td', { colspan: '7', class: 'muted', text: 'No sessions yet.' })));
      return;
    }
    this.rows.replaceChildren(
      ...sessions.map((s) =>
        el(
          'tr',
          { 'data-testid': 'session-row', 'data-session-id': s.transactionId, tabindex: '0', class: 'clickable', 'aria-label': `Session of ${formatTime(s.startedAt)}, ${formatEnergy(s.energyWh)}` },
          el('td', { text: formatTime(s.startedAt) }),
          el('td', { text: String(s.evseId) }),
          el('td', { text: tokenText(s.idToken) }),
          el('td', { class: 'num', text: formatEnergy(s.energyWh) }),
          el('td', { class: 'num', text: formatDuration(s.durationS) }),
          el('td', { text: s.stopReason }),
          el('td', {}, el('button', { type: 'button', class: 'link', tabindex: '-1', text: 'Details' })),
        ),
      ),
    );
  }

  async open(row) {
    const id = row.dataset.sessionId;
    this.openedFrom = row;
    this.title.textContent = `Session ${id}`;
    this.body.replaceChildren(el('p', { class: 'muted', text: 'Loading…' }));
    if (!this.dialog.open) this.dialog.showModal();
    try {
      const session = await request(`api/sessions/${encodeURIComponent(id)}`);
      this.body.replaceChildren(...detailBody(session.session ?? session));
    } catch (err) {
      this.body.replaceChildren(el('p', { class: 'error', text: `Could not load the session: ${err.message}` }));
      this.onError(err);
    }
  }
}
