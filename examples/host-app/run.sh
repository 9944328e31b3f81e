#!/usr/bin/env bash
# Packs the published packages (what a consumer installs), installs them into this app, which
# lives outside the pnpm workspace, and runs its test. Needs `pnpm build` first.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
packs="$(mktemp -d)"
work="$(mktemp -d)"
trap 'rm -rf "$packs" "$work"' EXIT
for pkg in domain pages adapters-drizzle http-express client; do
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$packs" >/dev/null)
done
cp "$here/package.json" "$here/app.mjs" "$here/test.mjs" "$work/"
cd "$work"
npm install --no-audit --no-fund --no-package-lock --loglevel=error "$packs"/*.tgz
node test.mjs
