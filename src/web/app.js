// evse-agent's status page: live from GET /api/events (server-sent events, `status` with the JSON of
// GET /api/status, `sessions` when a session ended), with the session history, the installer view,
// the developer panel on simulated hardware, and the token prompt when the API answers 401.
import { Unauthorized, hasToken, request, storeToken, withToken } from './api.js';
import { DevPanel } from './dev-panel.js';
import { byTestId, formatDuration, formatTime, maskUrl, setText } from './dom.js';
import { renderEvse } from './evse-card.js';
import { HistoryView } from './history.js';
import { InstallerView, inputNamesOf } from './installer.js';

const RECONNECT_MS = 3000;
const $ = (selector) => document.querySelector(selector);

let events;
let reconnectTimer;
let locked = false;

const history = new HistoryView({
  rows: $('#history-rows'),
  dialog: $('#session-detail'),
  title: $('#detail-title'),
  body: $('#detail-body'),
  csvLink: $('#sessions-csv'),
  onError: handleError,
});
const installer = new InstallerView($('#installer'), handleError);
const devPanel = new DevPanel($('#dev-section'), handleError);

function handleError(err) {
  if (err instanceof Unauthorized) askForToken(hasToken() ? 'The token kept in this browser was refused.' : '');
}

function askForToken(message) {
  locked = true;
  closeEvents();
  const section = $('#token-section');
  setText($('#token-error'), message);
  if (section.hidden) {
    section.hidden = false;
    $('#token-input').focus();
  }
}

async function submitToken(event) {
  event.preventDefault();
  const token = $('#token-input').value.trim();
  if (!token) return;
  try {
    await request('api/status', { token });
  } catch (err) {
    setText($('#token-error'), err instanceof Unauthorized ? 'That token was refused. Check api.token in the config.' : `The agent did not answer: ${err.message}`);
    $('#token-input').select();
    return;
  }
  storeToken(token);
  $('#token-input').value = '';
  $('#token-section').hidden = true;
  locked = false;
  void connect();
  $('#main').focus();
}

function closeEvents() {
  clearTimeout(reconnectTimer);
  events?.close();
  events = undefined;
}

function showOffline(text) {
  const banner = $('#offline');
  banner.hidden = !text;
  setText(banner, text || '');
}

/** A status first by a plain request (a 401 shows up there, not in EventSource), then the live stream. */
async function connect() {
  closeEvents();
  try {
    render(await request('api/status'));
  } catch (err) {
    if (err instanceof Unauthorized) return askForToken(hasToken() ? 'The token kept in this browser was refused.' : '');
    showOffline(`The agent does not answer (${err.message}); trying again…`);
    reconnectTimer = setTimeout(connect, RECONNECT_MS);
    return;
  }
  void history.load();
  void installer.load().then((data) => {
    if (data) devPanel.setInputs(inputNamesOf(data));
  });
  openEvents();
}

function openEvents() {
  const source = new EventSource(withToken('api/events'));
  events = source;
  let dropped = false;
  source.addEventListener('open', () => {
    showOffline('');
    // Back after a drop: a session may have ended meanwhile, or the agent restarted on a new version.
    if (dropped) {
      void history.load();
      void installer.load();
    }
    dropped = false;
  });
  source.addEventListener('status', (message) => render(JSON.parse(message.data)));
  source.addEventListener('sessions', () => void history.load());
  source.addEventListener('error', () => {
    if (events !== source || locked) return;
    dropped = true;
    if (source.readyState === EventSource.CONNECTING) {
      showOffline('Connection to the agent lost; reconnecting…');
      return;
    }
    // Closed for good (a refused token, the agent restarted on another build): start over.
    source.close();
    showOffline('Connection to the agent lost; reconnecting…');
    reconnectTimer = setTimeout(connect, RECONNECT_MS);
  });
}

function render(status) {
  setText($('#identity'), status.identity ?? 'evse-agent');
  setText($('#station-meta'), `OCPP ${status.ocppVersion ?? '?'} · evse-agent ${status.version ?? '?'}`);
  document.title = `${status.identity ?? 'evse-agent'} – evse-agent`;
  // The station's own clock for durations: its start plus its uptime, whatever the browser's clock says.
  const serverNowMs = Date.parse(status.startedAt) + (status.uptimeS ?? 0) * 1000;
  const list = $('#evse-list');
  list.querySelector(':scope > p')?.remove();
  const announcements = [];
  const ids = new Set();
  for (const evse of status.evses ?? []) {
    ids.add(`evse-${evse.evseId}`);
    const change = renderEvse(list, evse, serverNowMs);
    if (change) announcements.push(change);
  }
  for (const card of list.querySelectorAll(':scope > [data-testid^="evse-"]')) if (!ids.has(card.dataset.testid)) card.remove();
  if (announcements.length > 0) setText($('#live'), announcements.join('. '));
  renderConnection(status);
  installer.setUptime(status.uptimeS);
  devPanel.show(status.simulated === true);
  if (status.simulated === true) {
    devPanel.setEvses(status.evses ?? []);
    if (Array.isArray(status.inputs)) devPanel.setInputs(status.inputs.map((i) => (typeof i === 'string' ? i : i.name)));
  }
  setText($('#updated'), `updated ${new Date().toLocaleTimeString()}`);
  $('#forget-token-line').hidden = !hasToken();
}

function renderConnection(status) {
  const section = $('#connection');
  const c = status.connection ?? {};
  const last = c.lastMessageAt ? `, last message ${formatTime(c.lastMessageAt)}` : '';
  setText(byTestId(section, 'connection-state'), `${c.connected ? 'connected' : 'not connected'}${last}`);
  byTestId(section, 'connection-state').dataset.connected = String(Boolean(c.connected));
  setText(byTestId(section, 'csms-url'), maskUrl(c.url));
  setText(byTestId(section, 'connection-since'), c.connectedSince ? `${formatTime(c.connectedSince)} (${formatDuration(c.connectedForS)})` : 'not connected');
  setText(byTestId(section, 'boot-state'), c.bootState ?? '–');
  const storage = status.storage ?? {};
  setText(byTestId(section, 'queued'), String(storage.queuedTransactionMessages ?? 0));
  const damage = storage.journalDamage?.length ? `; ${storage.journalDamage.length} damaged entr${storage.journalDamage.length === 1 ? 'y' : 'ies'} skipped` : '';
  setText($('#journal'), `${storage.journalWritable === false ? 'NOT writable: transactions are not kept across a restart' : 'writable'}${damage}`);
  const readers = status.readers ?? [];
  setText($('#readers'), readers.length ? readers.map((r) => `${r.name} (EVSE ${r.evseId}, ${r.driver}): ${r.health}${r.lastError ? `, ${r.lastError}` : ''}`).join(' · ') : 'none');
}

$('#token-form').addEventListener('submit', (event) => void submitToken(event));
$('#forget-token').addEventListener('click', () => {
  storeToken('');
  window.location.reload();
});
$('#installer-refresh').addEventListener('click', () => void installer.load());
$('#clear-faults').addEventListener('click', () => void devPanel.clearFaults());
window.addEventListener('pagehide', closeEvents);
// Back from the browser's page cache: the stream was closed on the way out.
window.addEventListener('pageshow', (event) => {
  if (event.persisted && !locked) void connect();
});
void connect();
