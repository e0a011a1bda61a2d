# Sourced by .ci/wine-tests and .ci/wine-smoke (test harness only): finds
# Debian's wine64, wineserver and mingw, and wine_prefix makes a throwaway
# Wine prefix in which Go programs start.
#
# Debian 12's Wine 8.0 lacks ProcessPrng in bcryptprimitives.dll, which Go's
# runtime needs since 1.24 ("fatal error: bcryptprimitives.dll not found"):
# wine_prefix builds the stand-in .ci/wine/bcryptprimitives.c (ProcessPrng
# over RtlGenRandom) with mingw and copies it into the prefix's system32.
# Windows 10 and later have the real one; it is never shipped.
wine=${WINE:-/usr/lib/wine/wine64}
[ -x "$wine" ] || wine=$(command -v wine64 || true)
[ -n "$wine" ] && [ -x "$wine" ] || { echo "wine: wine64 missing: apt-get install wine64" >&2; exit 2; }
wineserver=$(dirname "$wine")/wineserver
[ -x "$wineserver" ] || wineserver=$(command -v wineserver || echo true)
command -v x86_64-w64-mingw32-gcc >/dev/null || { echo "wine: x86_64-w64-mingw32-gcc missing: apt-get install gcc-mingw-w64-x86-64" >&2; exit 2; }
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="

# wine_prefix DIR: makes the prefix $WINEPREFIX (set it first), with the
# stand-in DLL; the log of wineboot goes to DIR/wineboot.log.
wine_prefix() {
	local dir=$1 root
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	x86_64-w64-mingw32-gcc -shared -O2 -o "$dir/bcryptprimitives.dll" \
		"$root/.ci/wine/bcryptprimitives.c" "$root/.ci/wine/bcryptprimitives.def" -ladvapi32
	"$wine" wineboot -i >"$dir/wineboot.log" 2>&1
	"$wineserver" -w
	cp "$dir/bcryptprimitives.dll" "$WINEPREFIX/drive_c/windows/system32/"
}

# wine_keep_server: one wineserver for the rest of the run (the caller's
# cleanup kills it with -k; `wineserver -w` would then wait for ever). By
# default it exits 3 s after its last program, and a program starting just
# then loses its connection ("wine client error:0: recvmsg: Connection reset
# by peer"), as CI saw between two test binaries.
wine_keep_server() { "$wineserver" -p; }
