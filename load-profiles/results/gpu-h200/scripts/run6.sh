# 2026-12-04, call C (after run5): spare practice over HTTP, eager module loading, preferred warmed sizes
source /tmp/stage/setup.sh
cd /tmp
echo "== bench coldstart"; date -u
timeout 150 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain coldstart --device cuda --models /tmp/app/models --repetitions 3 --ember-jvm-options=-Xmx4g" > $OUT/coldstart.txt 2> /tmp/coldstart.err; echo rc=$?
cat $OUT/coldstart.txt
nvidia-smi dmon -s u -d 1 > $OUT/dmon.txt 2>&1 & D=$!
for c in 64 32; do
  echo "== bench pool, $c clients"; date -u
  trace=""; [ $c = 64 ] && trace="-Dember.batch.trace=$OUT/batches$c.csv"
  timeout 200 bash -c "source /tmp/stage/setup.sh; bench $trace -cp \"$CP\" dev.ember.bench.BenchMain pool --device cuda --models /tmp/app/models --seconds 4 --raw-seconds 2 --repetitions 3 --clients $c --client-event-loops 8" > $OUT/pool$c.txt 2> /tmp/pool$c.err; echo rc=$?
  grep -v "_failed" $OUT/pool$c.txt
done
kill $D; date -u
{ echo "== coldstart.err"; tail -20 /tmp/coldstart.err; for c in 64 32; do echo "== pool$c.err"; tail -20 /tmp/pool$c.err; done; } > $OUT/log.txt
