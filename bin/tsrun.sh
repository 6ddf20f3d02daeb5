#!/bin/sh
# tsrun launcher in sh: the fallback for bin/tsrun, which links to native/build/tsrun (the
# same logic compiled from native/launcher.c, without the shell and its fork).
# Works from any cwd and with an empty environment (podman calls
# runtimes with no PATH and no HOME), so node is never looked up through PATH first:
# the node that built tsrun is recorded in dist/node-path by the build.
# Note: NODE_EXTRA_CA_CERTS is dropped: tsrun makes no TLS connections, and loading
# extra CA certificates triples node's start-up time.
self=$0
while [ -L "$self" ]; do
  link=$(readlink "$self")
  case $link in /*) self=$link ;; *) self=${self%/*}/$link ;; esac
done
dir=$(cd "${self%/*}/.." && pwd -P) || exit 1
node=
if [ -r "$dir/dist/node-path" ]; then read -r node < "$dir/dist/node-path"; fi
for n in "$node" "${TSRUN_NODE:-}" /usr/local/bin/node /usr/bin/node; do
  if [ -n "$n" ] && [ -x "$n" ]; then node=$n; break; fi
done
if [ -z "$node" ] || [ ! -x "$node" ]; then echo "tsrun: node not found (set TSRUN_NODE)" >&2; exit 1; fi
unset NODE_EXTRA_CA_CERTS
# The bundle with its code cache (npm run build makes it; see docs/PERFORMANCE.md) starts
# about twice as fast as the ~60 modules under dist/src/. TSRUN_NO_BUNDLE=1 runs those.
if [ -z "${TSRUN_NO_BUNDLE:-}" ] && [ -r "$dir/dist/bundle/launch.cjs" ]; then
  exec "$node" "$dir/dist/bundle/launch.cjs" "$@"
fi
exec "$node" "$dir/dist/src/main.js" "$@"
