#!/bin/sh
# Builds sim's local test images without a registry: `images/build.sh busybox|node [--force]`.
# An image that already exists is left alone unless --force is given, so tests can call
# this before every suite. Prints the image's tag on the last line of stdout.
set -eu

usage() {
  echo "usage: $0 busybox|node [--force]" >&2
  exit 2
}

[ $# -ge 1 ] || usage
name=$1
force=${2:-}
here=$(cd "$(dirname "$0")" && pwd)

case "$name" in
  busybox) tag=${SIM_BUSYBOX_IMAGE:-sim-test/busybox:1} ;;
  node) tag=${SIM_NODE_IMAGE:-sim-test/node:1} ;;
  *) usage ;;
esac

# A recipe may print a fingerprint of what goes into the image (fingerprint.sh); an
# existing image is rebuilt when its recorded fingerprint differs (e.g. the SDK changed).
fingerprint=none
if [ -x "$here/$name/fingerprint.sh" ]; then
  fingerprint=$("$here/$name/fingerprint.sh")
fi
if [ "$force" != "--force" ]; then
  current=$(docker image inspect --format '{{ index .Config.Labels "sim.fingerprint" }}' "$tag" 2>/dev/null || echo missing)
  if [ "$current" = "$fingerprint" ]; then
    echo "$tag"
    exit 0
  fi
fi

previous=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
root=$(mktemp -d "${TMPDIR:-/tmp}/sim-image-$name.XXXXXX")
trap 'rm -rf "$root"' EXIT INT TERM

# Each recipe fills "$root" with a root filesystem and prints `docker import --change`
# arguments, one per line.
changes=$(sh "$here/$name/rootfs.sh" "$root")

set --
while IFS= read -r change; do
  [ -n "$change" ] && set -- "$@" --change "$change"
done <<CHANGES
$changes
CHANGES

tar --numeric-owner --owner=0 --group=0 -C "$root" -c . |
  docker import "$@" --change "LABEL sim.test-image=$name" --change "LABEL sim.fingerprint=$fingerprint" --message "sim test image ($name)" - "$tag" >/dev/null
# The image this one replaces is left untagged; remove it unless something still uses it.
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
  docker image rm "$previous" >/dev/null 2>&1 || true
fi
echo "$tag"
