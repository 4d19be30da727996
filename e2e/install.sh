#!/bin/sh
# Prepares this machine for the e2e scripts; safe to run again and again.
#  - Debian's chromium at /usr/bin/chromium (apt), unless it is already there;
#  - node_modules from package-lock.json (npm ci), unless it is already current.
# Nothing here downloads a browser through npm: playwright-core has no download step of
# its own, install scripts are not run, and PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD is set anyway.
set -eu

cd "$(dirname "$0")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export PUPPETEER_SKIP_DOWNLOAD=1

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "install.sh: $* needs root (no sudo found)" >&2
		exit 1
	fi
}

if [ -x /usr/bin/chromium ]; then
	echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
else
	echo "chromium: installing Debian's package"
	as_root apt-get update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

if ! command -v node >/dev/null 2>&1; then
	echo "install.sh: node is missing (node 20 or newer is needed)" >&2
	exit 1
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
	echo "install.sh: node $(node --version) is too old (node 20 or newer is needed)" >&2
	exit 1
fi

# node_modules is current when it was installed from this very package-lock.json.
stamp=node_modules/.scoutgraph-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -d node_modules ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "node_modules: up to date"
else
	echo "node_modules: npm ci"
	npm ci --ignore-scripts --no-audit --no-fund
	echo "$want" >"$stamp"
fi
