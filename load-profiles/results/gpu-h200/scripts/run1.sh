# call 1: nvidia-smi, CUDA options (raw), cold start
source /tmp/stage/setup.sh
cd /tmp
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv,noheader; nvidia-smi; echo "curand: $CURAND"; nproc; } > $OUT/nvidia-smi.txt 2>&1
head -1 $OUT/nvidia-smi.txt
echo "== bench cuda"; date -u
timeout 200 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain cuda --models /tmp/app/models --seconds 2" > $OUT/cuda.txt 2> $OUT/cuda.err; echo rc=$?
tail -5 $OUT/cuda.err; cp $(grep '^cuda.profile.file=' $OUT/cuda.txt | cut -d= -f2) $OUT/ort-profile.json 2>/dev/null
echo "== bench coldstart"; date -u
timeout 240 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain coldstart --device cuda --models /tmp/app/models --repetitions 3 --ember-jvm-options=-Xmx4g" > $OUT/coldstart.txt 2> $OUT/coldstart.err; echo rc=$?
tail -5 $OUT/coldstart.err; date -u
cat $OUT/cuda.txt $OUT/coldstart.txt | grep -v wall_ms
