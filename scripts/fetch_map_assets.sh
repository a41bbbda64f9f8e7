#!/usr/bin/env bash
# Fetch the JavaScript/CSS that geo311.render.maps inlines into offline HTML maps (and that
# the web pages serve), and axe-core, which the browser tests of the pages run.
#
# The files come from the npm registry (pinned versions), are copied with their licences
# into geo311/render/assets/ (axe-core: tests/pages/assets/, a test-only file, not in the
# package) and committed, so nothing needs the network at install, test or run time.
# Re-run only to upgrade: bump a version below, run, review the diff.
set -euo pipefail
cd "$(dirname "$0")/.."
DEST=geo311/render/assets
LEAFLET=leaflet@1.9.4
HEAT=leaflet.heat@0.2.0
D3=d3@3.5.17
AXE=axe-core@4.14.1

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$LEAFLET" "$HEAT" "$D3" "$AXE" >/dev/null)
for tarball in "$work"/*.tgz; do
    name="$(basename "$tarball" .tgz)"
    mkdir -p "$work/$name"
    tar -xzf "$tarball" -C "$work/$name" --strip-components=1
done

mkdir -p "$DEST"
cp "$work"/leaflet-1.9.4/dist/leaflet.js "$DEST/leaflet.js"
cp "$work"/leaflet-1.9.4/dist/leaflet.css "$DEST/leaflet.css"
cp "$work"/leaflet-1.9.4/LICENSE "$DEST/LICENSE.leaflet"
cp "$work"/leaflet-1.9.4/dist/images/layers.png "$work"/leaflet-1.9.4/dist/images/layers-2x.png "$DEST/"
cp "$work"/leaflet.heat-0.2.0/dist/leaflet-heat.js "$DEST/leaflet-heat.js"
cp "$work"/leaflet.heat-0.2.0/LICENSE "$DEST/LICENSE.leaflet.heat"
cp "$work"/d3-3.5.17/d3.min.js "$DEST/d3.min.js"
cp "$work"/d3-3.5.17/LICENSE "$DEST/LICENSE.d3"
(cd "$DEST" && sha256sum leaflet.js leaflet.css layers.png layers-2x.png leaflet-heat.js d3.min.js > SHA256SUMS)
ls -l "$DEST"
TESTS=tests/pages/assets
mkdir -p "$TESTS"
cp "$work"/axe-core-4.14.1/axe.min.js "$TESTS/axe.min.js"
cp "$work"/axe-core-4.14.1/LICENSE "$TESTS/LICENSE.axe-core"
cp "$work"/axe-core-4.14.1/LICENSE-3RD-PARTY.txt "$TESTS/LICENSE-3RD-PARTY.axe-core.txt"
(cd "$TESTS" && sha256sum axe.min.js > SHA256SUMS)
ls -l "$TESTS"
