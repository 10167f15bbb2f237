#!/bin/sh
# Root filesystem of sim-test/node: this machine's `node` binary, the shared libraries
# `ldd` lists for it, the dynamic loader, and sim's node SDK at
# /node_modules/@sim/protocol (`import { runNode } from "@sim/protocol/sdk"`).
# No shell, no package manager (~100 MB).
set -eu
root=$1
here=$(cd "$(dirname "$0")" && pwd)

node=$(readlink -f "$(command -v node)")
mkdir -p "$root/usr/bin" "$root/tmp" "$root/app" "$root/proc" "$root/sys" "$root/dev" "$root/etc"
chmod 1777 "$root/tmp"
cp "$node" "$root/usr/bin/node"

# Lines look like "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or, for the
# loader, "/lib64/ld-linux-x86-64.so.2 (0x…)". Each library is copied (symlinks
# resolved) to the path the loader looks it up under.
ldd "$node" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }' | while read -r lib; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
node "$here/sdk.mjs" "$root"
printf 'root:x:0:0:root:/root:/bin/false\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

echo 'ENV PATH=/usr/bin'
echo 'WORKDIR /app'
echo 'CMD ["/usr/bin/node"]'
