#!/usr/bin/env bash
# Installs evse-agent as a systemd service. Run with sudo from a checkout where `npm ci` has been
# run (it builds dist/ and the native modules for this machine), or from a release folder; either
# way the folder holding package.json, dist/, node_modules/, hardware/, config/ and systemd/.
# See systemd/README.md.
set -euo pipefail
umask 022

usage() {
  cat <<'EOF'
usage: sudo systemd/install.sh [--root DIR] [--no-enable] [--uninstall | --purge]

  (no option)   install or update: /opt/evse-agent, /usr/local/bin/evse-agent, the systemd unit,
                the evse-agent user, /etc/evse-agent/config.json (only when there is none yet);
                enables the service (it is not started: edit the config first)
  --root DIR    install below DIR (an image or a scratch folder): no user is created, no
                systemctl or raspi-config is run; what would be done is printed instead
  --no-enable   do not enable the service
  --uninstall   remove the service, the wrapper and /opt/evse-agent; keep /etc/evse-agent (config)
                and /var/lib/evse-agent (transaction journal)
  --purge       --uninstall, and remove /etc/evse-agent, /var/lib/evse-agent and the user too
  --help        this text
EOF
}

ROOT=
ACTION=install
ENABLE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root)
      [ $# -ge 2 ] || { echo "install.sh: --root needs a folder" >&2; exit 64; }
      ROOT=$2
      shift 2
      ;;
    --root=*) ROOT=${1#--root=}; shift ;;
    --no-enable) ENABLE=0; shift ;;
    --uninstall) ACTION=uninstall; shift ;;
    --purge) ACTION=purge; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 64 ;;
  esac
done

if [ -n "$ROOT" ]; then
  mkdir -p "$ROOT"
  ROOT=$(cd "$ROOT" && pwd)
  [ "$ROOT" != / ] || ROOT=
fi

SERVICE=evse-agent
SERVICE_USER=evse-agent
APP_DIR=/opt/evse-agent
WRAPPER=/usr/local/bin/evse-agent
UNIT=/etc/systemd/system/evse-agent.service
CONFIG_DIR=/etc/evse-agent
CONFIG=$CONFIG_DIR/config.json
STATE_DIR=/var/lib/evse-agent
EXAMPLE_CONFIG=config/raspberry-pi-sdm630.json

say() { printf '%s\n' "$*"; }
fail() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }
# Side effects on the running system (users, systemctl, raspi-config) happen only on the real root.
on_real_root() { [ -z "$ROOT" ]; }
system() {
  if on_real_root; then
    "$@"
  else
    say "  (--root) would run: $*"
  fi
}
is_root_user() { [ "$(id -u)" -eq 0 ]; }

if on_real_root && ! is_root_user; then
  fail "run as root (sudo $0 ...), or with --root DIR to install into a folder"
fi

# --- uninstall / purge ---

if [ "$ACTION" != install ]; then
  if on_real_root && command -v systemctl >/dev/null 2>&1; then
    # Stopping runs ExecStopPost (failsafe) while the wrapper still exists: relays open.
    systemctl disable --now "$SERVICE" 2>/dev/null || true
  else
    system systemctl disable --now "$SERVICE"
  fi
  rm -f "$ROOT$UNIT" "$ROOT$WRAPPER"
  rm -rf "$ROOT$APP_DIR" "$ROOT$APP_DIR.new"
  say "removed $UNIT, $WRAPPER and $APP_DIR"
  if [ "$ACTION" = purge ]; then
    rm -rf "$ROOT$CONFIG_DIR" "$ROOT$STATE_DIR"
    say "removed $CONFIG_DIR and $STATE_DIR"
    if on_real_root; then
      if getent passwd "$SERVICE_USER" >/dev/null; then userdel "$SERVICE_USER"; fi
    else
      system userdel "$SERVICE_USER"
    fi
  else
    say "kept $CONFIG_DIR (config) and $STATE_DIR (transaction journal); --purge removes them"
  fi
  if on_real_root && command -v systemctl >/dev/null 2>&1; then systemctl daemon-reload; else system systemctl daemon-reload; fi
  exit 0
fi

# --- install: check the source folder and Node ---

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for need in package.json package-lock.json dist/src/cli/main.js dist/src/cli/failsafe-main.js dist/src/release/launcher.js node_modules hardware config systemd/evse-agent.service "$EXAMPLE_CONFIG"; do
  [ -e "$SRC/$need" ] || fail "$SRC/$need is missing: run \`npm ci\` in $SRC first (it installs the dependencies and builds dist/), then run this script again"
done

NODE=${NODE:-$(command -v node || true)}
if [ -z "$NODE" ] || [ ! -x "$NODE" ]; then
  fail "node not found: install Node.js $(sed -n 's/.*"node": *"\([^"]*\)".*/\1/p' "$SRC/package.json") system-wide (e.g. from NodeSource), or give its path: sudo NODE=/path/to/node $0"
fi
# The wrapper keeps the path as found (/usr/bin/node may be an alternatives link); the check
# looks at where it really is.
case "$(readlink -f "$NODE")" in
  /home/* | /root/* | /run/user/*)
    # ProtectHome=yes hides these from the service: a Node from nvm cannot run it.
    fail "node is at $(readlink -f "$NODE"), which the service cannot see (ProtectHome=yes): install Node.js system-wide, e.g. in /usr/bin" ;;
esac
# The version check is Node's own: package.json's engines says what the code needs.
# shellcheck disable=SC2016 # JavaScript, not shell
"$NODE" -e '
  const [want, have] = [JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).engines.node, process.versions.node];
  const min = want.replace(/^>=\s*/, "").split(".").map(Number);
  const cur = have.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    if ((cur[i] ?? 0) !== (min[i] ?? 0)) {
      if ((cur[i] ?? 0) > (min[i] ?? 0)) process.exit(0);
      console.error(`install.sh: Node.js ${have} is too old: evse-agent needs ${want}`);
      process.exit(1);
    }
  }' "$SRC/package.json" || exit 1
NPM=$(command -v npm || true)
[ -n "$NPM" ] || fail "npm not found (it comes with Node.js)"

say "installing evse-agent from $SRC${ROOT:+ into $ROOT} (node: $NODE, $("$NODE" --version))"

# --- the user and its groups ---

if on_real_root; then
  # gpio exists on Raspberry Pi OS (its udev rules give it /sys/class/gpio and /dev/gpiochip*).
  getent group gpio >/dev/null || groupadd --system gpio
  getent group dialout >/dev/null || groupadd --system dialout
  if ! getent passwd "$SERVICE_USER" >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir "$STATE_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
    say "created system user $SERVICE_USER"
  fi
  usermod --append --groups dialout,gpio "$SERVICE_USER"
else
  system groupadd --system gpio "(if missing)"
  system useradd --system --user-group --no-create-home --home-dir "$STATE_DIR" --shell /usr/sbin/nologin "$SERVICE_USER" "(if missing)"
  system usermod --append --groups dialout,gpio "$SERVICE_USER"
fi

# --- the application: staged next to the old one, then swapped in ---

STAGE=$ROOT$APP_DIR.new
rm -rf "$STAGE"
mkdir -p "$STAGE"
# No -a: files are owned by whoever installs (root), not by the checkout's owner.
cp -R --preserve=mode,timestamps "$SRC/package.json" "$SRC/package-lock.json" "$SRC/dist" "$SRC/hardware" "$SRC/config" "$SRC/systemd" "$STAGE/"
# The checkout's node_modules holds the build and test tools too (most of its size): copy only the
# packages that run, as npm lists them from package-lock.json (offline), then let npm prune check
# the result (it removes what a copied package's own node_modules held for development only).
mkdir -p "$STAGE/node_modules"
(cd "$SRC" && "$NPM" ls --omit=dev --all --parseable --loglevel=error 2>/dev/null || true) | while IFS= read -r dir; do
  rel=${dir#"$SRC"/}
  case $rel in node_modules/*) ;; *) continue ;; esac
  parent=$(dirname "$STAGE/$rel")
  mkdir -p "$parent"
  cp -R --preserve=mode,timestamps "$dir" "$parent/"
done
(cd "$STAGE" && "$NPM" prune --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
find "$STAGE/node_modules" -mindepth 1 -type d -empty -delete
rm -rf "$ROOT$APP_DIR"
mv "$STAGE" "$ROOT$APP_DIR"
say "installed $APP_DIR"

mkdir -p "$ROOT$(dirname "$WRAPPER")"
cat >"$ROOT$WRAPPER.tmp" <<EOF
#!/bin/sh
# evse-agent: written by $APP_DIR/systemd/install.sh. exec keeps one PID (systemd's main PID).
# The launcher runs the release that $STATE_DIR/current points at (a firmware update), else the
# program in $APP_DIR, in the same process; for \`run\` it rolls back an update that does not
# come up (systemd/README.md, "Firmware releases").
exec "$NODE" "$APP_DIR/dist/src/release/launcher.js" --state "$STATE_DIR" "\$@"
EOF
chmod 0755 "$ROOT$WRAPPER.tmp"
mv "$ROOT$WRAPPER.tmp" "$ROOT$WRAPPER"
say "installed $WRAPPER"

mkdir -p "$ROOT$(dirname "$UNIT")"
install -m 0644 "$SRC/systemd/evse-agent.service" "$ROOT$UNIT"
say "installed $UNIT"

# --- config and state: created once, never overwritten ---

# Root writes the config, the service's group reads it (the CSMS password lives there too).
mkdir -p "$ROOT$CONFIG_DIR"
chmod 0750 "$ROOT$CONFIG_DIR"
if is_root_user && on_real_root; then chown root:"$SERVICE_USER" "$ROOT$CONFIG_DIR"; fi
if [ -e "$ROOT$CONFIG" ]; then
  say "kept the existing $CONFIG"
else
  # The example's "$schema" is relative to config/; point it at the installed schema for editors.
  sed "s|\"\\\$schema\": *\"[^\"]*\"|\"\$schema\": \"$APP_DIR/config/config.schema.json\"|" "$SRC/$EXAMPLE_CONFIG" >"$ROOT$CONFIG.tmp"
  chmod 0640 "$ROOT$CONFIG.tmp"
  if is_root_user && on_real_root; then chown root:"$SERVICE_USER" "$ROOT$CONFIG.tmp"; fi
  mv "$ROOT$CONFIG.tmp" "$ROOT$CONFIG"
  say "installed the example config as $CONFIG (from $EXAMPLE_CONFIG): edit it before starting"
fi
if ! on_real_root; then
  say "  (--root) would run: chown root:$SERVICE_USER $CONFIG_DIR $CONFIG; chown $SERVICE_USER: $STATE_DIR"
fi
# systemd creates it at start too (StateDirectory=); made here so `evse-agent meter read` and
# check-config run as the service user find it.
mkdir -p "$ROOT$STATE_DIR"
chmod 0750 "$ROOT$STATE_DIR"
if is_root_user && on_real_root; then chown "$SERVICE_USER:$SERVICE_USER" "$ROOT$STATE_DIR"; fi
# The program just installed is the one to run: a release a firmware update made current is set
# aside (its folder stays under releases/ until the next update prunes it).
if [ -L "$ROOT$STATE_DIR/current" ]; then
  say "the installed program replaces release $(basename "$(readlink "$ROOT$STATE_DIR/current")") (was $STATE_DIR/current)"
  rm -f "$ROOT$STATE_DIR/current" "$ROOT$STATE_DIR/previous" "$ROOT$STATE_DIR/pending-install.json"
fi

# --- the serial port (Raspberry Pi) ---

if on_real_root && command -v raspi-config >/dev/null 2>&1; then
  # The UART on, the login console off it: the meter's RS485 line needs /dev/serial0 to itself.
  # A reboot makes this take effect.
  raspi-config nonint do_serial_hw 0 || say "warning: raspi-config could not enable the serial port; use raspi-config > Interface Options > Serial Port"
  raspi-config nonint do_serial_cons 1 || say "warning: raspi-config could not disable the serial console"
  say "serial port enabled, serial console disabled (reboot for it to take effect)"
elif on_real_root; then
  say "raspi-config not found: if the meter is on the UART (not a USB adapter), enable it and keep the login console off it"
else
  system raspi-config nonint do_serial_hw 0
  system raspi-config nonint do_serial_cons 1
fi

# --- systemd ---

if on_real_root && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  if [ "$ENABLE" = 1 ]; then
    systemctl enable "$SERVICE" >/dev/null 2>&1
    say "enabled $SERVICE (starts at boot; not started now)"
  fi
else
  system systemctl daemon-reload
  if [ "$ENABLE" = 1 ]; then system systemctl enable "$SERVICE"; fi
fi

cat <<EOF

Next steps:
  1. Edit $CONFIG (station identity, CSMS url, meter port, GPIO lines); with securityProfile 1
     or 2, put the CSMS password in $CONFIG_DIR/csms-password:
       sudo install -m 0640 -g $SERVICE_USER /dev/stdin $CONFIG_DIR/csms-password
  2. Check it:            sudo -u $SERVICE_USER evse-agent check-config $CONFIG
  3. Read the meter once: sudo -u $SERVICE_USER evse-agent meter read
  4. Start the service:   sudo systemctl start $SERVICE
  5. Watch it:            systemctl status $SERVICE; journalctl -u $SERVICE -f
EOF
