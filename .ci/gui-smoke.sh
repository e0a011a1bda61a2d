#!/usr/bin/env bash
# gui-smoke.sh BINARY DATA_DIR [OUT_DIR]
#
# Starts the Orderbrug binary under Xvfb once per tab (the UI honours
# ORDERBRUG_SCREENSHOT_TAB), takes a screenshot of each, checks the process
# stayed alive and that no screenshot is blank. With an empty DATA_DIR (no
# shop yet) the window shows the first-start wizard: that is captured as
# "wizard". PNGs go to OUT_DIR (default ./gui-smoke-out).
#
# Environment: ORDERBRUG_SMOKE_LANG (nl, default, or en), ORDERBRUG_SMOKE_WAIT
# (seconds to let a window settle, default 4), DISPLAY_NUM (default 99).
# Needs Xvfb, xwd and ImageMagick's convert. No DBus session is started, so
# the app runs without a tray, as on a bare desktop.
set -euo pipefail

bin=${1:?usage: gui-smoke.sh BINARY DATA_DIR [OUT_DIR]}
data=${2:?usage: gui-smoke.sh BINARY DATA_DIR [OUT_DIR]}
out=${3:-gui-smoke-out}
wait_s=${ORDERBRUG_SMOKE_WAIT:-4}
lang=${ORDERBRUG_SMOKE_LANG:-nl}
num=${DISPLAY_NUM:-99}

for tool in Xvfb xwd convert; do
	command -v "$tool" >/dev/null || { echo "gui-smoke: $tool is not installed" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "gui-smoke: $bin is not executable" >&2; exit 2; }
mkdir -p "$out" "$data"

Xvfb ":$num" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
app=""
cleanup() {
	[ -n "$app" ] && kill "$app" 2>/dev/null || true
	kill "$xvfb" 2>/dev/null || true
}
trap cleanup EXIT
export DISPLAY=":$num"
for _ in $(seq 50); do
	xwd -root -silent >/dev/null 2>&1 && break
	sleep 0.1
done

# A fresh session bus would bring a tray-less DBus; unset it so the app
# decides "no tray" the way it does on a desktop without one.
unset DBUS_SESSION_BUS_ADDRESS

if [ -z "$(ls -A "$data" 2>/dev/null)" ]; then
	tabs="wizard"
else
	tabs="overzicht open verwerkt configuratie logboek"
fi

fail=0
for tab in $tabs; do
	log="$out/$tab.log"
	if [ "$tab" = open ]; then
		parked=$("$bin" --data-dir "$data" orders --state parked --json | grep -c '"number"' || true)
	fi
	LANGUAGE=$lang LANG=${lang}_NL.UTF-8 ORDERBRUG_SCREENSHOT_TAB=$tab \
		"$bin" --data-dir "$data" >"$log" 2>&1 &
	app=$!
	sleep "$wait_s"
	if ! kill -0 "$app" 2>/dev/null; then
		echo "gui-smoke: $tab: the process exited; log:" >&2
		cat "$log" >&2
		fail=1
		app=""
		continue
	fi
	png="$out/$tab.png"
	xwd -root -silent | convert xwd:- "$png"
	sd=$(convert "$png" -format '%[fx:standard_deviation]' info:)
	if awk "BEGIN{exit !($sd < 0.01)}"; then
		echo "gui-smoke: $tab: blank screenshot (sd $sd)" >&2
		fail=1
	fi
	if [ "$tab" = open ] && ! grep -qE "msg=\"open tab loaded\" parked=$parked\$" "$log"; then
		echo "gui-smoke: open: the window does not show the $parked parked orders; log:" >&2
		cat "$log" >&2
		fail=1
	fi
	kill "$app"
	wait "$app" 2>/dev/null || true
	app=""
	[ $fail -eq 0 ] && echo "gui-smoke: $tab: ok ($png)"
done
exit $fail
