#!/usr/bin/env bash
# Installs the Debian packages the tests and training need, only when missing:
#   xgboost (CLI, training), python3-xgboost (golden SHAP fixture), chromium (e2e).
# Usage: scripts/install-system-deps.sh [xgboost] [chromium] [python3-xgboost] ...
set -euo pipefail
want=("$@")
[ ${#want[@]} -eq 0 ] && want=(xgboost chromium)

missing=()
for pkg in "${want[@]}"; do
  case "$pkg" in
    xgboost) command -v xgboost >/dev/null 2>&1 || missing+=(xgboost) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ;;
    *) dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "       install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=600 \
  --no-install-recommends "${missing[@]}"
