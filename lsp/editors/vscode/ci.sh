#!/usr/bin/env bash
# Installs the extension's npm dependencies (from package-lock.json), runs the
# TextMate grammar test over every .seg file of the repository, and packages the
# extension as seg-language.vsix. Needs node >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi
npm test
npm run package
ls -l seg-language.vsix
