/* The reporting shared by the C test programs: one line per check ("ok - ..." or
 * "FAIL - ..."), counted, so that each program can end with "N passed, M failed". Included
 * once per program (the counters are that program's). */
#ifndef LOSSKIT_TESTS_CHECK_H
#define LOSSKIT_TESTS_CHECK_H

#include <stdarg.h>
#include <stdio.h>

static int passed, failed;

__attribute__((format(printf, 2, 3))) static void check(int ok, const char *format, ...) {
    va_list args;
    va_start(args, format);
    printf("%s - ", ok ? "ok" : "FAIL");
    vprintf(format, args);
    printf("\n");
    va_end(args);
    if (ok) passed++; else failed++;
}

#endif
