#!/bin/sh
# End-to-end demo on a throwaway vault: no keychain, no prompt, nothing left behind.
set -eu
cd "$(dirname "$0")/.."
[ -f dist/cli/main.js ] || npm run --silent build
ks="node $(pwd)/bin/kamal-secret.js"
demo=$(mktemp -d)
trap '$ks agent stop >/dev/null 2>&1 || true; rm -rf "$demo"' EXIT
eval "$(node scripts/throwaway-env.mjs "$demo")"

step() { printf '\n$ %s\n' "$*"; }

cd "$demo"
mkdir -p app/config
cat > app/config/deploy.yml <<'YML'
service: shop
image: example/shop
servers: [192.0.2.10]
registry:
  username: example
  password: [KAMAL_REGISTRY_PASSWORD]
env:
  secret: [RAILS_MASTER_KEY, DATABASE_URL]
YML
cat > app/.env <<'ENV'
KAMAL_REGISTRY_PASSWORD=registry-token-123456
RAILS_MASTER_KEY=0123456789abcdef0123456789abcdef
DATABASE_URL=postgres://shop:pa$word1@db.internal/shop
ENV
cd app

step kamal-secret init --no-keychain;  $ks init --no-keychain
step kamal-secret import .env;          $ks import .env
step kamal-secret get RAILS_MASTER_KEY; $ks get RAILS_MASTER_KEY
step kamal-secret list;                 $ks list
step kamal-secret export --format json; $ks export --format json
step kamal-secret kamal init;          $ks kamal init
step cat .kamal/secrets;               cat .kamal/secrets
step kamal-secret check;               $ks check
step "kamal-secret run -- sh -c '…'  (stands in for: kamal-secret run -- kamal deploy)"
$ks run -- sh -c 'for n in KAMAL_REGISTRY_PASSWORD RAILS_MASTER_KEY DATABASE_URL; do eval "v=\$$n"; echo "$n reaches the command (${#v} characters)"; done'
printf '\nDemo finished: the vault lived in %s and is now deleted.\n' "$demo"
