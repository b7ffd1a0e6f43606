# 2026-12-04, call B: bench pool at 32 and 64 clients (batching on, one runner, off; raw at 1/8/16/32)
source /tmp/stage/setup.sh
cd /tmp
nvidia-smi dmon -s u -d 1 > $OUT/dmon.txt 2>&1 & D=$!
for c in ${CLIENTS:-32 64}; do
  echo "== bench pool, $c clients"; date -u
  timeout 280 bash -c "source /tmp/stage/setup.sh; bench -Dember.batch.trace=$OUT/batches$c.csv -cp \"$CP\" dev.ember.bench.BenchMain pool --device cuda --models /tmp/app/models --seconds 4 --raw-seconds 2 --repetitions 3 --clients $c --client-event-loops 8 --cuda-variants=" > $OUT/pool$c.txt 2> /tmp/pool$c.err; echo rc=$?
  tail -5 /tmp/pool$c.err
  grep -v "worker\.\|_failed" $OUT/pool$c.txt
  awk -F, '{n++; r+=$4; s+=$6; u+=$7} END {if (n) print "batches", n, "mean_rows", r/n, "mean_stage_ms", s/n, "mean_run_ms", u/n}' $OUT/batches$c.csv
done
kill $D; date -u
