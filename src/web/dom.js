// Small DOM and formatting helpers for the status page (no framework: a few functions are enough).

/** An element with attributes (data-testid, class, ...) and children (nodes or text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child);
  return node;
}

/** Sets text only when it changed, so that screen readers and selection are not disturbed every second. */
export function setText(node, text) {
  const value = String(text);
  if (node && node.textContent !== value) node.textContent = value;
}

/** The element of a data-testid inside root. */
export function byTestId(root, id) {
  return root.querySelector(`[data-testid="${CSS.escape(id)}"]`);
}

export function formatPower(watts) {
  if (watts === null || watts === undefined || !Number.isFinite(watts)) return '–';
  return Math.abs(watts) < 1000 ? `${Math.round(watts)} W` : `${(watts / 1000).toFixed(2)} kW`;
}

export function formatEnergy(wattHours) {
  if (wattHours === null || wattHours === undefined || !Number.isFinite(wattHours)) return '–';
  return wattHours < 1000 ? `${Math.round(wattHours)} Wh` : `${(wattHours / 1000).toFixed(3)} kWh`;
}

export function formatCurrent(amps) {
  if (amps === null || amps === undefined || !Number.isFinite(amps)) return '–';
  return `${amps.toFixed(1)} A`;
}

/** 1 h 02 min, 4 min 05 s, 12 s. */
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  if (d > 0) return `${d} d ${h} h ${pad(m)} min`;
  if (h > 0) return `${h} h ${pad(m)} min`;
  if (m > 0) return `${m} min ${pad(s % 60)} s`;
  return `${s} s`;
}

export function formatTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return 'unknown';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** A CSMS URL without secrets: a password in it (basic auth in the URL) and token-like query values become ****. */
export function maskUrl(url) {
  if (!url) return '–';
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    for (const key of [...parsed.searchParams.keys()]) {
      if (/token|key|secret|pass|auth/i.test(key)) parsed.searchParams.set(key, '****');
    }
    return parsed.toString();
  } catch {
    return String(url).replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:****@');
  }
}
