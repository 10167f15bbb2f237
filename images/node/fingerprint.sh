#!/bin/sh
# What sim-test/node is made of: this machine's node version and the SDK's sources.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
echo "$(node --version)-$(node "$here/sdk.mjs" --fingerprint)"
