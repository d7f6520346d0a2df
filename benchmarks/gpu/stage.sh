#!/usr/bin/env bash
# Stages .device/ for benchmarks/gpu/run-checks.sh: the jars (library, CLI, test classes, JUnit console
# launcher, JMH benchmarks) and their runtime classpath, through ../shared/device/stage.sh.
# Build first: mvn -B -q -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/../.."
cpfile=$(mktemp)
(cd java && mvn -q dependency:build-classpath -Dmdep.outputFile="$cpfile" -Dmdep.includeScope=runtime >/dev/null)
# JUnit comes whole in the console launcher's jar
cp=$(tr ':' '\n' < "$cpfile" | grep -vE 'junit|opentest4j|apiguardian' | paste -sd:)
rm -f "$cpfile"
L=benchmarks/target/lib
../shared/device/stage.sh java/target/lemica.jar "$cp" java/target/test-classes \
  ~/.m2/repository/org/junit/platform/junit-platform-console-standalone/1.14.1/junit-platform-console-standalone-1.14.1.jar \
  benchmarks/target/benchmarks.jar $L/jmh-core-1.37.jar $L/jopt-simple-5.0.4.jar $L/commons-math3-3.6.1.jar \
  ~/.m2/repository/org/bytedeco/cuda/13.1-9.19-1.5.13/cuda-13.1-9.19-1.5.13-linux-x86_64.jar
# The embedded model and the test resources travel with the working tree already: keep them out of
# the staged jars (the carry limit is 64 MiB for tree + .device together); run-checks.sh puts the
# resource folders on the classpath instead.
zip -q -d .device/lib/lemica.jar 'dev/lemica/models/*'
zip -q -d .device/lib/java_target_test-classes.jar 'golden/*' 'shapes-wan-t2v/*'
# LibTorch's CUDA classes load the JNI glue of every CUDA library it uses (cudart, cublas, cusparse,
# cusolver, cudnn, nvrtc, ...): the whole natives jar, not the slimmed one.
cp ~/.m2/repository/org/bytedeco/cuda/13.1-9.19-1.5.13/cuda-13.1-9.19-1.5.13-linux-x86_64.jar .device/lib/
du -sh .device
