# 2026-12-04 (second session), call A (run 10): bench coldstart with the GPU config at batches of at most 8 (sizes 1, 2, 4, 8), beside spares warming [1, 2, 4, 8, 16] and every size up to 32 (the config before), then bench pool at 32 clients with max16 and max32
source /tmp/stage/setup.sh
cd /tmp
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,power.limit --format=csv,noheader > $OUT/nvidia-smi-line.txt
echo "== bench coldstart"; date -u
timeout 240 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain coldstart --device cuda --models /tmp/app/models --repetitions 3 --ember-jvm-options=-Xmx4g" > $OUT/coldstart.txt 2> /tmp/coldstart.err; echo rc=$?
tail -5 /tmp/coldstart.err; date -u
cat $OUT/coldstart.txt
nvidia-smi dmon -s u -d 1 > $OUT/dmon32.txt 2>&1 & D=$!
echo "== bench pool, 32 clients"; date -u
timeout 300 bash -c "source /tmp/stage/setup.sh; bench -Dember.batch.trace=$OUT/batches32.csv -cp \"$CP\" dev.ember.bench.BenchMain pool --device cuda --models /tmp/app/models --seconds 4 --raw-seconds 2 --repetitions 3 --clients 32 --client-event-loops 8 --cuda-variants=max16,max32" > $OUT/pool32.txt 2> /tmp/pool32.err; echo rc=$?
kill $D
tail -5 /tmp/pool32.err; date -u
grep -v "worker\.\|_failed" $OUT/pool32.txt
