#!/usr/bin/env bash
# Installs the kiosk on a Debian machine as a service: a system user, /opt/footkiosk with
# its virtual environment, config and secrets in /etc/footkiosk (secrets 0600, never in the
# repository), the systemd units and the RealSense udev rule. Usage (as root):
#   scripts/install.sh [--hq]      # --hq: the HQ server instead of a kiosk
set -euo pipefail
cd "$(dirname "$0")/.."
mode=kiosk
[ "${1:-}" = "--hq" ] && mode=hq
[ "$(id -u)" = 0 ] || { echo "install.sh: run as root" >&2; exit 2; }

apt-get update -qq
pkgs=(libusb-1.0-0 libgl1 libglib2.0-0 python3-venv curl)
[ "$mode" = kiosk ] && pkgs+=(chromium cage fonts-noto-cjk)
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}"

id footkiosk >/dev/null 2>&1 || useradd --system --home /var/lib/footkiosk --create-home \
  --shell /usr/sbin/nologin --groups video,plugdev,dialout footkiosk
usermod -a -G video,plugdev,dialout footkiosk  # an older install's user gains the strip's group
install -d -o root -g root -m 0755 /opt/footkiosk
cp -a kiosk pyproject.toml README.md docs calibration /opt/footkiosk/ 2>/dev/null || true
[ -x /opt/footkiosk/.venv/bin/python ] || python3 -m venv /opt/footkiosk/.venv
/opt/footkiosk/.venv/bin/pip install -q --disable-pip-version-check /opt/footkiosk

install -d -o root -g footkiosk -m 0750 /etc/footkiosk
if [ ! -f /etc/footkiosk/secret_key ]; then
  umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > /etc/footkiosk/secret_key
fi
chmod 0600 /etc/footkiosk/secret_key
conf=/etc/footkiosk/$([ "$mode" = hq ] && echo hq || echo kiosk).toml
if [ ! -f "$conf" ]; then
  (umask 027; printf 'version = 1\ndata_dir = "/var/lib/footkiosk"\ncalibration_dir = "/var/lib/footkiosk/calibration"\n' > "$conf")
  if [ "$mode" = hq ]; then
    # HQ is reached over HTTPS (a TLS proxy in front): cookies only over TLS, and HSTS
    # behind one TLS proxy on this host: it names the client (per-client login limits)
    printf '[web]\nsecure_cookies = true\ntrusted_proxies = 1\n# the address phones open QR summaries at:\n# public_url = "https://hq.example.com"\n' >> "$conf"
  else
    printf '[capture]\nsource = "realsense"\n' >> "$conf"
  fi
  chgrp footkiosk "$conf"
fi
install -d -o footkiosk -g footkiosk -m 0700 /var/lib/footkiosk
chmod 0700 /var/lib/footkiosk

install -m 0644 systemd/*.service systemd/*.timer /etc/systemd/system/
install -m 0644 systemd/99-realsense.rules /etc/udev/rules.d/
udevadm control --reload-rules && udevadm trigger || true
systemctl daemon-reload
if [ "$mode" = hq ]; then
  systemctl enable --now footkiosk-hq.service
else
  systemctl enable --now footkiosk-web.service footkiosk-purge.timer
  [ -f /etc/footkiosk/hq_token ] && systemctl enable --now footkiosk-sync.timer
  systemctl enable footkiosk-browser.service
fi
echo "install.sh: $mode installed; see docs/OPERATIONS.md"
