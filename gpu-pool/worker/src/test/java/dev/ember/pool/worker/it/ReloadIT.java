package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.pool.api.config.Device;
import dev.ember.pool.worker.Worker;
import dev.ember.pool.worker.WorkerConfig;
import dev.ember.pool.worker.warmup.HttpPractice;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** New model versions, loaded beside the serving one and switched to while requests keep coming. */
class ReloadIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path repo;

    @Test
    void aNewVersionIsLoadedWarmedAndSwitchedToUnderLoadWithoutOneFailedRequest() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "max_batch_size: 8\nmax_queue_delay_ms: 1\n");
        try (Worker worker = Worker.start(WorkerConfig.local(repo, 0))) {
            Http http = new Http(worker.port());
            Map<String, AtomicInteger> byVersion = new ConcurrentHashMap<>();
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(4);
            for (int c = 0; c < 4; c++) {
                new Thread(() -> {
                            while (!stop.get()) {
                                HttpResponse<String> r = http.post("/v2/models/mlp/infer", WorkerIT.mlpJson(1));
                                if (r.statusCode() != 200) {
                                    failures.add(r.statusCode() + " " + r.body());
                                } else {
                                    byVersion
                                            .computeIfAbsent(version(r.body()), v -> new AtomicInteger())
                                            .incrementAndGet();
                                }
                            }
                            done.countDown();
                        })
                        .start();
            }
            Thread.sleep(300);
            ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, "max_batch_size: 8\nmax_queue_delay_ms: 1\n");
            HttpResponse<String> load = http.post("/v2/repository/models/mlp/load", "");
            assertThat(load.statusCode()).as(load.body()).isEqualTo(200);
            JsonNode report = JSON.readTree(load.body());
            assertThat(report.get("loaded").asText()).isEqualTo("2");
            assertThat(report.get("retired").asText()).isEqualTo("1");
            assertThat(report.get("warmup_ms").asLong()).isGreaterThanOrEqualTo(0);
            int before = byVersion.getOrDefault("2", new AtomicInteger()).get();
            Thread.sleep(300);
            stop.set(true);
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();

            assertThat(failures).isEmpty();
            assertThat(byVersion.get("1").get()).isPositive();
            assertThat(byVersion.get("2").get()).isGreaterThan(before);
            JsonNode metadata = JSON.readTree(http.get("/v2/models/mlp").body());
            assertThat(metadata.get("versions").toString()).isEqualTo("[\"2\"]");
        }
    }

    @Test
    void aCanaryTakesItsShareUntilPromoted() throws Exception {
        String config = "max_batch_size: 8\nmax_queue_delay_ms: 0\ncanary_percent: 30\ncache: {enabled: false}\n";
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, config);
        try (Worker worker = Worker.start(WorkerConfig.local(repo, 0))) {
            Http http = new Http(worker.port());
            ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 2, config);
            JsonNode report = JSON.readTree(
                    http.post("/v2/repository/models/mlp/load", "").body());
            assertThat(report.get("canary").asText()).isEqualTo("2");

            int canary = 0;
            int n = 600;
            for (int i = 0; i < n; i++) {
                if (version(http.post("/v2/models/mlp/infer", WorkerIT.mlpJson(1))
                                .body())
                        .equals("2")) {
                    canary++;
                }
            }
            // 30% of 600 = 180; a binomial with σ ≈ 11.2, so ±4.5σ.
            assertThat(canary).isBetween(130, 230);
            assertThat(http.get("/v2/models/mlp/versions/1/ready").statusCode()).isEqualTo(200);

            assertThat(http.post("/v2/repository/models/mlp/promote", "").statusCode())
                    .isEqualTo(200);
            for (int i = 0; i < 20; i++) {
                assertThat(version(http.post("/v2/models/mlp/infer", WorkerIT.mlpJson(1))
                                .body()))
                        .isEqualTo("2");
            }
        }
    }

    @Test
    void aSpareRuntimeServesNothingUntilGivenAModelThenServesItWarm() throws Exception {
        ModelFixtures.repo(repo).addAsShipped("mlp-tiny");
        Path cache = Files.createDirectories(repo.resolve("..").resolve("opt-cache-" + System.nanoTime()));
        try (Worker worker =
                Worker.start(WorkerConfig.local(repo, 0).withCacheDir(cache).asSpare())) {
            Http http = new Http(worker.port());
            assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
            assertThat(http.post("/v2/repository/index", "").body()).isEqualTo("[]");
            assertThat(http.get("/metrics").body())
                    .as("the spare's practice leaves nothing in its metrics")
                    .doesNotContain(HttpPractice.MODEL);
            assertThat(http.post("/v2/models/mlp-tiny/infer", WorkerIT.mlpJson(1))
                            .statusCode())
                    .isEqualTo(404);

            HttpResponse<String> load = http.post("/v2/repository/models/mlp-tiny/load", "");
            assertThat(load.statusCode()).isEqualTo(200);
            assertThat(http.post("/v2/models/mlp-tiny/infer", WorkerIT.mlpJson(1))
                            .statusCode())
                    .isEqualTo(200);
            try (var files = Files.list(cache)) {
                assertThat(files.map(p -> p.getFileName().toString()))
                        .as("ONNX Runtime's optimized model was kept for the next cold start")
                        .anyMatch(name -> name.endsWith("-cpu-all.onnx"));
            }
            assertThat(http.post("/v2/repository/models/nope/load", "").statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void aSpareForAGpuPoolPractisesOnCpuWhereCudaCannotBeUsedAndThenServes() throws Exception {
        ModelFixtures.repo(repo).addAsShipped("mlp-tiny");
        try (Worker worker = Worker.start(WorkerConfig.local(repo, 0).asSpare(Device.parse("cuda:0")))) {
            Http http = new Http(worker.port());
            assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
            assertThat(http.post("/v2/repository/models/mlp-tiny/load", "").statusCode())
                    .isEqualTo(200);
            assertThat(http.post("/v2/models/mlp-tiny/infer", WorkerIT.mlpJson(1))
                            .statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void theSparesPracticeOverHttpIsAnsweredAndLeavesNoModelBehind() throws Exception {
        try (Worker worker = Worker.start(WorkerConfig.local(repo, 0).asSpare())) {
            HttpPractice.Result result;
            try (AutoCloseable practising = worker.service().servePractice(Device.CPU)) {
                result = HttpPractice.run(URI.create("http://127.0.0.1:" + worker.port()), 3, 80 << 10);
            }
            assertThat(result.sent()).isEqualTo(9);
            assertThat(result.failed())
                    .as("every practice request answered 200")
                    .isZero();
            Http http = new Http(worker.port());
            assertThat(http.post("/v2/repository/index", "").body()).isEqualTo("[]");
            assertThat(http.post("/v2/models/" + HttpPractice.MODEL + "/infer", "{}")
                            .statusCode())
                    .isEqualTo(404);
        }
    }

    @Test
    void aLoadCanBeHeldToAVersionSoABrokenNewerOneIsLeftAlone() throws Exception {
        ModelFixtures.repo(repo).add("mlp", "mlp-tiny", 1, "");
        Path broken = Files.createDirectories(repo.resolve("mlp/2")).resolve("model.onnx");
        Files.write(broken, new byte[] {1, 2, 3, 4});
        try (Worker worker = Worker.start(WorkerConfig.local(repo, 0).asSpare())) {
            Http http = new Http(worker.port());
            assertThat(http.post("/v2/repository/models/mlp/load?up_to=x", "").body())
                    .contains("up_to must be a version number");
            assertThat(http.post("/v2/repository/models/mlp/load?up_to=0", "").statusCode())
                    .isEqualTo(404);
            HttpResponse<String> failed = http.post("/v2/repository/models/mlp/load", "");
            assertThat(failed.statusCode()).as(failed.body()).isGreaterThanOrEqualTo(400);

            assertThat(http.post("/v2/repository/models/mlp/load?up_to=1", "").statusCode())
                    .isEqualTo(200);
            assertThat(version(http.post("/v2/models/mlp/infer", WorkerIT.mlpJson(1))
                            .body()))
                    .isEqualTo("1");
        }
    }

    private static String version(String body) {
        try {
            return JSON.readTree(body).get("model_version").asText();
        } catch (Exception e) {
            throw new IllegalStateException(body, e);
        }
    }
}
