source /tmp/stage/setup.sh
cd /tmp
{ nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv,noheader; nvidia-smi; nproc; } > $OUT/nvidia-smi.txt 2>&1
nvidia-smi dmon -s u -d 1 > $OUT/dmon.txt 2>&1 & D=$!
echo "== bench pool"; date -u
timeout 210 bash -c "source /tmp/stage/setup.sh; bench -Dember.batch.trace=$OUT/batches.csv -cp \"$CP\" dev.ember.bench.BenchMain pool --device cuda --models /tmp/app/models --seconds 4 --raw-seconds 2 --repetitions 3 --clients 32 --cuda-variants wait" > $OUT/pool.txt 2> $OUT/pool.err; echo rc=$?
kill $D; date -u; tail -3 $OUT/pool.err
echo "== bench coldstart"
timeout 90 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain coldstart --device cuda --models /tmp/app/models --repetitions 3 --ember-jvm-options=-Xmx4g" > $OUT/coldstart.txt 2> $OUT/coldstart.err; echo rc=$?
date -u; cat $OUT/pool.txt $OUT/coldstart.txt
