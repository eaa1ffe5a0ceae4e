#!/usr/bin/env bash
# Fetch the pinned Chart.js build from the npm registry into the app's static files.
# Run at development time only (the result is committed; nothing is fetched at run time).
# Chart.js is MIT-licensed; its licence is kept beside the file.
set -euo pipefail
VERSION=4.5.1
DEST="$(cd "$(dirname "$0")/.." && pwd)/honeydesk/web/static/honeydesk/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "chart.js@$VERSION" >/dev/null && tar xzf "chart.js-$VERSION.tgz")
mkdir -p "$DEST"
cp "$work/package/dist/chart.umd.min.js" "$DEST/chart-$VERSION.umd.min.js"
cp "$work/package/LICENSE.md" "$DEST/chart-$VERSION.LICENSE.md"
echo "Chart.js $VERSION -> $DEST"
