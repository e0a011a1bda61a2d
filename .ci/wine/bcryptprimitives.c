/*
 * Test harness only, never shipped: a stand-in bcryptprimitives.dll for the
 * Wine prefix that .ci/wine-tests makes. Go's runtime (since 1.24) takes its
 * random bytes from ProcessPrng in bcryptprimitives.dll, which Windows 10 and
 * later have and Debian 12's Wine 8.0 lacks ("fatal error:
 * bcryptprimitives.dll not found"). This one serves them from RtlGenRandom.
 * Built with x86_64-w64-mingw32-gcc (see .ci/wine-tests).
 */
#include <windows.h>
#include <ntsecapi.h>

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
		if (!RtlGenRandom(data, n)) return FALSE;
		data += n; len -= n;
	}
	return TRUE;
}
