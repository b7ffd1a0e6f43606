# 2026-12-04, call E: bench coldstart with runner staging buffers sized up front and image-sized HTTP practice
source /tmp/stage/setup.sh
cd /tmp
echo "== bench coldstart"; date -u
timeout 200 bash -c "source /tmp/stage/setup.sh; bench -cp \"$CP\" dev.ember.bench.BenchMain coldstart --device cuda --models /tmp/app/models --repetitions 3 --ember-jvm-options=-Xmx4g" > $OUT/coldstart.txt 2> /tmp/coldstart.err; echo rc=$?
tail -5 /tmp/coldstart.err; date -u
cat $OUT/coldstart.txt
