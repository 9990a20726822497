#!/usr/bin/env bash
# Builds the CPU stand-in of the CUDA libraries into OUT (default: a new
# temporary folder, printed): libcuda.so.1, libcublas.so.12 and libcudnn.so.9
# with their real sonames, for LD_LIBRARY_PATH. Needs gcc/g++ and cuda.h
# (CGO_CFLAGS from scripts/cuda-toolchain.sh, or CUDA_INCLUDE).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:-$(mktemp -d -t mnistgpu-cudasim.XXXXXX)}
mkdir -p "$out"
inc=${CUDA_INCLUDE:-}
if [ -z "$inc" ]; then
	for f in ${CGO_CFLAGS:-}; do case $f in -I*) inc=${f#-I} ;; esac; done
fi
[ -n "$inc" ] && [ -f "$inc/cuda.h" ] || { echo "cudasim: cuda.h not found (set CUDA_INCLUDE or source the env of scripts/cuda-toolchain.sh)" >&2; exit 1; }

# The host build of every kernel, and a table of them by the entry names of
# the committed PTX (a PTX entry without a source kernel fails to compile),
# plus the stand-in's own test kernels (selftest.cu).
gen=$out/kernels_host.cpp
{
	echo '#include "kernels.h"'
	for cu in "$repo"/kernels/*.cu "$here"/selftest.cu; do echo "#include \"$cu\""; done
	echo 'static const sim_kernel table[] = {'
	grep -h '^\.visible \.entry' "$repo"/kernels/*.ptx | sed 's/.*\.entry \([A-Za-z0-9_]*\)(.*/\tsim_make_kernel("\1", \1),/'
	grep -h '^KERNEL simtest_' "$here"/selftest.cu | sed 's/^KERNEL \([A-Za-z0-9_]*\)(.*/\tsim_make_kernel("\1", \1),/'
	echo '};'
	echo 'const sim_kernel* sim_find_kernel(const char* name) {'
	echo '	for (const sim_kernel& k : table)'
	echo '		if (strcmp(k.name, name) == 0) return &k;'
	echo '	return NULL;'
	echo '}'
} > "$gen"

flags=(-O2 -g -fPIC -shared -Wall -Wno-unused-function -fno-fast-math)
g++ "${flags[@]}" -std=c++17 -I"$inc" -I"$here" -I"$repo/kernels" -Wl,-soname,libcuda.so.1 \
	-o "$out/libcuda.so.1" "$here/driver.cpp" "$gen"
gcc "${flags[@]}" -std=c11 -I"$here" -Wl,-soname,libcublas.so.12 -o "$out/libcublas.so.12" "$here/cublas.c" -ldl
gcc "${flags[@]}" -std=c11 -I"$here" -Wl,-soname,libcudnn.so.9 -o "$out/libcudnn.so.9" "$here/cudnn.c" -ldl
echo "$out"
