#!/usr/bin/env bash
# Rebuilds plotly-portal.min.js from npm's plotly.js (the version Dash's plotly package bundles:
# `python -c "import plotly.offline as o; print(o.get_plotlyjs_version())"`) with esbuild.
set -euo pipefail
version="${1:-4.1.1}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund "plotly.js@$version" esbuild >/dev/null
cp "$here/entry.js" entry.js
npx esbuild entry.js --bundle --minify --format=iife --target=es2017 --legal-comments=eof \
  --define:global=window --outfile=out.js --log-level=warning
{ printf '/* plotly.js v%s (MIT, Copyright 2012-2026 Plotly, Inc.): core + bar, heatmap, histogram.' "$version"
  printf ' Built by assets/vendor/plotly/build.sh */\n'; cat out.js; } > "$here/plotly-portal.min.js"
cp node_modules/plotly.js/LICENSE "$here/LICENSE"
echo "wrote $here/plotly-portal.min.js ($(wc -c < "$here/plotly-portal.min.js") bytes)"
