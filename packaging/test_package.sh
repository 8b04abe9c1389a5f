#!/bin/bash
# Builds the Debian package from the build tree, unpacks it into a temporary root and checks it the
# way a user's system would meet it: the desktop entry and the AppStream metainfo validate, the man
# pages render without warnings, the dependencies were computed, and the unpacked normlab-cli
# prints its version and trains one epoch on the built-in data.
# usage: test_package.sh BUILD_DIR
set -euo pipefail
build=$1
app_id=org.normlab.NormLab
fail() { echo "FAIL: $*" >&2; exit 1; }

for tool in cpack dpkg-deb dpkg-shlibdeps desktop-file-validate appstreamcli man; do
    command -v "$tool" >/dev/null || fail "'$tool' is missing: run packaging/install-build-deps.sh"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "== cpack"
if ! cpack --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
    cat "$tmp/cpack.log" >&2
    fail "cpack did not build the package"
fi
debs=("$tmp"/out/*.deb)
[ -f "${debs[0]}" ] || fail "no .deb in $tmp/out"
deb=${debs[0]}
echo "$(basename "$deb"): $(du -h "$deb" | cut -f1)"

echo "== control"
dpkg-deb --field "$deb" Package Version Architecture Depends
depends=$(dpkg-deb --field "$deb" Depends)
for needed in libtorch libqt6widgets6 libqt6svg6 libopencv-imgcodecs libsqlite3 libarchive libcurl qt6-qpa-plugins libopenblas0-openmp; do
    [[ $depends == *"$needed"* ]] || fail "Depends does not name $needed: $depends"
done
version=$(dpkg-deb --field "$deb" Version)

echo "== contents"
root=$tmp/root
dpkg-deb -x "$deb" "$root"
for f in usr/bin/normlab usr/bin/normlab-cli \
         usr/share/applications/$app_id.desktop \
         usr/share/metainfo/$app_id.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/$app_id.svg \
         usr/share/icons/hicolor/48x48/apps/$app_id.png \
         usr/share/icons/hicolor/256x256/apps/$app_id.png \
         usr/share/man/man1/normlab.1.gz usr/share/man/man1/normlab-cli.1.gz \
         usr/share/normlab/configs/s8-bn.json; do
    [ -s "$root/$f" ] || fail "$f is missing from the package"
done
file "$root/usr/share/icons/hicolor/48x48/apps/$app_id.png" 2>/dev/null | grep -q "48 x 48" \
    || [ "$(head -c 8 "$root/usr/share/icons/hicolor/48x48/apps/$app_id.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] \
    || fail "the 48x48 icon is not a PNG"
if [ -n "$(find "$root/usr/bin" -type f -exec sh -c 'file "$1" | grep -q "not stripped"' _ {} \; -print 2>/dev/null)" ]; then
    fail "the programs in the package are not stripped"
fi

echo "== desktop-file-validate"
# Hints too: they name real problems (an application listed twice in the menu).
messages=$(desktop-file-validate "$root/usr/share/applications/$app_id.desktop" 2>&1) \
    || fail "desktop-file-validate: $messages"
[ -z "$messages" ] || fail "desktop-file-validate: $messages"

echo "== appstreamcli validate"
appstreamcli validate --no-net --explain "$root/usr/share/metainfo/$app_id.metainfo.xml"

echo "== man pages"
for page in normlab normlab-cli; do
    warnings=$(MANWIDTH=80 man --warnings -l "$root/usr/share/man/man1/$page.1.gz" 2>&1 >/dev/null)
    [ -z "$warnings" ] || fail "$page.1: $warnings"
done

echo "== the unpacked normlab-cli"
cli=$root/usr/bin/normlab-cli
out=$("$cli" --version)
echo "$out"
[[ $version == "$(echo "$out" | grep -o '[0-9][0-9.]*' | head -1)"* ]] \
    || fail "normlab-cli --version says '$out', the package is $version"
export HOME=$tmp/home NORMLAB_STORE=$tmp/store XDG_DATA_HOME=$tmp/home/.local/share
"$cli" train s8-bn --data synthetic --epochs 1 --train-limit 512 --test-limit 256 \
    --threads 1 --name packaged >"$tmp/train.log" 2>&1 || { cat "$tmp/train.log" >&2; fail "training failed"; }
tail -n 3 "$tmp/train.log"
"$cli" runs list >"$tmp/runs.log"
grep -q "packaged.*finished" "$tmp/runs.log" || { cat "$tmp/runs.log" >&2; fail "the run is not recorded as finished"; }
"$cli" summary s8-ln | grep -q "Total params: 48072" || fail "summary s8-ln: not 48,072 parameters"
echo "package OK: $(basename "$deb")"
