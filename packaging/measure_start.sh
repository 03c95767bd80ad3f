#!/usr/bin/env bash
# Time from start to a visible window, and of two headless commands (medians of N runs).
#
#   bash packaging/measure_start.sh build/package/dist/gilscope/gilscope [N]
#   bash packaging/measure_start.sh ".venv/bin/python main.py" [N]      # from source
#
# Starts its own Xvfb (no window manager) and uses xdotool to see the window appear.
# Prints the load average too: on a shared machine the figures move with it.
set -euo pipefail
APP=$1
N=${2:-5}
command -v Xvfb >/dev/null && command -v xdotool >/dev/null || { echo "needs Xvfb and xdotool" >&2; exit 2; }

exec 3< <(Xvfb -displayfd 1 -screen 0 1366x768x24 -nolisten tcp 2>/dev/null)
read -r NUM <&3
XVFB=$(pgrep -n -x Xvfb)
trap 'kill "$XVFB" 2>/dev/null || true' EXIT
export DISPLAY=:$NUM

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

window=()
for _ in $(seq "$N"); do
    t0=$(now)
    # shellcheck disable=SC2086  # APP may be "python main.py"
    $APP >/dev/null 2>&1 &
    pid=$!
    xdotool search --sync --onlyvisible --pid "$pid" >/dev/null
    window+=("$(echo "$(now) - $t0" | bc)")
    kill "$pid"; wait "$pid" 2>/dev/null || true
done
list=()
for _ in $(seq "$N"); do
    t0=$(now); $APP list >/dev/null; list+=("$(echo "$(now) - $t0" | bc)")
done
printf 'window visible: median %.2f s (%s)\n' "$(printf '%s\n' "${window[@]}" | median)" "${window[*]}"
printf '`list`:         median %.2f s\n' "$(printf '%s\n' "${list[@]}" | median)"
echo "load average: $(cat /proc/loadavg)"
