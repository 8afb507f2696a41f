#!/usr/bin/env bash
# Installs the system packages mscrypt builds and tests with (Debian/Ubuntu).
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  build-essential cmake ninja-build pkg-config git \
  openssl libssl-dev \
  libprotobuf-dev protobuf-compiler \
  libgtest-dev libgmock-dev \
  clang-14 libclang-rt-14-dev \
  python3 python3-dev python3-venv python3-pip >/dev/null
echo "system packages installed"
