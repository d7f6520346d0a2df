#!/usr/bin/env bash
# Every GPU check of the project in one call on the lent GPU machine (see benchmarks/RESULTS.md, "GPU").
# Expects, from the project root: .device/ staged by benchmarks/gpu/stage.sh (jars incl. test
# classes, the JUnit console launcher, the JMH benchmarks, the CUDA preset's JNI glue). The bf16 CUDA
# generations are compared with fp32 CPU ones: .gpu/cpu-{full,20}.safetensors if carried (made on the
# development machine by the same generate command with --tensor-out .gpu/cpu-B.safetensors and no
# --device), else made there on its CPU first.
# Writes logs and figures under $OUT (or ./gpu-out). A failing step does not stop the others.
#   STAGES="tests generate quick kernels full separate" selects what runs (default: all, in that order);
#   BUDGETS and REPEATS shorten the 480p bench.
set -uo pipefail
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
STAGES=${STAGES:-tests generate quick kernels full separate}
# Java launcher: .device/run.sh's runtime setup, with the resource folders of the working tree on the
# classpath (the staged jars leave the embedded model and the test resources out to fit the carry).
J() {
  [ -x /tmp/lemica-jre/bin/java ] || { mkdir -p /tmp/lemica-jre && tar xzf .device/jre.tgz -C /tmp/lemica-jre --strip-components=1; }
  [ -d /tmp/lemica-jni ] || { mkdir -p /tmp/lemica-jni && tar xzf .device/jni.tgz -C /tmp/lemica-jni --strip-components=1; }
  local tl
  tl=$(python3 -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
  # The CUDA libraries of the pip wheels (cuDNN, cuBLAS, ...) for the CUDA preset's JNI glue
  local nv
  nv=$(ls -d "$tl"/../../nvidia/*/lib 2>/dev/null | paste -sd:)
  LD_LIBRARY_PATH="$tl:${nv:+$nv:}/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    /tmp/lemica-jre/bin/java ${JAVA_OPTS:-} -Dorg.bytedeco.javacpp.pathsFirst=true \
    -Djava.library.path="/tmp/lemica-jni:$tl" \
    -cp ".device/lib/*:java/src/main/resources:java/src/test/resources" "$@"
}
PY=benchmarks/python
status=0
step() {  # step NAME COMMAND...: runs it, tees to $OUT/NAME.log, remembers a failure
  local name=$1; shift
  echo "=== $name: $*"
  local t0=$(date +%s)
  "$@" 2>&1 | tee "$OUT/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "=== $name: exit $rc after $(( $(date +%s) - t0 )) s"
  [ "$rc" = 0 ] || status=1
  echo "$name $rc" >> "$OUT/summary.txt"
}
# Only a few files come back from the device machine: everything goes into one archive, also when
# the call's time limit stops the script.
pack() { tar czf /tmp/results.tgz -C "$OUT" . && rm -rf "${OUT:?}"/* && mv /tmp/results.tgz "$OUT/"; }
trap pack EXIT
trap 'exit 124' TERM
wants() { [[ " $STAGES " == *" $1 "* ]]; }

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$OUT/gpu.txt"
python3 -c 'import torch; print("python torch", torch.__version__, "cuda", torch.version.cuda)' | tee -a "$OUT/gpu.txt"

if wants tests; then
  step python-port-vs-golden python3 $PY/wan_step.py check java/src/test/resources/golden/wan
  step cuda-kernel-tests J org.junit.platform.console.ConsoleLauncher execute --disable-banner \
      --details=tree $(printf -- '--select-class dev.lemica.kernels.%s ' CudaKernelsTest LemicaNativeTest \
      NativeKernelsTest ProfilingTest ResidualOpsTest)
fi

if wants generate; then
  for b in full 20; do
    opt=(); [ $b = full ] || opt=(--budget $b)
    ref=.gpu/cpu-$b.safetensors
    if [ ! -f "$ref" ]; then
      ref="$OUT/cpu-fp32-$b.safetensors"
      step generate-cpu-fp32-$b J dev.lemica.cli.LemicaCli generate --prompt "red circle moving right" \
          --prompt "blue square moving up" --seed 7 "${opt[@]}" --device cpu --dtype float32 --quiet \
          --out "$OUT/cpu-fp32-$b.gif" --tensor-out "$ref"
    fi
    step generate-cuda-bf16-$b J dev.lemica.cli.LemicaCli generate --prompt "red circle moving right" \
        --prompt "blue square moving up" --seed 7 "${opt[@]}" --device cuda --dtype bfloat16 --quiet \
        --out "$OUT/cuda-bf16-$b.gif" --tensor-out "$OUT/cuda-bf16-$b.safetensors"
    step compare-$b python3 $PY/rel_l2.py "$OUT/cuda-bf16-$b.safetensors" "$ref" --max 2e-2
  done
fi

if wants quick; then  # 480x832 / 4 spatially, 17 frames: 1,950 tokens
  step java-bench-quick J dev.lemica.cli.LemicaCli bench --preset wan2.1-t2v-1.3b --latent 16,5,30,52 \
      --device cuda --dtype bfloat16 --repeats 7 --report "$OUT/java-bench-quick.json"
  step python-bench-quick python3 $PY/wan_step.py bench --latent 16,5,30,52 --cfg batched --repeats 7 \
      --json "$OUT/python-bench-quick.json"
fi

if wants kernels; then
  step kernel-jmh J org.openjdk.jmh.Main ResidualKernelBenchmark -p device=cuda -p size=wan13b \
      -f 0 -wi 2 -i 3 -w 300ms -r 500ms -rf json -rff "$OUT/kernel-jmh.json"
fi
if wants full; then  # 480p x 81 frames: 32,760 tokens
  step java-bench-480p J dev.lemica.cli.LemicaCli bench --preset wan2.1-t2v-1.3b \
      --device cuda --dtype bfloat16 --repeats ${REPEATS:-5} --budgets ${BUDGETS:-25,20,17,14} \
      --report "$OUT/java-bench-480p.json"
  step python-bench-480p-batched python3 $PY/wan_step.py bench --cfg batched --repeats 5 \
      --json "$OUT/python-bench-480p-batched.json"
fi

if wants separate; then  # diffusers' pipeline layout: one transformer call per CFG branch
  step python-bench-480p-separate python3 $PY/wan_step.py bench --cfg separate --repeats 5 \
      --json "$OUT/python-bench-480p-separate.json"
  step java-bench-480p-separate J dev.lemica.cli.LemicaCli bench --preset wan2.1-t2v-1.3b --cfg separate \
      --no-end-to-end --device cuda --dtype bfloat16 --repeats 5 --report "$OUT/java-bench-480p-separate.json"
fi

echo "=== summary"; cat "$OUT/summary.txt"

exit $status
