#!/usr/bin/env bash
# Plants host-side bugs in gpu/, one at a time, in a scratch copy of the
# repository, and checks that the cuda tests under the CPU stand-in catch
# each: the stand-in is only worth having if it fails on these. The tests
# stop at the first failure (-test.failfast): one is all the check needs.
# Usage: scripts/cuda-mutants.sh SIMDIR   (SIMDIR from gpu/cudasim/build.sh)
set -euo pipefail
sim=$1
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d -t mnistgpu-mutants.XXXXXX)
trap 'rm -rf "$work"' EXIT

# name|file|exact text|replacement
mutants=(
	"GEMM transpose flag swapped|gpu/shim.c|return blas.sgemm(h, transb ? CUBLAS_OP_T|return blas.sgemm(h, transa ? CUBLAS_OP_T"
	"convolution instead of cross-correlation|gpu/shim.c|#define MG_CONV_MODE CUDNN_CROSS_CORRELATION|#define MG_CONV_MODE CUDNN_CONVOLUTION"
	"copy sized in elements, not bytes|gpu/backend.go|unsafe.Pointer(&src[0]), int64(4*len(src))|unsafe.Pointer(&src[0]), int64(len(src))"
	"kernels launched on the legacy stream, not the backend's|gpu/kernels.go|fn.Launch(gx, gy, 1, bx, by, 1, 0, b.stream, params)|fn.Launch(gx, gy, 1, bx, by, 1, 0, cu.NoStream, params)"
	"own backward filter's split drops the last, partial chunk|gpu/igemm.go|s.chunks = ceilDiv(rows, s.chunk)|s.chunks = max(1, rows/s.chunk)"
)

failed=0
for m in "${mutants[@]}"; do
	IFS='|' read -r name file from to <<<"$m"
	rm -rf "$work/src" && mkdir -p "$work/src"
	(cd "$repo" && git ls-files -co --exclude-standard | tar -cf - -T -) | tar -xf - -C "$work/src"
	python3 - "$work/src/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1:]
text = open(path).read()
if text.count(old) != 1:
    sys.exit(f"mutant not applicable: {old!r} occurs {text.count(old)} times in {path}")
open(path, "w").write(text.replace(old, new))
PY
	(cd "$work/src" && go test -tags cuda -c -o "$work/gpu.test" ./gpu/ >/dev/null)
	if (cd "$work/src/gpu" && LD_LIBRARY_PATH="$sim" "$work/gpu.test" -test.count=1 -test.failfast >"$work/out.txt" 2>&1); then
		echo "planted-bug check FAILED: \"$name\" — every cuda test passed with this bug"
		failed=1
	else
		# A test binary that crashed prints no FAIL line: grep finding
		# nothing must not end the script (pipefail), only be reported.
		caught=$( (grep -E '^\s*--- FAIL' "$work/out.txt" || true) | sed 's/^ *--- FAIL: //; s/ (.*//' | (grep -v / || true) | sort -u | tr '\n' ' ')
		[ -n "$caught" ] || caught="(a crash, no FAIL line) $(grep -m1 -E 'panic:|SIGSEGV|fatal' "$work/out.txt" || true) "
		sub=$(grep -cE '^\s*--- FAIL' "$work/out.txt" || true)
		echo "  planted bug \"$name\" was detected (as intended) by: $caught($sub failing tests and subtests)"
	fi
done
if [ $failed = 0 ]; then
	echo "planted-bug check: all ${#mutants[@]} planted bugs were detected by the cuda tests (good)"
fi
exit $failed
