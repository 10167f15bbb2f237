#!/bin/sh
# Root filesystem of sim-test/busybox: Debian's statically linked busybox and one
# symlink per applet (sh, httpd, nc, wget, sleep, …). About 2 MB.
set -eu
root=$1

bin=$(command -v busybox || true)
if [ -z "$bin" ] || ldd "$bin" >/dev/null 2>&1; then
  # Missing, or dynamically linked (Debian's `busybox` package): the image needs the static one.
  apt-get install -y busybox-static >&2
  bin=$(command -v busybox)
fi

mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/var/www" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$bin" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
  [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

echo 'ENV PATH=/bin'
echo 'CMD ["/bin/sh"]'
