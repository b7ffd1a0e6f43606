package dev.ember.functions.knative.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Through the functions, against a real worker: requests whose ids ONNX Runtime cannot look up get
 * their own 400 while the valid requests batched with them are answered, and JSON numbers their
 * datatype cannot hold are refused by the functions' codec (the worker's) before any pool call.
 */
@QuarkusIntegrationTest
@WithTestResource(PoolAndRedis.class)
class BadValuesThroughFunctionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private V2Client functions;

    @BeforeEach
    void client() {
        functions = new V2Client(URI.create("http://localhost:" + RestAssured.port));
    }

    private static String ids(long... ids) {
        StringBuilder data = new StringBuilder();
        for (long id : ids) {
            data.append(data.isEmpty() ? "" : ",").append(id);
        }
        return "{\"inputs\": [{\"name\": \"ids\", \"shape\": [1, 8], \"datatype\": \"INT64\", \"data\": [" + data
                + "]}]}";
    }

    @Test
    void anIdOutsideTheTableFailsOnlyItsOwnRequest() throws Exception {
        int base = Requests.uniqueBase(); // distinct inputs: none is answered by the cache
        ExecutorService clients = Executors.newFixedThreadPool(24);
        try {
            List<CompletableFuture<V2Client.Answer>> valid = new ArrayList<>();
            List<CompletableFuture<V2Client.Answer>> bad = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long a = (base + i) % 64;
                long b = (base / 64 + i) % 64;
                String body = ids(a, b, a, b, a, b, a, b);
                valid.add(CompletableFuture.supplyAsync(
                        () -> functions.postJson("/v2/models/embed-int64/infer", body), clients));
                if (i % 5 == 0) {
                    String poisoned = ids(a, b, 64 + i, b, a, b, a, b);
                    bad.add(CompletableFuture.supplyAsync(
                            () -> functions.postJson("/v2/models/embed-int64/infer", poisoned), clients));
                }
            }
            for (CompletableFuture<V2Client.Answer> f : valid) {
                V2Client.Answer r = f.get();
                assertThat(r.status()).as(r.text()).isEqualTo(200);
                assertThat(JSON.readTree(r.body()).at("/outputs/0/shape").toString())
                        .isEqualTo("[1,4]");
            }
            for (CompletableFuture<V2Client.Answer> f : bad) {
                V2Client.Answer r = f.get();
                assertThat(r.status()).as(r.text()).isEqualTo(400);
                assertThat(JSON.readTree(r.body()).get("error").asText())
                        .contains("could not run on this input")
                        .contains("indices element out of data bounds");
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void aNumberItsDatatypeCannotHoldIs400OnEveryDoor() throws Exception {
        String overflow = Requests.mlpV2(1, 1).replaceFirst("\"data\": \\[[^,]*,", "\"data\": [0.5, 1e999,");
        V2Client.Answer v2 = functions.postJson("/v2/models/mlp-tiny/infer", overflow);
        V2Client.Answer infer = functions.postJson("/infer", Requests.withModel("mlp-tiny", overflow));
        for (V2Client.Answer a : List.of(v2, infer)) {
            assertThat(a.status()).as(a.text()).isEqualTo(400);
            JsonNode error = JSON.readTree(a.body()).get("error");
            assertThat(error.asText()).contains("input 'input' is FP32 but element 1 is 1e999, outside FP32 range");
        }
        V2Client.Answer int64 = functions.postJson(
                "/v2/models/embed-int64/infer", ids(1, 2, 3, 4, 5, 6, 7, 9).replace(",9]", ",8.5]"));
        assertThat(int64.status()).isEqualTo(400);
        assertThat(int64.text()).contains("element 7 is 8.5, not an integer");
    }
}
