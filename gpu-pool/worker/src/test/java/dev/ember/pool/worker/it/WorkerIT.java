package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.http.HttpPoolClient;
import dev.ember.pool.worker.Worker;
import dev.ember.pool.worker.WorkerConfig;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real worker over real HTTP on loopback, serving real ONNX models through ONNX Runtime. */
class WorkerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_BODY = 1 << 20;

    @TempDir
    static Path repoDir;

    private static Worker worker;
    private static Http http;
    private static HttpPoolClient client;

    @BeforeAll
    static void start() {
        ModelFixtures.repo(repoDir)
                .addAsShipped("mlp-tiny")
                .addAsShipped("embed-int64")
                .addAsShipped("masked-sum")
                .addAsShipped("identity-types")
                .add("mlp-gather", "mlp-tiny", 1, "max_batch_size: 32\nmax_queue_delay_ms: 50\n")
                .add("mlp-slow", "mlp-tiny", 1, """
                        max_batch_size: 32
                        max_queue_delay_ms: 5000
                        priorities:
                          realtime: {queue_cap: 2}
                        """)
                .add("mlp-versions", "mlp-tiny", 3, "version_policy: all\n")
                .add("mlp-versions", "mlp-tiny", 7, "version_policy: all\n");
        worker = Worker.start(new WorkerConfig(repoDir, "127.0.0.1", 0, MAX_BODY, Duration.ofSeconds(10), 2));
        http = new Http(worker.port());
        client = new HttpPoolClient(URI.create("http://127.0.0.1:" + worker.port()));
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    // ---- health, metadata, index ----

    @Test
    void healthEndpointsAnswer() throws Exception {
        assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
        JsonNode server = JSON.readTree(http.get("/v2").body());
        assertThat(server.get("name").asText()).isEqualTo("ember-worker");
        assertThat(server.get("extensions").isArray()).isTrue();
        assertThat(server.get("extensions").toString()).contains("\"binary_tensor_data\"");
    }

    @Test
    void modelMetadataDescribesTheRealSignature() throws Exception {
        HttpResponse<String> r = http.get("/v2/models/mlp-tiny");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode m = JSON.readTree(r.body());
        assertThat(m.get("name").asText()).isEqualTo("mlp-tiny");
        assertThat(m.get("platform").asText()).isEqualTo("onnxruntime_onnx");
        assertThat(m.get("inputs").get(0).get("name").asText()).isEqualTo("input");
        assertThat(m.get("inputs").get(0).get("datatype").asText()).isEqualTo("FP32");
        assertThat(m.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,64]");
        assertThat(m.get("outputs").findValuesAsText("name")).containsExactly("logits", "probabilities");

        ModelMetadata viaClient = client.metadata("embed-int64", "1").get(5, TimeUnit.SECONDS);
        assertThat(viaClient.inputs().get(0).datatype()).isEqualTo(dev.ember.pool.api.DataType.INT64);
    }

    @Test
    void everyServedVersionIsListedAndAddressable() throws Exception {
        JsonNode m = JSON.readTree(http.get("/v2/models/mlp-versions").body());
        assertThat(m.get("versions").toString()).isEqualTo("[\"3\",\"7\"]");
        assertThat(http.get("/v2/models/mlp-versions/versions/3").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/models/mlp-versions/versions/7/ready").statusCode())
                .isEqualTo(200);

        InferenceResponse latest =
                client.infer("mlp-versions", null, mlpRequest(1)).get(5, TimeUnit.SECONDS);
        assertThat(latest.modelVersion()).isEqualTo("7");
        InferenceResponse three =
                client.infer("mlp-versions", "3", mlpRequest(1)).get(5, TimeUnit.SECONDS);
        assertThat(three.modelVersion()).isEqualTo("3");
    }

    @Test
    void unknownModelsAndVersionsAre404WithWhatExists() {
        HttpResponse<String> unknown = http.get("/v2/models/nope");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("unknown model 'nope'").contains("mlp-tiny");
        HttpResponse<String> version = http.get("/v2/models/mlp-tiny/versions/9");
        assertThat(version.statusCode()).isEqualTo(404);
        assertThat(version.body()).contains("no version '9'");
        assertThat(http.get("/v2/models/nope/ready").statusCode()).isEqualTo(404);
        HttpResponse<String> infer = http.post("/v2/models/nope/infer", "{}");
        assertThat(infer.statusCode()).isEqualTo(404);
        assertThat(http.get("/v2/nothing-here").statusCode()).isEqualTo(404);
        assertThat(http.get("/v2/nothing-here").body()).contains("no such endpoint");
    }

    @Test
    void repositoryIndexListsModelsAndReadiness() throws Exception {
        JsonNode index = JSON.readTree(http.post("/v2/repository/index", "").body());
        List<String> names = new ArrayList<>();
        index.forEach(n -> {
            names.add(n.get("name").asText());
            assertThat(n.get("state").asText()).isEqualTo("READY");
        });
        assertThat(names).contains("mlp-tiny", "masked-sum", "identity-types");
    }

    // ---- inference ----

    @Test
    void jsonInferenceReturnsProbabilitiesThatSumToOne() throws Exception {
        HttpResponse<String> r = http.post("/v2/models/mlp-tiny/infer", """
                {"id": "req-1", "inputs": [{"name": "input", "shape": [2, 64], "datatype": "FP32", "data": %s}],
                 "outputs": [{"name": "probabilities"}]}
                """.formatted(floats(128)));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("id").asText()).isEqualTo("req-1");
        assertThat(body.get("model_version").asText()).isEqualTo("1");
        assertThat(body.get("outputs")).hasSize(1);
        JsonNode probs = body.get("outputs").get(0);
        assertThat(probs.get("shape").toString()).isEqualTo("[2,8]");
        double row0 = 0;
        double row1 = 0;
        for (int i = 0; i < 8; i++) {
            row0 += probs.get("data").get(i).asDouble();
            row1 += probs.get("data").get(8 + i).asDouble();
        }
        assertThat(row0).isCloseTo(1.0, within(1e-5));
        assertThat(row1).isCloseTo(1.0, within(1e-5));
        JsonNode params = body.get("parameters");
        assertThat(params.get(Protocol.COMPUTE_MS).asDouble()).isPositive();
        assertThat(params.get(Protocol.BATCH_SIZE).asLong()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void binaryTensorExtensionGivesTheSameAnswerAsJson() throws Exception {
        // HttpPoolClient sends this 256-byte input as binary and asks for binary outputs.
        InferenceResponse binary = client.infer("mlp-tiny", null, mlpRequest(1)).get(5, TimeUnit.SECONDS);
        HttpResponse<String> json = http.post("/v2/models/mlp-tiny/infer", """
                {"inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP32", "data": %s}]}
                """.formatted(floats(64)));
        JsonNode jsonOut = JSON.readTree(json.body()).get("outputs").get(0);
        float[] binaryLogits = binary.output("logits").orElseThrow().toFloats();
        for (int i = 0; i < binaryLogits.length; i++) {
            assertThat(binaryLogits[i])
                    .isEqualTo((float) jsonOut.get("data").get(i).asDouble());
        }
    }

    @Test
    void binaryOutputsCanBeRequestedPerOutput() {
        HttpResponse<String> r = http.post("/v2/models/mlp-tiny/infer", """
                {"inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP32", "data": %s}],
                 "outputs": [{"name": "logits", "parameters": {"binary_data": true}}, {"name": "probabilities"}]}
                """.formatted(floats(64)));
        assertThat(r.statusCode()).isEqualTo(200);
        int jsonLength = Integer.parseInt(
                r.headers().firstValue(Protocol.HEADER_CONTENT_LENGTH).orElseThrow());
        String header = r.body().substring(0, jsonLength);
        assertThat(header).contains("\"binary_data_size\":32").contains("\"name\":\"probabilities\"");
    }

    @Test
    void everyDatatypeRoundTripsThroughOnnxRuntime() throws Exception {
        InferenceRequest request = InferenceRequest.of(
                Tensor.ofFloats("fp32", new long[] {1, 2}, 1.5f, -2.25f),
                Tensor.ofHalfs("fp16", new long[] {1, 2}, 0.5f, 65504f),
                Tensor.ofLongs("int64", new long[] {1, 2}, Long.MIN_VALUE, Long.MAX_VALUE),
                Tensor.ofInts("int32", new long[] {1, 2}, -7, Integer.MAX_VALUE),
                Tensor.ofUint8("uint8", new long[] {1, 2}, (byte) 0, (byte) 255),
                Tensor.ofBools("bool", new long[] {1, 2}, true, false),
                Tensor.ofStrings("bytes", new long[] {1, 2}, "hello", "grüße ✓"));
        InferenceResponse r = client.infer("identity-types", null, request).get(5, TimeUnit.SECONDS);
        assertThat(r.output("fp32_out").orElseThrow().toFloats()).containsExactly(1.5f, -2.25f);
        assertThat(r.output("fp16_out").orElseThrow().toFloats()).containsExactly(0.5f, 65504f);
        assertThat(r.output("int64_out").orElseThrow().toLongs()).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(r.output("int32_out").orElseThrow().toInts()).containsExactly(-7, Integer.MAX_VALUE);
        assertThat(r.output("uint8_out").orElseThrow().toBytes()).containsExactly(0, 255);
        assertThat(r.output("bool_out").orElseThrow().toBools()).containsExactly(true, false);
        assertThat(r.output("bytes_out").orElseThrow().toStrings()).containsExactly("hello", "grüße ✓");
    }

    @Test
    void int64InputsFeedAGather() throws Exception {
        HttpResponse<String> same = http.post("/v2/models/embed-int64/infer", """
                {"inputs": [{"name": "ids", "shape": [2, 8], "datatype": "INT64",
                             "data": [1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2]}]}
                """);
        assertThat(same.statusCode()).isEqualTo(200);
        JsonNode out = JSON.readTree(same.body()).get("outputs").get(0);
        assertThat(out.get("shape").toString()).isEqualTo("[2,4]");
        // Rows of identical ids average to the embedding row itself: different ids, different rows.
        assertThat(out.get("data").get(0).asDouble())
                .isNotEqualTo(out.get("data").get(4).asDouble());

        HttpResponse<String> outOfTable = http.post("/v2/models/embed-int64/infer", """
                {"inputs": [{"name": "ids", "shape": [1, 8], "datatype": "INT64", "data": [999, 0, 0, 0, 0, 0, 0, 0]}]}
                """);
        assertThat(outOfTable.statusCode()).isIn(400, 500);
        assertThat(outOfTable.body()).contains("embed-int64").doesNotContain("at dev.ember");
    }

    @Test
    void aModelWithoutBatchDimensionRunsUnbatchedWithExactAnswers() throws Exception {
        HttpResponse<String> r = http.post("/v2/models/masked-sum/infer", """
                {"inputs": [
                  {"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]},
                  {"name": "mask", "shape": [3, 4], "datatype": "BOOL",
                   "data": [true, false, true, false, true, true, true, true, false, false, false, false]}]}
                """);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode sum = JSON.readTree(r.body()).get("outputs").get(0);
        assertThat(sum.get("shape").toString()).isEqualTo("[3]");
        assertThat(sum.get("data").toString()).isEqualTo("[4.0,26.0,0.0]");
    }

    @Test
    void concurrentRequestsAreReallyBatched() throws Exception {
        int n = 24;
        List<CompletableFuture<InferenceResponse>> calls = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            calls.add(client.infer("mlp-gather", null, mlpRequest(1)));
        }
        List<Long> batchSizes = new ArrayList<>();
        for (CompletableFuture<InferenceResponse> c : calls) {
            InferenceResponse r = c.get(10, TimeUnit.SECONDS);
            batchSizes.add(r.parameters().integer(Protocol.BATCH_SIZE).orElseThrow());
            float sum = 0;
            for (float p : r.output("probabilities").orElseThrow().toFloats()) {
                sum += p;
            }
            assertThat(sum).isCloseTo(1f, within(1e-5f));
        }
        assertThat(batchSizes).anyMatch(size -> size > 1);
        String metrics = http.get("/metrics").body();
        double batches = metricValue(metrics, "ember_batch_size_count{model=\"mlp-gather\"}");
        assertThat(batches).as("%s requests in fewer batches", n).isLessThan(n);
    }

    @Test
    void priorityAndTimeoutAreTakenFromHeadersOrParameters() throws Exception {
        HttpResponse<String> header = http.post(
                "/v2/models/mlp-tiny/infer",
                mlpJson(1),
                Protocol.HEADER_PRIORITY,
                "vip",
                Protocol.HEADER_TIMEOUT_MS,
                "5000");
        assertThat(header.statusCode()).isEqualTo(200);
        InferenceRequest viaParameters = mlpRequest(1)
                .withParameters(Parameters.of(Protocol.PRIORITY, "batch").with(Protocol.TIMEOUT_MS, 5000L));
        client.infer("mlp-tiny", null, viaParameters).get(5, TimeUnit.SECONDS);
        String metrics = http.get("/metrics").body();
        assertThat(metricValue(metrics, "ember_requests_total{model=\"mlp-tiny\",outcome=\"ok\",priority=\"vip\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metricValue(metrics, "ember_requests_total{model=\"mlp-tiny\",outcome=\"ok\",priority=\"batch\"}"))
                .isGreaterThanOrEqualTo(1);
    }

    // ---- errors ----

    @Test
    void badInputsAre400WithAReasonAndNoStackTrace() {
        String wrongName = """
                {"inputs": [{"name": "pixels", "shape": [1, 64], "datatype": "FP32", "data": %s}]}""".formatted(floats(64));
        String wrongType = """
                {"inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP64", "data": %s}]}""".formatted(floats(64));
        String wrongRank = """
                {"inputs": [{"name": "input", "shape": [64], "datatype": "FP32", "data": %s}]}""".formatted(floats(64));
        String wrongDim = """
                {"inputs": [{"name": "input", "shape": [1, 63], "datatype": "FP32", "data": %s}]}""".formatted(floats(63));
        String wrongCount = """
                {"inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP32", "data": %s}]}""".formatted(floats(60));
        String missingMask = """
                {"inputs": [{"name": "x", "shape": [3, 4], "datatype": "FP32", "data": %s}]}""".formatted(floats(12));
        String unknownOutput = """
                {"inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP32", "data": %s}],
                 "outputs": [{"name": "embeddings"}]}""".formatted(floats(64));
        String tooManyRows = """
                {"inputs": [{"name": "input", "shape": [33, 64], "datatype": "FP32", "data": %s}]}""".formatted(floats(33 * 64));
        String badPriority = """
                {"parameters": {"priority": "urgent"},
                 "inputs": [{"name": "input", "shape": [1, 64], "datatype": "FP32", "data": %s}]}""".formatted(floats(64));

        expect400("mlp-tiny", wrongName, "unknown input 'pixels'", "input (FP32 [-1, 64])");
        expect400("mlp-tiny", wrongType, "is FP64 but model 'mlp-tiny' expects FP32");
        expect400("mlp-tiny", wrongRank, "expects rank 2");
        expect400("mlp-tiny", wrongDim, "dimension 1 must be 64");
        expect400("mlp-tiny", wrongCount, "60 elements");
        expect400("masked-sum", missingMask, "missing input 'mask'");
        expect400("mlp-tiny", unknownOutput, "unknown output 'embeddings'", "logits, probabilities");
        expect400("mlp-tiny", tooManyRows, "max_batch_size=32");
        expect400("mlp-tiny", badPriority, "unknown priority 'urgent'");
        expect400("mlp-tiny", "{\"inputs\": [", "malformed JSON", "line 1");
        expect400("mlp-tiny", "[1, 2, 3]", "must be a JSON object");
        expect400("mlp-tiny", "", "request body is empty");
    }

    @Test
    void aBodyLabelledAsAFormIsStillReadAsAV2Body() {
        // curl -d sends application/x-www-form-urlencoded; 8 rows make a body past 8 KiB.
        HttpResponse<String> r =
                http.post("/v2/models/mlp-tiny/infer", mlpJson(8), "Content-Type", "application/x-www-form-urlencoded");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("\"shape\":[8,8]");
    }

    @Test
    void badHeadersAre400() {
        HttpResponse<String> timeout =
                http.post("/v2/models/mlp-tiny/infer", mlpJson(1), Protocol.HEADER_TIMEOUT_MS, "soon");
        assertThat(timeout.statusCode()).isEqualTo(400);
        assertThat(timeout.body()).contains("Ember-Timeout-Ms must be an integer");
        HttpResponse<String> headerLength =
                http.post("/v2/models/mlp-tiny/infer", mlpJson(1), Protocol.HEADER_CONTENT_LENGTH, "999999");
        assertThat(headerLength.statusCode()).isEqualTo(400);
        assertThat(headerLength.body()).contains("Inference-Header-Content-Length");
    }

    @Test
    void aBodyOverTheCapIs413() {
        byte[] huge = new byte[(int) MAX_BODY + 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        HttpResponse<String> r = http.post("/v2/models/mlp-tiny/infer", huge);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("larger than the limit of " + MAX_BODY + " bytes");
        // The worker is fine afterwards.
        assertThat(http.post("/v2/models/mlp-tiny/infer", mlpJson(1)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void aFullQueueIs429WithRetryAfterAndAPassedDeadlineIs504() throws Exception {
        // mlp-slow waits up to 5 s to fill a batch and lets 2 realtime requests wait.
        CompletableFuture<HttpResponse<String>> first =
                http.postAsync("/v2/models/mlp-slow/infer", mlpJson(1), Protocol.HEADER_TIMEOUT_MS, "800");
        CompletableFuture<HttpResponse<String>> second =
                http.postAsync("/v2/models/mlp-slow/infer", mlpJson(1), Protocol.HEADER_TIMEOUT_MS, "800");
        awaitQueueDepth("mlp-slow", 2);

        HttpResponse<String> rejected = http.post("/v2/models/mlp-slow/infer", mlpJson(1));
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(rejected.headers().firstValue("Retry-After"))
                .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(rejected.body()).contains("realtime queue is full");

        // Another class still gets in: each class has its own queue.
        CompletableFuture<HttpResponse<String>> vip = http.postAsync(
                "/v2/models/mlp-slow/infer",
                mlpJson(1),
                Protocol.HEADER_PRIORITY,
                "vip",
                Protocol.HEADER_TIMEOUT_MS,
                "800");

        for (CompletableFuture<HttpResponse<String>> f : List.of(first, second, vip)) {
            HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(504);
            assertThat(r.body()).contains("deadline of 800 ms passed");
        }
    }

    @Test
    void theClientMapsStatusesBackToReasons() {
        CompletableFuture<InferenceResponse> notFound = client.infer("nope", null, mlpRequest(1));
        assertThat(notFound)
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(Exception.class)
                .satisfies(
                        e -> assertThat(InferenceException.find(e).orElseThrow().reason())
                                .isEqualTo(InferenceException.Reason.NOT_FOUND));
        InferenceRequest bad = mlpRequest(1).withOutputs(List.of(RequestedOutput.named("nothing")));
        assertThat(client.infer("mlp-tiny", null, bad))
                .failsWithin(Duration.ofSeconds(5))
                .withThrowableOfType(Exception.class)
                .satisfies(
                        e -> assertThat(InferenceException.find(e).orElseThrow().reason())
                                .isEqualTo(InferenceException.Reason.BAD_INPUT));
    }

    // ---- helpers ----

    private static void expect400(String model, String body, String... phrases) {
        HttpResponse<String> r = http.post("/v2/models/" + model + "/infer", body);
        assertThat(r.statusCode()).as(body).isEqualTo(400);
        assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
        assertThat(r.body()).startsWith("{\"error\":").doesNotContain("\tat ").doesNotContain("Exception");
        for (String phrase : phrases) {
            assertThat(r.body()).contains(phrase);
        }
    }

    private static void awaitQueueDepth(String model, int depth) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < until) {
            if (worker.service().resolve(model, null).batcher().queueDepth() >= depth) {
                return;
            }
            Thread.sleep(5);
        }
        throw new AssertionError(model + " never had " + depth + " requests queued");
    }

    static InferenceRequest mlpRequest(int rows) {
        float[] v = new float[rows * 64];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 13) / 13f - 0.5f;
        }
        return InferenceRequest.of(Tensor.ofFloats("input", new long[] {rows, 64}, v));
    }

    static String mlpJson(int rows) {
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [" + rows + ", 64], \"datatype\": \"FP32\", \"data\": "
                + floats(rows * 64) + "}]}";
    }

    static String floats(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> Float.toString((i % 13) / 13f - 0.5f))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    static double metricValue(String scrape, String series) {
        return scrape.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst()
                .orElse(0);
    }

    static Shape shapeOf(JsonNode node) {
        long[] dims = new long[node.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = node.get(i).asLong();
        }
        return Shape.of(dims);
    }
}
