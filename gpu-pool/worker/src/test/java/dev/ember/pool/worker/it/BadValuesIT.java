package dev.ember.pool.worker.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.pool.worker.Worker;
import dev.ember.pool.worker.WorkerConfig;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Values a real worker cannot take, and whose fault that is: an {@code embed-int64} id outside its
 * table fails in ONNX Runtime, for that request only, while the valid requests stacked into the
 * same batches are answered; a JSON number its datatype cannot hold is refused before it is queued.
 */
class BadValuesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path repoDir;

    private static Worker worker;
    private static Http http;

    @BeforeAll
    static void start() {
        // A long queue delay: concurrent requests are certain to share batches.
        ModelFixtures.repo(repoDir)
                .add("embed", "embed-int64", 1, "max_batch_size: 16\nmax_queue_delay_ms: 50\n")
                .addAsShipped("identity-types");
        worker = Worker.start(new WorkerConfig(repoDir, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(10), 2));
        http = new Http(worker.port());
    }

    @AfterAll
    static void stop() {
        worker.close();
    }

    static String ids(long... ids) {
        StringBuilder data = new StringBuilder();
        for (long id : ids) {
            data.append(data.isEmpty() ? "" : ",").append(id);
        }
        return "{\"inputs\": [{\"name\": \"ids\", \"shape\": [1, 8], \"datatype\": \"INT64\", \"data\": [" + data
                + "]}]}";
    }

    static String sameId(long id) {
        return ids(id, id, id, id, id, id, id, id);
    }

    @Test
    void anIdOutsideTheTableFailsOnlyItsOwnRequest() throws Exception {
        List<JsonNode> alone = new ArrayList<>();
        for (int id = 0; id < 8; id++) {
            HttpResponse<String> r = http.post("/v2/models/embed/infer", sameId(id));
            assertThat(r.statusCode()).isEqualTo(200);
            alone.add(JSON.readTree(r.body()).at("/outputs/0/data"));
        }

        List<CompletableFuture<HttpResponse<String>>> valid = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> bad = new ArrayList<>();
        for (int i = 0; i < 48; i++) {
            valid.add(http.postAsync("/v2/models/embed/infer", sameId(i % 8)));
            if (i % 6 == 0) {
                bad.add(http.postAsync("/v2/models/embed/infer", ids(1, 2, 3, i % 12 == 0 ? 64 : -65, 4, 5, 6, 7)));
            }
        }

        for (int i = 0; i < valid.size(); i++) {
            HttpResponse<String> r = valid.get(i).get();
            assertThat(r.statusCode()).as("valid request %d: %s", i, r.body()).isEqualTo(200);
            JsonNode got = JSON.readTree(r.body()).at("/outputs/0/data");
            JsonNode want = alone.get(i % 8);
            assertThat(got.size()).isEqualTo(want.size());
            for (int d = 0; d < got.size(); d++) { // a batched run may sum in another order: last-bit equal
                assertThat(got.get(d).floatValue()).isCloseTo(want.get(d).floatValue(), within(1e-6f));
            }
        }
        for (CompletableFuture<HttpResponse<String>> f : bad) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).isEqualTo(400);
            String error = JSON.readTree(r.body()).get("error").asText();
            assertThat(error)
                    .startsWith("model 'embed' could not run on this input: ")
                    .contains("indices element out of data bounds, idx=");
            assertThat(error).doesNotContain("\n").doesNotContain("at ai.onnxruntime");
        }
        String metrics = http.get("/metrics").body();
        assertThat(counter(metrics, "ember_isolated_failures_total{model=\"embed\"}"))
                .as("bad requests that shared a batch were isolated")
                .isPositive();
        assertThat(counter(metrics, "ember_batch_isolations_total{model=\"embed\"}"))
                .isPositive();
    }

    static Stream<Arguments> valuesOutsideTheirType() {
        return Stream.of(
                Arguments.of("FP32", "1e999", "element 1 is 1e999, outside FP32 range"),
                Arguments.of("FP32", "3.5e38", "element 1 is 3.5e38, outside FP32 range"),
                Arguments.of("FP32", "-3.5e38", "outside FP32 range"),
                Arguments.of("FP32", "\"inf\"", "not a number (NaN and infinities are spelled NaN, Infinity"),
                Arguments.of("INT8", "300", "element 1 is 300, outside INT8 range [-128, 127]"),
                Arguments.of("UINT8", "-1", "element 1 is -1, outside UINT8 range [0, 255]"),
                Arguments.of("INT32", "2.5", "element 1 is 2.5, not an integer"),
                Arguments.of("INT64", "NaN", "element 1 is NaN, not an integer"),
                Arguments.of("INT16", "1e999", "outside INT16 range"),
                Arguments.of("FP16", "70000", "element 1 is 70000, outside FP16 range [-65504, 65504]"),
                Arguments.of("FP64", "1e999", "element 1 is 1e999, outside FP64 range"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("valuesOutsideTheirType")
    void aJsonNumberItsDatatypeCannotHoldIs400NamingTheInputAndElement(String type, String value, String message)
            throws Exception {
        String name = type.toLowerCase(java.util.Locale.ROOT);
        String body = "{\"inputs\": [{\"name\": \"" + name + "\", \"shape\": [3], \"datatype\": \"" + type
                + "\", \"data\": [0, " + value + ", 1]}]}";
        HttpResponse<String> r = http.post("/v2/models/identity-types/infer", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).get("error").asText())
                .contains("input '" + name + "'")
                .contains(message);
    }

    @Test
    void nanAndInfinitiesPassForFloatTypesInTheirExplicitSpellings() throws Exception {
        String body = """
                {"inputs": [
                  {"name": "fp32", "shape": [3, 2], "datatype": "FP32",
                   "data": [NaN, Infinity, -Infinity, "NaN", "Infinity", "-Infinity"]},
                  {"name": "fp16", "shape": [3, 2], "datatype": "FP16", "data": [1, 2, 3, 4, 5, -Infinity]},
                  {"name": "int64", "shape": [3, 2], "datatype": "INT64", "data": [1, 2, 3, 4, 5, 6]},
                  {"name": "int32", "shape": [3, 2], "datatype": "INT32", "data": [1, 2, 3, 4, 5, 6]},
                  {"name": "uint8", "shape": [3, 2], "datatype": "UINT8", "data": [1, 2, 3, 4, 5, 255]},
                  {"name": "bool", "shape": [3, 2], "datatype": "BOOL", "data": [true, false, 1, 0, 1, 0]},
                  {"name": "bytes", "shape": [3, 2], "datatype": "BYTES", "data": ["a", "b", "c", "d", "e", "f"]}]}""";
        HttpResponse<String> r = http.post("/v2/models/identity-types/infer", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode outputs = JSON.readTree(r.body()).get("outputs");
        JsonNode fp32 = null;
        JsonNode fp16 = null;
        for (JsonNode o : outputs) {
            if (o.get("name").asText().equals("fp32_out")) {
                fp32 = o.get("data");
            } else if (o.get("name").asText().equals("fp16_out")) {
                fp16 = o.get("data");
            }
        }
        assertThat(fp32.toString())
                .isEqualTo("[\"NaN\",\"Infinity\",\"-Infinity\",\"NaN\",\"Infinity\",\"-Infinity\"]");
        assertThat(fp16.get(5).asText()).isEqualTo("-Infinity");
    }

    static double counter(String metrics, String series) {
        return metrics.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(series + " not in /metrics"));
    }
}
