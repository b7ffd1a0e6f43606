package dev.ember.functions.knative.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.InferenceCodec;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Open Inference Protocol on the packaged functions app, against a real worker process and a
 * real Redis: every endpoint, inference in JSON and with the binary tensor extension both ways,
 * the same bytes as the worker's own answer, one cache entry whichever form asked, the protocol's
 * error bodies and statuses.
 */
@QuarkusIntegrationTest
@WithTestResource(PoolAndRedis.class)
class V2ProtocolIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private V2Client functions;
    private V2Client worker;

    @BeforeEach
    void clients() {
        functions = new V2Client(URI.create("http://localhost:" + RestAssured.port));
        worker = new V2Client(PoolAndRedis.workerUri());
    }

    @Test
    void serverMetadataAndHealth() throws Exception {
        JsonNode server = JSON.readTree(functions.get("/v2").body());
        assertThat(server.get("name").asText()).isEqualTo("ember");
        assertThat(server.get("extensions").isArray()).isTrue();
        assertThat(server.get("extensions").toString()).contains("\"binary_tensor_data\"");
        assertThat(functions.get("/v2/health/live").status()).isEqualTo(200);
        assertThat(functions.get("/v2/health/ready").status()).isEqualTo(200);
    }

    @Test
    void modelMetadataAndReadinessAsTheWorkerGivesThem() throws Exception {
        JsonNode viaFunctions =
                JSON.readTree(functions.get("/v2/models/mlp-tiny").body());
        JsonNode direct = JSON.readTree(worker.get("/v2/models/mlp-tiny").body());
        assertThat(viaFunctions.get("name").asText()).isEqualTo("mlp-tiny");
        assertThat(viaFunctions.get("inputs")).isEqualTo(direct.get("inputs"));
        assertThat(viaFunctions.get("outputs")).isEqualTo(direct.get("outputs"));
        assertThat(functions.get("/v2/models/mlp-tiny/versions/1").status()).isEqualTo(200);

        V2Client.Answer ready = functions.get("/v2/models/mlp-tiny/ready");
        assertThat(ready.status()).isEqualTo(200);
        assertThat(ready.body()).isEmpty();
        assertThat(functions.get("/v2/models/mlp-tiny/versions/1/ready").status())
                .isEqualTo(200);
    }

    @Test
    void anUnknownModelOrVersionIs404WithAnErrorBody() throws Exception {
        for (String path : List.of(
                "/v2/models/no-such-model", "/v2/models/mlp-tiny/versions/9", "/v2/models/no-such-model/ready")) {
            V2Client.Answer a = functions.get(path);
            assertThat(a.status()).as(path).isEqualTo(404);
            assertThat(JSON.readTree(a.body()).get("error").asText()).as(path).isNotBlank();
        }
        V2Client.Answer infer = functions.postJson("/v2/models/no-such-model/infer", Requests.mlpV2(1, 1));
        assertThat(infer.status()).isEqualTo(404);
        assertThat(infer.text()).contains("no-such-model");
    }

    @Test
    void jsonInferenceIsAMissThenAHitOnEitherPath() throws Exception {
        int base = Requests.uniqueBase();
        String body = Requests.maskedSumV2(Requests.x(base, false));
        V2Client.Answer miss = functions.postJson("/v2/models/masked-sum/infer", body);
        V2Client.Answer hit = functions.postJson("/v2/models/masked-sum/versions/1/infer", body);

        assertThat(miss.status()).isEqualTo(200);
        assertThat(miss.contentType()).startsWith("application/json");
        JsonNode first = JSON.readTree(miss.body());
        assertThat(first.get("model_name").asText()).isEqualTo("masked-sum");
        assertThat(first.at("/parameters/ember.cache").asText()).isEqualTo("miss");
        assertThat(floats(first.at("/outputs/0/data"))).isEqualTo(Requests.maskedSums(base));
        JsonNode again = JSON.readTree(hit.body());
        assertThat(again.at("/parameters/ember.cache").asText()).isEqualTo("hit");
        assertThat(again.get("outputs")).isEqualTo(first.get("outputs"));
    }

    @Test
    void aBinaryRequestGetsTheSameBytesAsStraightFromTheWorker() {
        InferenceRequest request =
                mlpRows(Requests.uniqueBase(), 3).withParameters(Parameters.of(Protocol.BINARY_DATA_OUTPUT, true));

        V2Client.Answer viaFunctions = functions.post("/v2/models/mlp-tiny/infer", request, true);
        V2Client.Answer direct = worker.post("/v2/models/mlp-tiny/infer", request, true);

        assertThat(viaFunctions.status()).isEqualTo(200);
        assertThat(viaFunctions.contentType()).isEqualTo("application/octet-stream");
        assertThat(viaFunctions.jsonLength()).isPositive();
        assertThat(viaFunctions.binaryTail()).isNotEmpty().isEqualTo(direct.binaryTail());
        InferenceResponse a = viaFunctions.decode();
        InferenceResponse b = direct.decode();
        assertThat(a.outputs()).isEqualTo(b.outputs()); // names, datatypes, shapes and bytes
        assertThat(a.parameters().values()).containsEntry("ember.cache", "miss");
    }

    @Test
    void aBinaryRequestAfterAJsonMissOfTheSameTensorsIsACacheHit() throws Exception {
        int base = Requests.uniqueBase();
        V2Client.Answer miss = functions.postJson("/v2/models/mlp-tiny/infer", Requests.mlpV2(base, 2));
        InferenceRequest sameTensors = new InferenceCodec()
                .decodeRequest(Requests.mlpV2(base, 2).getBytes(StandardCharsets.UTF_8), -1)
                .withParameters(Parameters.of(Protocol.BINARY_DATA_OUTPUT, true));

        V2Client.Answer hit = functions.post("/v2/models/mlp-tiny/infer", sameTensors, true);

        assertThat(JSON.readTree(miss.body()).at("/parameters/ember.cache").asText())
                .isEqualTo("miss");
        assertThat(hit.status()).isEqualTo(200);
        assertThat(hit.jsonLength()).isPositive();
        InferenceResponse answer = hit.decode();
        assertThat(answer.parameters().values()).containsEntry("ember.cache", "hit");
        InferenceResponse json = miss.decode();
        assertThat(answer.outputs()).isEqualTo(json.outputs());
    }

    @Test
    void oneOutputInBinaryAndOneAsJsonAndTheCallersIdComeBack() {
        InferenceRequest request = new InferenceRequest(
                "req-\"1\"",
                Parameters.EMPTY,
                mlpRows(Requests.uniqueBase(), 1).inputs(),
                List.of(
                        new RequestedOutput("logits", Parameters.of(Protocol.BINARY_DATA, true)),
                        RequestedOutput.named("probabilities")));
        for (int i = 0; i < 2; i++) { // the miss, then the hit
            V2Client.Answer a = functions.post("/v2/models/mlp-tiny/infer", request, false);
            assertThat(a.status()).isEqualTo(200);
            InferenceResponse r = a.decode();
            assertThat(r.id()).isEqualTo("req-\"1\"");
            assertThat(a.binaryTail()).hasSize(8 * 4); // logits [1, 8] FP32 in binary
            assertThat(new String(a.body(), 0, a.jsonLength(), StandardCharsets.UTF_8))
                    .contains("\"name\":\"probabilities\"")
                    .contains("\"data\":[");
            assertThat(r.output("probabilities").orElseThrow().toFloats()).hasSize(8);
        }
    }

    @Test
    void aBodyOverTheCapIs413AndAChunkedOneToo() {
        String big = Requests.mlpV2(Requests.uniqueBase(), 300); // ~120 KiB, cap 64 KiB
        V2Client.Answer declared = functions.postJson("/v2/models/mlp-tiny/infer", big);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.text()).contains("larger than " + PoolAndRedis.MAX_BODY_BYTES + " bytes");

        byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
        V2Client.Answer chunked = functions.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v2/models/mlp-tiny/infer"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))));
        assertThat(chunked.status()).isEqualTo(413);
        assertThat(chunked.text()).contains("larger than " + PoolAndRedis.MAX_BODY_BYTES + " bytes");

        assertThat(functions
                        .postJson("/v2/models/mlp-tiny/infer", Requests.mlpV2(1, 1))
                        .status())
                .as("the app serves on after refusing")
                .isEqualTo(200);
    }

    @Test
    void badRequestsAre400WithTheProtocolsErrorBody() throws Exception {
        V2Client.Answer malformed = functions.postJson("/v2/models/mlp-tiny/infer", "{\"inputs\": [");
        V2Client.Answer wrongType = functions.postJson(
                "/v2/models/mlp-tiny/infer", Requests.mlpV2(1, 1).replace("FP32", "FP64"));
        V2Client.Answer badHeader = functions.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v2/models/mlp-tiny/infer"))
                        .header(Protocol.HEADER_CONTENT_LENGTH, "99999")
                        .POST(HttpRequest.BodyPublishers.ofString(Requests.mlpV2(1, 1))));

        assertThat(malformed.status()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).get("error").asText()).contains("malformed JSON");
        assertThat(wrongType.status()).isEqualTo(400);
        assertThat(wrongType.text()).contains("expects FP32");
        assertThat(badHeader.status()).isEqualTo(400);
        assertThat(badHeader.text()).contains(Protocol.HEADER_CONTENT_LENGTH);
    }

    @Test
    void aFormLabelledBodyIsReadAsTheV2BodyItIs() {
        // curl -d sends application/x-www-form-urlencoded unless told otherwise.
        V2Client.Answer a = functions.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/v2/models/mlp-tiny/infer"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(Requests.mlpV2(Requests.uniqueBase(), 1))));
        assertThat(a.status()).isEqualTo(200);
    }

    @Test
    void anUnknownEndpointIs404AndAWrongMethod405() throws Exception {
        V2Client.Answer missing = functions.get("/v2/repository/index");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(JSON.readTree(missing.body()).get("error").asText()).contains("no such endpoint");
        V2Client.Answer wrong = functions.get("/v2/models/mlp-tiny/infer");
        assertThat(wrong.status()).isEqualTo(405);
        assertThat(wrong.text()).contains("POST");
    }

    private static InferenceRequest mlpRows(int base, int rows) {
        float[] values = new float[rows * 64];
        for (int i = 0; i < values.length; i++) {
            values[i] = ((base + i) % 97) / 97f - 0.5f;
        }
        return InferenceRequest.of(Tensor.ofFloats("input", new long[] {rows, 64}, values));
    }

    private static List<Float> floats(JsonNode array) {
        List<Float> out = new java.util.ArrayList<>();
        array.forEach(n -> out.add(n.floatValue()));
        return out;
    }
}
