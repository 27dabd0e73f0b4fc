#!/usr/bin/env bash
# Byte-identity of compiled models: every shared model (../shared/models, its seanet and
# operator corpora, ../shared/regressions) compiled under the six accelerator setups and both
# strategies, each output's SHA-256 compared with tests/data/output_hashes.txt.
#   output_hashes.sh check  EUC SHARED HASHES   fails on the first differing or missing file
#   output_hashes.sh record EUC SHARED HASHES   rewrites HASHES
# A refactoring must leave every hash as it is; a deliberate change of the output records the
# new hashes in the commit that makes it (and says why).
# Without SHARED it prints a skip notice and exits 77 (ctest's SKIP_RETURN_CODE).
set -euo pipefail
mode=$1 euc=$2 shared=$3 hashes=$4
if [ ! -d "$shared/models" ]; then
  echo "skipped: no shared models at $shared"
  exit 77
fi
setups=(
  "--accelerator-config ethos-u55-32 --system-config Ethos_U55_Deep_Embedded --memory-mode Shared_Sram"
  "--accelerator-config ethos-u55-64 --system-config Ethos_U55_High_End_Embedded --memory-mode Sram_Only"
  "--accelerator-config ethos-u55-128 --system-config Ethos_U55_High_End_Embedded --memory-mode Shared_Sram"
  "--accelerator-config ethos-u55-256"
  "--accelerator-config ethos-u65-256 --system-config Ethos_U65_High_End --memory-mode Dedicated_Sram"
  "--accelerator-config ethos-u65-512 --system-config Ethos_U65_Client_Server --memory-mode Shared_Sram"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
models=()
while IFS= read -r m; do models+=("$m"); done < <(
  cd "$shared" && find models regressions -name '*.tflite' ! -path '*/malformed/*' | LC_ALL=C sort)
out="$work/hashes.txt"
: >"$out"
for m in "${models[@]}"; do
  name=$(basename "$m" .tflite)
  for s in "${!setups[@]}"; do
    for strategy in Performance Size; do
      dir="$work/out"
      rm -rf "$dir"
      # shellcheck disable=SC2086
      if "$euc" "$shared/$m" ${setups[$s]} --optimise "$strategy" --output-dir "$dir" \
        >/dev/null 2>"$work/err"; then
        hash=$(sha256sum "$dir/${name}_vela.tflite" | cut -d' ' -f1)
      else
        hash="error:$(head -c 60 "$work/err" | tr '\n\t ' '___')"
      fi
      echo "$m setup$((s + 1)) $strategy $hash" >>"$out"
    done
  done
done
if [ "$mode" = record ]; then
  cp "$out" "$hashes"
  echo "recorded $(wc -l <"$out") hashes in $hashes"
  exit 0
fi
if diff <(sort "$hashes") <(sort "$out") >"$work/diff"; then
  echo "$(wc -l <"$out") compiled models byte-identical to $hashes"
  exit 0
fi
echo "compiled models differ from $hashes (< recorded, > now):"
head -40 "$work/diff"
exit 1
