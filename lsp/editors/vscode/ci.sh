#!/usr/bin/env bash
# CI for the VS Code extension, runnable from a fresh clone: installs the npm
# dependencies exactly as locked in package-lock.json, tokenizes every .seg file of
# the repository (examples/ included) with the TextMate grammar, and packages the
# extension as seg-language.vsix. Needs node >= 20 and npm.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm test
npx @vscode/vsce package --skip-license --allow-missing-repository --out seg-language.vsix
ls -l seg-language.vsix
