#!/bin/bash
# Install the Debian 12 packages segstore needs to build and test.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

packages=(
    build-essential
    postgresql-15
    postgresql-server-dev-15
    postgresql-15-cron
    libmsgpack-dev
    libzstd-dev
    libcurl4-openssl-dev
    libipc-run-perl
)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
