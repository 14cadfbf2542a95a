#!/usr/bin/env bash
# The browser the web interface's end-to-end tests drive: Debian's chromium package (never a downloaded build).
#   scripts/browser.sh install  -> installs Debian's chromium if needed, prints the path of its executable
#   scripts/browser.sh path     -> prints that path if chromium is installed, fails otherwise
# Playwright for Python drives it through `executable_path`; `playwright install` is never needed.
set -euo pipefail

action=${1:?usage: $0 install | path}

find_chromium() {
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

case "$action" in
  install)
    if ! find_chromium >/dev/null; then
      if [ "$(id -u)" != 0 ]; then echo "chromium is not installed and this user cannot install it" >&2; exit 1; fi
      echo "installing Debian's chromium package" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 \
             && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null; }
    fi
    find_chromium || { echo "chromium could not be installed" >&2; exit 1; }
    ;;
  path)
    find_chromium || { echo "chromium is not installed (run: $0 install)" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 install | path" >&2; exit 2 ;;
esac
