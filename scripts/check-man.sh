#!/usr/bin/env bash
# Checks that man/ is what `make man` would write from today's --help texts (the dates aside).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swift package --allow-writing-to-package-directory generate-manual --configuration debug --output-directory "$out" >/dev/null
mv "$out/webprofiled.1" "$out/webprofiled.8"
sed -i 's/^\.Dt WEBPROFILED 1$/.Dt WEBPROFILED 8/' "$out/webprofiled.8"
status=0
for page in webprofilectl.1 webprofiled.8; do
    if ! diff -u <(grep -v '^\.Dd' "man/$page") <(grep -v '^\.Dd' "$out/$page") >/dev/null; then
        echo "man/$page does not match the --help texts; run \`make man\`" >&2
        diff -u <(grep -v '^\.Dd' "man/$page") <(grep -v '^\.Dd' "$out/$page") | head -20 >&2
        status=1
    fi
done
exit $status
