#!/usr/bin/env bash
# Lints what a consumer receives: packs every package (`pnpm pack`, so `prepack`
# builds it and workspace: ranges become real ones), then runs publint and
# @arethetypeswrong/cli (ESM-only profile) over each tarball. Fails on any error or
# warning of either. `pnpm lint:packages`; .ci/run calls it before the tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

# Each package's prepack emits against the declarations of the packages it depends on.
pnpm -s build

out=$(mktemp -d "${TMPDIR:-/tmp}/sim-lint-packages-XXXXXX")
trap 'rm -rf "$out"' EXIT

failed=()
for dir in packages/*/; do
  name=$(node -p "require('./${dir}package.json').name")
  (cd "$dir" && pnpm pack --pack-destination "$out" >/dev/null)
  tarball=$(ls "$out"/*.tgz)
  printf '\n--- %s (%s)\n' "$name" "$(basename "$tarball")"
  # --strict: warnings fail too. publint reads the tarball itself (no install).
  "$root/node_modules/.bin/publint" run "$tarball" --strict || failed+=("$name: publint")
  # esm-only: the packages have no CommonJS entry points on purpose (docs/development.md).
  "$root/node_modules/.bin/attw" --profile esm-only --no-definitely-typed --no-color --format table-flipped "$tarball" || failed+=("$name: attw")
  rm -f "$tarball"
done

if [ ${#failed[@]} -gt 0 ]; then
  printf '\npackage lint failed:\n'
  printf '  %s\n' "${failed[@]}"
  exit 1
fi
printf '\nall packages pass publint and attw (esm-only)\n'
