#!/usr/bin/env bash
# Obtains what the cuda build needs without installing CUDA: Debian bookworm's
# non-free packages nvidia-cuda-dev (headers, stub libraries), nvidia-cuda-toolkit
# (nvcc, ptxas) and libnvvm4 (cicc's libdevice), downloaded with apt-get
# download and extracted into a cache folder. Nothing is installed system-wide:
# the non-free component is named in a sources file inside the cache folder,
# built from the mirror this machine's own apt sources already use.
#
# Prints the cache folder's env file on success; `source "$(scripts/cuda-toolchain.sh)"`
# sets CUDA_TOOLCHAIN, NVCC, PTXAS,
# CGO_CFLAGS and CGO_LDFLAGS for `go build -tags cuda`.
set -euo pipefail

version=11.8
cache=${MNISTGPU_CUDA_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mnistgpu/cuda-$version}
root=$cache/root
envfile=$cache/env.sh

if [ -f "$cache/complete" ] && [ -f "$envfile" ]; then
	echo "$envfile"
	exit 0
fi

log() { echo "cuda-toolchain: $*" >&2; }

# One writer: make test runs this from two targets at once (make -j3), and on a
# machine without the cache both fetched into the same folders (apt-get failed
# on the other's lists/partial). The second waits for the first and uses its
# folder.
mkdir -p "$(dirname "$cache")"
if command -v flock >/dev/null; then
	exec 9>"$cache.lock"
	flock 9
	if [ -f "$cache/complete" ] && [ -f "$envfile" ]; then
		echo "$envfile"
		exit 0
	fi
fi
command -v apt-get >/dev/null || { log "apt-get not found: this script needs a Debian 12 (bookworm) machine; see BUILDING.md for other ways to get CUDA headers"; exit 1; }
command -v dpkg-deb >/dev/null || { log "dpkg-deb not found"; exit 1; }

# The mirror this machine already uses for Debian (first URI of its sources).
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] || continue
	mirror=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' "$f")
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { log "no Debian mirror found in /etc/apt/sources.list{,.d}"; exit 1; }

mkdir -p "$cache/debs" "$cache/lists/partial" "$cache/apt-cache/archives/partial"
cat > "$cache/non-free.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bookworm non-free
SRC
apt_opts=(-o "Dir::Etc::sourcelist=$cache/non-free.list" -o "Dir::Etc::sourceparts=-"
	-o "Dir::State::Lists=$cache/lists" -o "Dir::Cache=$cache/apt-cache"
	-o "APT::Sandbox::User=root" -o "Debug::NoLocking=1")
log "reading the non-free package index from $mirror"
apt-get "${apt_opts[@]}" update -qq >&2
(cd "$cache/debs" && apt-get "${apt_opts[@]}" download -qq \
	nvidia-cuda-dev nvidia-cuda-toolkit libnvvm4 >&2)

rm -rf "$root" && mkdir -p "$root"
for deb in "$cache"/debs/nvidia-cuda-toolkit_*.deb "$cache"/debs/libnvvm4_*.deb; do
	dpkg-deb -x "$deb" "$root"
done
# Of the 2.8 GB development package only headers and stub libraries are needed.
dpkg-deb --fsys-tarfile "$cache"/debs/nvidia-cuda-dev_*.deb |
	tar -x -C "$root" --wildcards './usr/include/*' './usr/lib/x86_64-linux-gnu/stubs/*'

# nvcc reads nvcc.profile beside its binary; the packaged one points at /usr.
tk=$root/usr/lib/nvidia-cuda-toolkit
rm -f "$tk/bin/nvcc.profile"
cat > "$tk/bin/nvcc.profile" <<PROFILE
NVVMIR_LIBRARY_DIR = $tk/libdevice
PATH += $tk/bin:$root/usr/bin:
INCLUDES += "-I$root/usr/include" \$(_SPACE_)
LIBRARIES =+ \$(_SPACE_) "-L$root/usr/lib/x86_64-linux-gnu/stubs"
PROFILE

cat > "$envfile" <<ENV
export CUDA_TOOLCHAIN=$root
export NVCC="$tk/bin/nvcc -ccbin /usr/bin/gcc -allow-unsupported-compiler"
export PTXAS=$root/usr/bin/ptxas
export CGO_CFLAGS="-I$root/usr/include"
export CGO_LDFLAGS="-L$root/usr/lib/x86_64-linux-gnu/stubs"
ENV
rm -f "$cache"/debs/*.deb
touch "$cache/complete"
log "ready in $cache"
echo "$envfile"
