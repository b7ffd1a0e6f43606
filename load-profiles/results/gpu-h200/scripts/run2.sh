# call 2: pool under load, GPU utilisation, batch trace
source /tmp/stage/setup.sh
cd /tmp
nvidia-smi dmon -s u -d 1 > $OUT/dmon.txt 2>&1 & DMON=$!
echo "== bench pool"; date -u
timeout ${POOL_TIMEOUT:-480} bash -c "source /tmp/stage/setup.sh; bench -Dember.batch.trace=$OUT/batches.csv -cp \"$CP\" dev.ember.bench.BenchMain pool --device cuda --models /tmp/app/models --seconds ${SECS:-4} --raw-seconds 2 --repetitions 3 --clients ${CLIENTS:-32}" > $OUT/pool.txt 2> $OUT/pool.err; echo rc=$?
kill $DMON; date -u
tail -8 $OUT/pool.err
cat $OUT/pool.txt
awk -F, '{n[$1]++; r[$1]+=$4; if ($6+$7>200) slow[$1]++} END {for (m in n) print m, "batches", n[m], "mean_rows", r[m]/n[m], "over_200ms", slow[m]+0}' $OUT/batches.csv
