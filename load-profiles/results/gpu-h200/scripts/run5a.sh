# 2026-12-04, call A: nvidia-smi, bench cuda (options, threads, first-run profile), bench coldstart
source /tmp/stage/setup.sh
cd /tmp
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv,noheader; nvidia-smi; echo "curand: $CURAND"; nproc; } > $OUT/nvidia-smi.txt 2>&1
head -1 $OUT/nvidia-smi.txt
echo "== bench coldstart"; date -u
timeout 200 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain coldstart --device cuda --models /tmp/app/models --repetitions 3 --ember-jvm-options=-Xmx4g" > $OUT/coldstart.txt 2> /tmp/coldstart.err; echo rc=$?
echo "== bench cuda"; date -u
timeout 300 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain cuda --models /tmp/app/models --seconds 1" > $OUT/cuda.txt 2> /tmp/cuda.err; echo rc=$?
date -u
{ echo "== coldstart.err"; tail -30 /tmp/coldstart.err; echo "== cuda.err"; tail -30 /tmp/cuda.err; } > $OUT/log.txt
cat $OUT/coldstart.txt; grep -v "wall_ms\|profile.file" $OUT/cuda.txt
