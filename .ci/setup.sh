#!/usr/bin/env bash
# Set up everything gilscope needs to run and to be tested, from a bare machine.
#
#   bash .ci/setup.sh                  # system libraries (if root) + .venv + pip install
#   GILSCOPE_PYTHON=/path/to/python3 bash .ci/setup.sh   # build .venv on that interpreter
#   GILSCOPE_NO_APT=1 bash .ci/setup.sh                  # leave system packages alone
#
# Safe to run again and again: every step checks first and does nothing when it is
# already done, so the README can put it in front of every command.
# Exit codes: 0 ready, 2 no usable Python (missing or older than 3.10), 1 anything else.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

say()  { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: WARNING: %s\n' "$*" >&2; }

is_root() { [ "$(id -u)" = 0 ]; }
have()    { command -v "$1" >/dev/null 2>&1; }

# Logs of the noisy steps, shown only when a step fails. Private to this run.
LOGS=$(mktemp -d "${TMPDIR:-/tmp}/gilscope-setup.XXXXXX")
trap 'rm -rf "$LOGS"' EXIT

# --------------------------------------------------------------------------------------
# 1. System libraries.
# PySide6 wheels bundle Qt but not the X11/xcb, GL, font and D-Bus libraries under it:
# without them the window cannot open ("could not load the Qt platform plugin xcb").
# xvfb + xauth give a virtual screen (screenshots, a real window in CI); a CJK font is
# needed or the Simplified Chinese UI draws as empty boxes.  dpkg-dev (dpkg-shlibdeps)
# builds the .deb and xdotool presses keys in its window (tests/packaging).
# Each entry may list alternatives "a|b": Debian 13 renamed some libraries for the
# 64-bit time_t transition (libglib2.0-0 -> libglib2.0-0t64). The first installed
# alternative satisfies the entry; otherwise the first one apt knows is installed.
# --------------------------------------------------------------------------------------
SYSTEM_PACKAGES=(
    libegl1 libgl1 libxkbcommon-x11-0 libxkbcommon0
    libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
    libfontconfig1 libdbus-1-3 "libglib2.0-0t64|libglib2.0-0"
    xvfb xauth fonts-noto-cjk
    # headless Chromium: tests/engine/test_perfetto_ui.py loads the exported traces into
    # the real Perfetto UI (Debian calls it chromium, Ubuntu's deb chromium-browser)
    "chromium|chromium-browser"
    dpkg-dev xdotool
)

APT_UPDATED=no

dpkg_installed() {  # is this exact package installed (not merely known)?
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

apt_has_candidate() {  # can apt install this package name (after apt-get update)?
    local cand
    cand=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2; exit}')
    [ -n "$cand" ] && [ "$cand" != "(none)" ]
}

apt_update_once() {
    # Only when something is missing: a fresh Debian image has empty package lists,
    # but a prepared machine should not pay for an update on every run.
    if [ "$APT_UPDATED" = no ]; then
        say "apt-get update"
        if ! DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$LOGS/apt.log" 2>&1; then
            warn "apt-get update failed (offline?); trying with the lists we have:"
            tail -n 5 "$LOGS/apt.log" >&2 || true
        fi
        APT_UPDATED=yes
    fi
}

apt_install() {  # install the given packages; a package that fails alone is reported
    [ $# -gt 0 ] || return 0
    say "apt-get install $* (can take a minute)"
    if DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
            >"$LOGS/apt.log" 2>&1; then
        return 0
    fi
    # One bad package must not cost the others: retry one by one to find it.
    local p rc=0
    for p in "$@"; do
        if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$p" \
                >"$LOGS/apt.log" 2>&1; then
            warn "could not install $p:"
            tail -n 5 "$LOGS/apt.log" >&2 || true
            rc=1
        fi
    done
    return $rc
}

install_system_packages() {
    if [ -n "${GILSCOPE_NO_APT:-}" ]; then
        say "GILSCOPE_NO_APT set: not checking system libraries"
        return 0
    fi
    if ! have apt-get || ! have dpkg-query; then
        say "no apt-get here: not installing system libraries (Qt needs X11/xcb, GL and fontconfig libraries to open a window)"
        return 0
    fi

    local entry alt found missing=()
    for entry in "${SYSTEM_PACKAGES[@]}"; do
        found=no
        IFS='|' read -r -a alts <<<"$entry"
        for alt in "${alts[@]}"; do
            if dpkg_installed "$alt"; then found=yes; break; fi
        done
        [ "$found" = yes ] || missing+=("$entry")
    done

    if [ ${#missing[@]} -eq 0 ]; then
        say "system libraries: all present"
        return 0
    fi

    if ! is_root; then
        warn "not root, so not installing these system packages: ${missing[*]//|/ or }"
        warn "the tests run offscreen without most of them; the window needs them:"
        warn "  sudo apt-get install --no-install-recommends ${missing[*]//*|/}"
        return 0
    fi

    apt_update_once
    local to_install=() skipped=()
    for entry in "${missing[@]}"; do
        found=no
        IFS='|' read -r -a alts <<<"$entry"
        for alt in "${alts[@]}"; do
            if apt_has_candidate "$alt"; then to_install+=("$alt"); found=yes; break; fi
        done
        [ "$found" = yes ] || skipped+=("${entry//|/ or }")
    done
    if [ ${#skipped[@]} -gt 0 ]; then
        warn "not available from apt here, skipped: ${skipped[*]}"
    fi
    apt_install "${to_install[@]}" || warn "some system packages failed to install (see above); going on"
}

# --------------------------------------------------------------------------------------
# 2. The interpreter. GILSCOPE_PYTHON picks one (say a 3.13 or a free-threaded build);
# otherwise the python3 on PATH.
# --------------------------------------------------------------------------------------
PY="${GILSCOPE_PYTHON:-python3}"

check_python() {
    # A bare Debian image (a container, say) may have no python3 at all.
    if ! have "$PY" && [ -z "${GILSCOPE_PYTHON:-}" ] && is_root && have apt-get; then
        say "no python3 on PATH: installing Debian's"
        apt_update_once
        apt_install python3 python3-venv || true
    fi
    if ! have "$PY"; then
        echo "setup: ERROR: no Python interpreter '$PY' found. gilscope needs Python >= 3.10 (set GILSCOPE_PYTHON to pick one)." >&2
        exit 2
    fi
    if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
        local v
        v=$("$PY" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null || echo unknown)
        echo "setup: ERROR: $PY is Python $v; gilscope needs Python >= 3.10 (set GILSCOPE_PYTHON to a newer one)." >&2
        exit 2
    fi
}

# --------------------------------------------------------------------------------------
# 3. The virtual environment, .venv.
# A venv keeps the pinned PySide6 away from the system (and Debian 13's Python refuses
# pip installs outside one: "externally-managed-environment").
# --------------------------------------------------------------------------------------
VENV=.venv
VPY="$VENV/bin/python"

venv_usable() {
    # A venv whose creation failed halfway (no ensurepip) has a python but no pip.
    [ -x "$VPY" ] && "$VPY" -m pip --version >/dev/null 2>&1 || return 1
    # GILSCOPE_PYTHON asked for a particular interpreter: a venv made from another
    # one (3.11 vs 3.13, or GIL vs free-threaded) must be rebuilt.
    if [ -n "${GILSCOPE_PYTHON:-}" ]; then
        [ "$("$VPY" -c 'import sys; print(sys.version)')" = "$("$PY" -c 'import sys; print(sys.version)')" ] || return 1
    fi
}

make_venv() {
    if venv_usable; then
        say "virtual environment: $VENV ($("$VPY" -c 'import sys; print(sys.version.split()[0])'))"
        return 0
    fi
    rm -rf "$VENV"
    say "creating $VENV with $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"
    if "$PY" -m venv "$VENV" >"$LOGS/venv.log" 2>&1; then
        return 0
    fi
    rm -rf "$VENV"
    # Debian's python3 ships without ensurepip; it lives in python3-venv (or the
    # version-specific python3.X-venv that python3-venv pulls in).
    if is_root && have apt-get; then
        local xy candidates=()
        xy=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
        apt_update_once
        for p in "python$xy-venv" python3-venv; do
            if apt_has_candidate "$p" && ! dpkg_installed "$p"; then candidates+=("$p"); fi
        done
        apt_install "${candidates[@]}" || true
        if "$PY" -m venv "$VENV" >"$LOGS/venv.log" 2>&1; then
            return 0
        fi
        rm -rf "$VENV"
    fi
    echo "setup: ERROR: '$PY -m venv $VENV' failed:" >&2
    cat "$LOGS/venv.log" >&2
    if grep -q ensurepip "$LOGS/venv.log"; then
        echo "setup: on Debian/Ubuntu, install python3-venv (apt-get install python3-venv) and run again." >&2
    fi
    exit 1
}

# --------------------------------------------------------------------------------------
# 4. The project and its test tools, installed editable into .venv.
# Skipped when nothing it depends on changed since the last successful install (the
# stamp holds pyproject.toml's sha256) and the packages are still importable: a re-run
# costs about a second. The stamp also lists which of main.py and engine*/gui*
# packages exist: an editable install maps the packages it saw at install time, so a
# package that gains its __init__.py later needs a reinstall to import as one.
# --------------------------------------------------------------------------------------
STAMP="$VENV/.gilscope-installed"

install_project() {
    local want
    want=$("$VPY" -c '
import glob, hashlib, sys
shape = sorted(glob.glob("engine*/__init__.py") + glob.glob("gui*/__init__.py") + glob.glob("main.py"))
print(hashlib.sha256(open("pyproject.toml", "rb").read()).hexdigest(), sys.version.split()[0], *shape)')
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] \
        && "$VPY" -c '
import importlib.util, sys
mods = ["PySide6", "pyqtgraph", "psutil", "numpy", "pytest", "pytestqt", "hypothesis", "pytest_timeout",
        "viztracer", "websocket", "PyInstaller"]
sys.exit(any(importlib.util.find_spec(m) is None for m in mods))' 2>/dev/null; then
        say "python packages: up to date"
        return 0
    fi
    say "pip install -e .[test] (a few minutes the first time)"
    rm -f "$STAMP"
    "$VPY" -m pip install --quiet --disable-pip-version-check -e ".[test]"
    echo "$want" >"$STAMP"
}

# --------------------------------------------------------------------------------------
# 2b. The interpreter's shared library. PyInstaller (packaging/build.sh, tests/
# test_zz_package.py) bundles libpythonX.Y.so; Debian ships it apart from the
# interpreter (libpython3.11 on Debian 12, libpython3.13 on Debian 13), and a fresh
# Debian 13 has only the interpreter: "Python shared library was not found".
# --------------------------------------------------------------------------------------
ensure_libpython() {
    [ -z "${GILSCOPE_NO_APT:-}" ] && is_root && have apt-get && have dpkg-query || return 0
    local exe xy
    exe=$("$PY" -c 'import os, sys; print(os.path.realpath(sys.executable))' 2>/dev/null) || return 0
    case "$exe" in /usr/bin/*) ;; *) return 0 ;; esac  # pyenv's or a venv's: not Debian's
    xy=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    dpkg_installed "libpython$xy" && return 0
    apt_update_once
    if apt_has_candidate "libpython$xy"; then
        apt_install "libpython$xy" || warn "libpython$xy could not be installed: the package build will fail"
    fi
}

install_system_packages
check_python
ensure_libpython
make_venv
install_project
say "ready: $("$VPY" -c 'import sys, PySide6; print("Python", sys.version.split()[0], "+ PySide6", PySide6.__version__)')"
