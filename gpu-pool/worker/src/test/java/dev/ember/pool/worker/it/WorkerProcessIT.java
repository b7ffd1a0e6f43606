package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.worker.WorkerProcess;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker as a real process: started, used, and stopped with SIGTERM while work is queued. */
class WorkerProcessIT {
    @TempDir
    Path repo;

    @Test
    void sigtermFinishesEveryQueuedRequestThenExitsCleanly() throws Exception {
        // A batch waits up to 3 s to fill: requests are certainly queued when SIGTERM arrives.
        ModelFixtures.repo(repo).add("slow-fill", "mlp-tiny", 1, "max_batch_size: 32\nmax_queue_delay_ms: 3000\n");
        WorkerProcess worker = WorkerProcess.start(repo, List.of("-Xmx256m"), List.of(), Duration.ofSeconds(60), false);
        Http http = new Http(worker.port());
        assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);

        List<CompletableFuture<HttpResponse<String>>> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            queued.add(http.postAsync("/v2/models/slow-fill/infer", WorkerIT.mlpJson(1)));
        }
        awaitMetric(http, "ember_queue_depth{model=\"slow-fill\",priority=\"realtime\",version=\"1\"}", 5);

        long sigterm = System.nanoTime();
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> worker.stop(Duration.ofSeconds(30)));

        for (CompletableFuture<HttpResponse<String>> f : queued) {
            HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"ember.batch_size\":5");
        }
        assertThat(exit.get(30, TimeUnit.SECONDS)).as("128 + SIGTERM").isEqualTo(143);
        assertThat(worker.output())
                .anyMatch(line -> line.contains("ember worker: stopped after draining every queued request"));
        // Draining did not sit out the 3 s batch window.
        assertThat(Duration.ofNanos(System.nanoTime() - sigterm)).isLessThan(Duration.ofMillis(2500));
        assertThat(worker.isAlive()).isFalse();
    }

    @Test
    void aWorkerStopsWhenTheProcessItWasStartedForEnds() throws Exception {
        ModelFixtures.repo(repo).addAsShipped("mlp-tiny");
        Process supervisor = new ProcessBuilder("sleep", "60").start();
        try (WorkerProcess worker = WorkerProcess.start(
                repo,
                List.of("-Xmx256m"),
                List.of("--exit-with", Long.toString(supervisor.pid())),
                Duration.ofSeconds(60),
                false)) {
            assertThat(worker.isAlive()).isTrue();
            supervisor.destroyForcibly().waitFor();
            assertThat(worker.onExit().get(20, TimeUnit.SECONDS).exitValue())
                    .as("the worker drained and exited by itself")
                    .isZero();
        } finally {
            supervisor.destroyForcibly();
        }
    }

    @Test
    void aStartedWorkerAnswersAndReportsItsPort() {
        ModelFixtures.repo(repo).addAsShipped("masked-sum");
        try (WorkerProcess worker =
                WorkerProcess.start(repo, List.of("-Xmx256m"), List.of(), Duration.ofSeconds(60), false)) {
            Http http = new Http(worker.port());
            HttpResponse<String> r = http.post("/v2/models/masked-sum/infer", """
                    {"inputs": [
                      {"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [1,2,3,4, 5,6,7,8, 9,10,11,12]},
                      {"name": "mask", "shape": [3, 4], "datatype": "BOOL", "data": [1,1,1,1, 1,0,1,0, 0,0,0,0]}]}
                    """);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"data\":[10.0,12.0,0.0]");
        }
    }

    @Test
    void aSpareStartsWithNoModelAndTakesOneWhenTold() throws Exception {
        ModelFixtures.repo(repo).addAsShipped("masked-sum");
        java.nio.file.Path cache = java.nio.file.Files.createTempDirectory("ember-spare-cache");
        try (WorkerProcess spare = WorkerProcess.start(
                repo,
                List.of("-Xmx256m"),
                List.of("--spare", "--cache-dir", cache.toString()),
                Duration.ofSeconds(60),
                false)) {
            Http http = new Http(spare.port());
            assertThat(http.post("/v2/repository/index", "").body()).isEqualTo("[]");
            assertThat(spare.reportedPhases()).containsEntry("model_load_ms", 0L);

            HttpResponse<String> load = http.post("/v2/repository/models/masked-sum/load", "");
            assertThat(load.body()).contains("\"loaded\":\"1\"");
            assertThat(http.get("/v2/models/masked-sum/ready").statusCode()).isEqualTo(200);
            try (var files = java.nio.file.Files.list(cache)) {
                assertThat(files.count()).as("optimized model kept").isEqualTo(1);
            }
        }
    }

    private static void awaitMetric(Http http, String series, double atLeast) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            if (WorkerIT.metricValue(http.get("/metrics").body(), series) >= atLeast) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(series + " never reached " + atLeast);
    }
}
