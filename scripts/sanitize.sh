#!/usr/bin/env bash
# Builds liblosskit.so with AddressSanitizer (its Swift and C code) and UndefinedBehaviorSanitizer
# (its C code: Swift on Linux has no -sanitize=undefined; Swift's own overflow and bounds checks
# trap in release builds anyway) in .build-asan, then compiles the C ABI tests
# (tests/c/test_abi.c, test_alloc.c with failing allocations, test_check_order.c) and the C ABI
# fuzz harness (tests/c/fuzz_abi.c) with both sanitizers against it and runs them. Any finding stops the program with an error, and this script
# exits non-zero. About 3 minutes from scratch on this project's machine, 15 s when built.
#
# LOSSKIT_SANITIZE_FUZZ_CASES sets the fuzz cases (default 100000, about 7 s sanitized).
set -euo pipefail
cd "$(dirname "$0")/.."
swift=${LOSSKIT_SWIFT:-$(command -v swift)}
cases=${LOSSKIT_SANITIZE_FUZZ_CASES:-100000}
scratch=.build-asan

# The toolchain's clang: its sanitizer runtime is the one the Swift build expects. The
# library leaves the runtime's symbols to the program, so the programs link it in.
toolchain=$(dirname "$(readlink -f "$swift")")
clang=$toolchain/clang
[ -x "$clang" ] || clang=clang
linker=()
[ -x "$toolchain/ld.lld" ] && linker=(-fuse-ld=lld)

echo "== sanitized build of liblosskit.so ($scratch)"
"$swift" build -c release --product losskit --scratch-path "$scratch" -Xswiftc -static-stdlib \
    --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=all 2>&1 | tail -n 3
library_dir=$(cd "$scratch/release" && pwd)

# allocator_may_return_null: test_alloc asks for a 320 GB table on purpose, and what it checks
# is the library's answer to malloc returning NULL (ASan would abort the program instead).
export ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
programs=$(mktemp -d)
trap 'rm -rf "$programs"' EXIT
for test in test_abi test_alloc test_check_order fuzz_abi; do
    "$clang" -std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
        "${linker[@]}" -Wall -Wextra -Werror -Iinclude "tests/c/$test.c" -L"$library_dir" -llosskit \
        -Wl,-rpath,"$library_dir" -lpthread -lm -o "$programs/$test"
done

for test in test_abi test_alloc test_check_order fuzz_abi; do
    args=()
    [ "$test" = fuzz_abi ] && args=("$cases" 1)
    echo "== $test ${args[*]:+(${args[0]} cases) }sanitized"
    "$programs/$test" "${args[@]}" > "$programs/$test.out" || { grep FAIL "$programs/$test.out"; tail -n 1 "$programs/$test.out"; exit 1; }
    tail -n 1 "$programs/$test.out"
done
