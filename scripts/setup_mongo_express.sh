#!/usr/bin/env bash
# Installs Mongo Express for the embedded stack from local_stack/mongo_express/package-lock.json and builds its
# front-end. The npm package ships without it (build-assets.json, build/): it is built with the package's own
# webpack config and the build tools locked beside it, offline. No install script runs (--ignore-scripts): none
# is needed, and mongo-express's devDependencies (cypress, mongodb-memory-server, which download binaries in
# theirs) are not installed at all. Idempotent: with an unchanged lock and script a second run does nothing.
set -euo pipefail
script="$(realpath "$0")"
cd "$(dirname "$0")/../local_stack/mongo_express"

fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

command -v patch >/dev/null 2>&1 \
  || fail "GNU patch is required to install mongo-express (patch not found). Install it: apt-get install patch."

wanted="$(cat package-lock.json "$script" | sha256sum | cut -d' ' -f1)"
install_stamp=node_modules/.installed-from
package=node_modules/mongo-express
build_stamp=$package/.built-from

if [ ! -f "$package/app.js" ] || [ "$(cat "$install_stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setup: installing mongo-express from npm"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error \
    || fail "npm ci failed in local_stack/mongo_express: Mongo Express is not installed (see the npm output above)"
  # Two of its dependencies are yarn `patch:` specs, which npm cannot read (the overrides in package.json install
  # the unpatched releases): apply the patches the package ships. renderjson's adds the default export that its
  # collection page imports (without it that page's script stops at its first line); mongodb-query-parser's
  # prints UUIDs with their dashes.
  for patched in renderjson:renderjson-npm-1.4.0-b198ae5f7e mongodb-query-parser:mongodb-query-parser-npm-2.4.6-234abad2fc; do
    patch --quiet --forward -p1 -d "node_modules/${patched%%:*}" < "$package/.yarn/patches/${patched#*:}.patch" \
      || fail "could not apply mongo-express's ${patched#*:}.patch to node_modules/${patched%%:*}"
  done
  echo "$wanted" > "$install_stamp"
fi

if [ ! -f "$package/build-assets.json" ] || [ "$(cat "$build_stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "setup: building the mongo-express front-end (webpack)"
  # The package's own config and script (`NODE_ENV=production webpack`); its old caniuse data is not refreshed.
  (cd "$package" && NODE_ENV=production BROWSERSLIST_IGNORE_OLD_DATA=1 ../.bin/webpack --no-color >/dev/null) \
    || fail "the mongo-express front-end did not build (run: cd $PWD/$package && NODE_ENV=production ../.bin/webpack)"
  [ -f "$package/build-assets.json" ] || fail "webpack wrote no $package/build-assets.json"
  echo "$wanted" > "$build_stamp"
fi
