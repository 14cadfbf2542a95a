#!/usr/bin/env bash
# A throwaway live video stream for the test suite: a file served over HTTP on loopback, in a loop.
#   scripts/ffmpeg-stream-server.sh install          -> installs Debian's ffmpeg if needed, prints its path
#   scripts/ffmpeg-stream-server.sh serve FILE [PORT] -> prints the stream's URL on stdout (choosing a free
#                                                       port unless given one), then becomes (exec) the ffmpeg
#                                                       process serving it, so killing that process id cuts
#                                                       the connection like a camera going offline
# The server plays FILE at its own frame rate (-re), for ever (-stream_loop -1), without re-encoding, as
# MPEG-TS, to one client at a time (-listen 1: it exits when its client goes away).
set -euo pipefail

action=${1:?usage: $0 install | serve FILE [PORT]}

ensure_ffmpeg() {
  if ! command -v ffmpeg >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then echo "ffmpeg is not installed and this user cannot install it" >&2; exit 1; fi
    echo "installing Debian's ffmpeg package" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ffmpeg >/dev/null; }
  fi
  command -v ffmpeg
}

case "$action" in
  install)
    ensure_ffmpeg
    ;;
  serve)
    file=${2:?usage: $0 serve FILE [PORT]}
    port=${3:-}
    [ -f "$file" ] || { echo "no such file: $file" >&2; exit 1; }
    ffmpeg=$(ensure_ffmpeg)
    if [ -z "$port" ]; then
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    echo "http://127.0.0.1:$port/stream.ts"
    exec "$ffmpeg" -hide_banner -loglevel error -nostdin -re -stream_loop -1 -i "$file" \
      -map 0:v:0 -c copy -f mpegts -listen 1 "http://127.0.0.1:$port/stream.ts"
    ;;
  *)
    echo "usage: $0 install | serve FILE [PORT]" >&2; exit 2 ;;
esac
