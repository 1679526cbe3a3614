#!/bin/sh
# The test command (npm test): build, then run the suite inside a private D-Bus session
# with a real keyring when one can be started (scripts/with-keyring.sh), so keychain
# tests use a real Secret Service and never the user's own; without one they report
# themselves skipped. Ends with one line: N passed, N failed, N skipped.
set -eu
cd "$(dirname "$0")/.."
npm run --silent build
mkdir -p .ci/out
report=.ci/out/vitest.json
rm -f "$report"
status=0
sh scripts/with-keyring.sh npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
node scripts/summary.mjs "$report" || status=1
exit $status
