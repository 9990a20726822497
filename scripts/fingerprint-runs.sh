#!/usr/bin/env bash
# Fixed CPU runs whose final weights must not change when code is only
# restructured: prints the SHA-256 of the tensor data of each final.safetensors
# (the header, with its metadata, is left out). Run it with the binaries
# before and after a change and compare.
# Usage: scripts/fingerprint-runs.sh BIN OUTDIR
set -euo pipefail
bin=$1; out=$2
data=$(cd "$(dirname "$0")/.." && pwd)/testdata/mnist-small
rm -rf "$out"; mkdir -p "$out"
c=(--data-dir "$data" --no-verify --quiet)
"$bin" train --model cnn --epochs 2 --train-limit 640 "${c[@]}" --out "$out/cnn" >/dev/null 2>&1
"$bin" train --model mlp --epochs 3 --optimizer sgd --lr 0.1 --activation sigmoid --train-limit 2000 "${c[@]}" --out "$out/mlp" >/dev/null 2>&1
"$bin" train --model mlp --epochs 2 --train-limit 2000 --lr-schedule step:1:0.5 --early-stopping 3 "${c[@]}" --out "$out/resumed" >/dev/null 2>&1
"$bin" train --resume "$out/resumed" --epochs 4 --quiet >/dev/null 2>&1
cat > "$out/study.json" <<'J'
{"name":"t","axes":[{"name":"optimizer","values":["sgd","adam"]}],"seeds":[1],"fixed":{"model":"mlp","epochs":"2","train-limit":"1000","lr":"0.01"}}
J
"$bin" study run "$out/study.json" --out "$out/study" --data-dir "$data" --no-verify >/dev/null 2>&1
cd "$out"
python3 - cnn/final.safetensors mlp/final.safetensors resumed/final.safetensors study/cells/*/final.safetensors <<'PY'
import hashlib, struct, sys
for p in sys.argv[1:]:
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    print(hashlib.sha256(b[8 + n:]).hexdigest(), p)
PY
