# 2026-12-04 (second session), call B (run 10): bench pool at 64 clients with the max16 and max32 variants
source /tmp/stage/setup.sh
cd /tmp
nvidia-smi dmon -s u -d 1 > $OUT/dmon64.txt 2>&1 & D=$!
echo "== bench pool, 64 clients"; date -u
timeout 330 bash -c "source /tmp/stage/setup.sh; bench -Dember.batch.trace=$OUT/batches64.csv -cp \"$CP\" dev.ember.bench.BenchMain pool --device cuda --models /tmp/app/models --seconds 4 --raw-seconds 2 --repetitions 3 --clients 64 --client-event-loops 8 --cuda-variants=max16,max32" > $OUT/pool64.txt 2> /tmp/pool64.err; echo rc=$?
kill $D
tail -5 /tmp/pool64.err; date -u
grep -v "worker\.\|_failed" $OUT/pool64.txt
