#!/usr/bin/env bash
# Build gilscope for people without pip: a PyInstaller one-folder build, a portable
# tar.gz of it, and a Debian package.  One command, from a checkout:
#
#   bash packaging/build.sh                 # -> dist/gilscope_<version>_<arch>.deb
#                                           #    dist/gilscope-<version>-linux-<machine>.tar.gz
#                                           #    build/package/dist/gilscope/  (the folder)
#   bash packaging/build.sh --no-tar        # only the folder and the .deb
#   GILSCOPE_DEB_COMPRESSION=gzip ...       # faster .deb (CI); default xz (smallest)
#   GILSCOPE_PYTHON=/path/to/python ...     # build with that environment (default .venv)
#   GILSCOPE_OUT=DIR GILSCOPE_BUILD_DIR=DIR ... # where the results / the work files go
#
# Needs: the project's environment (bash .ci/setup.sh), PyInstaller (installed into it
# from PyPI when missing), dpkg-deb and dpkg-shlibdeps (apt-get install dpkg-dev).
# The folder runs on this distribution and newer ones: it needs this machine's glibc.
# Exit codes: 0 built, 1 a step failed (its message says which), 2 a tool is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

say() { printf 'build: %s\n' "$*"; }
die() { printf 'build: ERROR: %s\n' "$*" >&2; exit "${2:-1}"; }

MAKE_TAR=yes
MAKE_DEB=yes
for arg in "$@"; do
    case "$arg" in
        --no-tar) MAKE_TAR=no ;;
        --no-deb) MAKE_DEB=no ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) die "unknown option $arg (see --help)" 2 ;;
    esac
done

PY=${GILSCOPE_PYTHON:-$ROOT/.venv/bin/python}
OUT=${GILSCOPE_OUT:-$ROOT/dist}
WORK=${GILSCOPE_BUILD_DIR:-$ROOT/build/package}
FOLDER=$WORK/dist/gilscope
COMPRESSION=${GILSCOPE_DEB_COMPRESSION:-xz}

[ -x "$PY" ] || die "no Python environment at $PY: run bash .ci/setup.sh first (or set GILSCOPE_PYTHON)" 2
VERSION=$("$PY" -c 'import re; print(re.search(r"(?m)^version\s*=\s*\"([^\"]+)\"", open("pyproject.toml").read()).group(1))')
MACHINE=$(uname -m)

if ! "$PY" -m PyInstaller --version >/dev/null 2>&1; then
    say "PyInstaller missing: pip install pyinstaller (from PyPI)"
    "$PY" -m pip install --quiet --disable-pip-version-check 'pyinstaller>=6.10' \
        || die "could not install PyInstaller (offline? see README: Install)" 2
fi
if [ "$MAKE_DEB" = yes ]; then
    command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null \
        || die "dpkg-deb/dpkg-shlibdeps missing: apt-get install dpkg-dev (or use --no-deb)" 2
fi

t0=$(date +%s.%N)
elapsed() { printf '%.1f s' "$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo 0)"; }

# 1. The one-folder build -------------------------------------------------------------
say "PyInstaller $("$PY" -m PyInstaller --version) -> $FOLDER"
rm -rf "$WORK/dist"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$WORK/dist" --workpath "$WORK/work" packaging/gilscope.spec
say "folder built in $(elapsed): $(du -sh "$FOLDER" | cut -f1)"

# 2. Check it: every library resolves, both executables start --------------------------
is_elf() { [ "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' \n')" = '177ELF' ]; }
missing=$(cd "$FOLDER/_internal" && find . -type f \( -name '*.so*' -o -perm -u+x \) | while read -r f; do
    is_elf "$f" || continue
    LD_LIBRARY_PATH=$PWD ldd "$f" 2>/dev/null | grep 'not found' | sed "s|^|$f: |" || true
done)
[ -z "$missing" ] || die "libraries not found in the build:
$missing"
"$FOLDER/gilscope" list >/dev/null || die "the built gilscope does not start"
"$FOLDER/gilscope-runner" -c 'import sys; sys.exit(0)' || die "the built gilscope-runner does not start"
say "checked: every library resolves; gilscope and gilscope-runner start"

mkdir -p "$OUT"
# 3. Portable tar.gz (with the system libraries it was built with) ----------------------
if [ "$MAKE_TAR" = yes ]; then
    TARBALL=$OUT/gilscope-$VERSION-linux-$MACHINE.tar.gz
    tar -C "$WORK/dist" -czf "$TARBALL" gilscope
    say "$TARBALL: $(du -h "$TARBALL" | cut -f1)"
fi

# 4. The .deb --------------------------------------------------------------------------
if [ "$MAKE_DEB" = yes ]; then
    ARCH=$(dpkg --print-architecture)
    STAGE=$WORK/deb
    PKG=$STAGE/debian/gilscope
    rm -rf "$STAGE"
    mkdir -p "$PKG/DEBIAN" "$PKG/opt" "$PKG/usr/bin" "$PKG/usr/share/applications" \
             "$PKG/usr/share/icons/hicolor/scalable/apps" "$PKG/usr/share/doc/gilscope"
    cp -a "$FOLDER" "$PKG/opt/gilscope"
    # System libraries come from the distribution (Depends below), not from this build.
    while read -r lib; do
        [ -n "$lib" ] && rm -f "$PKG/opt/gilscope/_internal/$lib"
    done <"$WORK/dist/gilscope.system-libraries.txt"
    ln -s /opt/gilscope/gilscope "$PKG/usr/bin/gilscope"
    install -m 644 packaging/deb/gilscope.desktop "$PKG/usr/share/applications/gilscope.desktop"
    install -m 644 resources/gilscope.svg "$PKG/usr/share/icons/hicolor/scalable/apps/gilscope.svg"
    "$PY" packaging/render_icons.py "$PKG/usr/share/icons/hicolor" >/dev/null
    install -m 644 packaging/deb/copyright "$PKG/usr/share/doc/gilscope/copyright"
    "$PY" - "$PKG/usr/share/doc/gilscope/licenses" <<'PYEOF'
# The licence texts of what the folder bundles, from the build environment's metadata.
import importlib.metadata as md, os, shutil, sys, sysconfig
out = sys.argv[1]
def copy(src, name, base):
    os.makedirs(os.path.join(out, name), exist_ok=True)
    shutil.copyfile(src, os.path.join(out, name, base))
for name in ("PySide6-Essentials", "shiboken6", "pyqtgraph", "psutil", "numpy", "pyinstaller"):
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue
    for f in dist.files or ():
        text = str(f)
        base = os.path.basename(text)
        if base.upper().startswith(("LICENSE", "LICENCE", "COPYING")) or ".dist-info/licenses/" in text:
            copy(str(dist.locate_file(f)), name, base)
python_licence = os.path.join(sysconfig.get_paths()["stdlib"], "LICENSE.txt")
if os.path.exists(python_licence):
    copy(python_licence, "python", "LICENSE.txt")
PYEOF
    install -m 755 packaging/deb/postinst packaging/deb/postrm "$PKG/DEBIAN/"
    find "$PKG" -type d -exec chmod 755 {} +

    # Depends: what the ELF files need, mapped to packages by dpkg-shlibdeps.
    elfs=()
    while IFS= read -r f; do
        is_elf "$f" && elfs+=(-e"$f")
    done < <(find "$PKG/opt" -type f \( -name '*.so*' -o -perm -u+x \))
    libdirs=()
    while IFS= read -r d; do libdirs+=(-l"$d"); done < <(find "$PKG/opt" -name '*.so*' -printf '%h\n' | sort -u)
    printf 'Source: gilscope\nMaintainer: gilscope <gilscope@localhost>\n\nPackage: gilscope\nArchitecture: any\n' \
        >"$STAGE/debian/control"
    depends=$(cd "$STAGE" && dpkg-shlibdeps -O --warnings=0 "${libdirs[@]}" "${elfs[@]}" 2>"$WORK/shlibdeps.log" \
              | sed -n 's/^shlibs:Depends=//p') || { cat "$WORK/shlibdeps.log" >&2; die "dpkg-shlibdeps failed"; }
    [ -n "$depends" ] || { cat "$WORK/shlibdeps.log" >&2; die "dpkg-shlibdeps found no dependencies"; }
    # A library's symbols file may tie it to its own source's version with a substitution
    # variable ("libkrb5support0 (= ${binary:Version})" on Debian 13), meaningful only inside
    # that source's build: here it becomes "at least the version installed on this machine".
    depends=$(printf '%s\n' "$depends" | tr ',' '\n' | while IFS= read -r item; do
        item=$(printf '%s' "$item" | sed 's/^ *//; s/ *$//')
        case "$item" in
            *'${'*) name=${item%% *}
                    have=$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)
                    if [ -n "$have" ]; then item="$name (>= $have)"; else item="$name"; fi ;;
        esac
        printf '%s\n' "$item"
    done | paste -sd, - | sed 's/,/, /g')

    cat >"$PKG/DEBIAN/control" <<CONTROL
Package: gilscope
Version: $VERSION
Architecture: $ARCH
Maintainer: gilscope <gilscope@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
Depends: $depends
Recommends: fonts-noto-cjk | fonts-wqy-microhei | fonts-wqy-zenhei
Suggests: python3
Section: education
Priority: optional
Description: watch Python threads, processes and the GIL at work, live
 gilscope runs small Python scenarios (threads, processes, pools, a race, a
 deadlock, the GIL) and plots per-core load, a timeline of every thread and
 process and the shared-variable trace as they run, then explains what happened
 with measured numbers.  English and Simplified Chinese.
 .
 A Python is bundled; any installed CPython 3.9 or newer can run the scenarios too.
CONTROL
    DEB=$OUT/gilscope_${VERSION}_${ARCH}.deb
    dpkg-deb --root-owner-group -Z"$COMPRESSION" --build "$PKG" "$DEB" >/dev/null
    say "$DEB: $(du -h "$DEB" | cut -f1), installed $(du -sh --exclude=DEBIAN "$PKG" | cut -f1)"
    say "Depends: $depends"
fi
say "done in $(elapsed)"
