#!/bin/sh
# Restarts a systemd unit when it exists; prints what it did either way.
set -eu
unit="$1"
if command -v systemctl >/dev/null 2>&1 && systemctl list-unit-files "$unit.service" >/dev/null 2>&1; then
  systemctl restart "$unit"
  echo "restarted $unit on $(hostname)"
else
  echo "no $unit unit on $(hostname); nothing to restart"
fi
