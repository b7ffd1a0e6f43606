package dev.ember.functions.knative.it;

import static dev.ember.functions.knative.it.Requests.maskedSum;
import static dev.ember.functions.knative.it.Requests.maskedSums;
import static dev.ember.functions.knative.it.Requests.structuredEvent;
import static dev.ember.functions.knative.it.Requests.uniqueBase;
import static dev.ember.functions.knative.it.Requests.withModel;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged app (the fast-jar {@code bin/ember up} runs) against a real worker and a real
 * Redis: {@code infer} as plain JSON POST, binary-mode and structured-mode CloudEvent, the cache,
 * the answers to bad requests, {@code models}, and the metrics. Authentication is off here; see
 * {@link TenantsIT}.
 */
@QuarkusIntegrationTest
@WithTestResource(PoolAndRedis.class)
class InferIT {
    private static final String REQUESTED = "dev.ember.inference.requested";
    private static final String COMPLETED = "dev.ember.inference.completed";
    private static final String SOURCE = "dev.ember.functions.infer";

    @Test
    void aPlainJsonPostIsAnsweredWithTheModelsOutputsAndHowTheyWereObtained() {
        int base = uniqueBase();
        JsonPath answer = post(maskedSum(base)).then().statusCode(200).extract().jsonPath();

        assertThat(answer.getString("model_name")).isEqualTo("masked-sum");
        assertThat(answer.getList("outputs[0].data", Float.class)).isEqualTo(maskedSums(base));
        assertThat(answer.getList("outputs[0].shape", Integer.class)).containsExactly(3);
        Map<String, Object> parameters = answer.getMap("parameters");
        assertThat(parameters)
                .containsEntry("ember.cache", "miss")
                .containsEntry("ember.model_version", "1")
                .containsKeys("ember.queue_ms", "ember.compute_ms");
    }

    @Test
    void mlpTinyAnswersExactlyWhatTheWorkerAnswers() {
        int base = uniqueBase();
        JsonPath viaFunction =
                post(Requests.mlp(base, 2)).then().statusCode(200).extract().jsonPath();
        URI worker = PoolAndRedis.workerUri();
        JsonPath direct = given().baseUri("http://" + worker.getHost())
                .port(worker.getPort())
                .contentType("application/json")
                .body(Requests.mlpV2(base, 2))
                .post("/v2/models/mlp-tiny/infer")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();

        for (String output : List.of("logits", "probabilities")) {
            String path = "outputs.find { it.name == '" + output + "' }";
            assertThat(viaFunction.getList(path + ".shape", Integer.class)).containsExactly(2, 8);
            assertThat(viaFunction.getList(path + ".data", Float.class))
                    .as(output)
                    .isEqualTo(direct.getList(path + ".data", Float.class));
        }
    }

    @Test
    void aBinaryModeCloudEventIsAnsweredWithACompletedEvent() {
        int base = uniqueBase();
        Response r = given().header("ce-specversion", "1.0")
                .header("ce-id", "req-" + base)
                .header("ce-source", "/tests")
                .header("ce-type", REQUESTED)
                .contentType("application/json")
                .body(maskedSum(base))
                .post("/");

        r.then().statusCode(200);
        assertThat(r.header("ce-type")).isEqualTo(COMPLETED);
        assertThat(r.header("ce-source")).isEqualTo(SOURCE);
        assertThat(r.header("ce-specversion")).isEqualTo("1.0");
        assertThat(r.header("ce-id")).isNotBlank();
        assertThat(r.jsonPath().getList("outputs[0].data", Float.class)).isEqualTo(maskedSums(base));
    }

    @Test
    void aStructuredModeCloudEventIsAnsweredWithACompletedEvent() {
        int base = uniqueBase();
        Response r = given().contentType("application/cloudevents+json")
                .body(structuredEvent("req-" + base, REQUESTED, maskedSum(base)))
                .post("/");

        r.then().statusCode(200);
        assertThat(r.contentType()).startsWith("application/cloudevents+json");
        JsonPath event = r.jsonPath();
        assertThat(event.getString("type")).isEqualTo(COMPLETED);
        assertThat(event.getString("source")).isEqualTo(SOURCE);
        assertThat(event.getString("specversion")).isEqualTo("1.0");
        assertThat(event.getString("id")).isNotBlank();
        assertThat(event.getString("datacontenttype")).startsWith("application/json");
        assertThat(event.getList("data.outputs[0].data", Float.class)).isEqualTo(maskedSums(base));
        assertThat(event.getString("data.parameters.'ember.cache'")).isEqualTo("miss");
    }

    @Test
    void aRepeatedRequestIsACacheHitAndOneIsTheSameInputAsOnePointZero() {
        int base = uniqueBase();
        String integers = maskedSum(Requests.x(base, false));
        String fractions = maskedSum(Requests.x(base, true));

        JsonPath first = post(integers).then().statusCode(200).extract().jsonPath();
        JsonPath again = post(integers).then().statusCode(200).extract().jsonPath();
        JsonPath asFractions = post(fractions).then().statusCode(200).extract().jsonPath();

        assertThat(first.getString("parameters.'ember.cache'")).isEqualTo("miss");
        assertThat(again.getString("parameters.'ember.cache'")).isEqualTo("hit");
        assertThat(asFractions.getString("parameters.'ember.cache'")).isEqualTo("hit");
        assertThat(asFractions.getList("outputs[0].data", Float.class))
                .isEqualTo(first.getList("outputs[0].data", Float.class))
                .isEqualTo(maskedSums(base));
    }

    static Stream<Arguments> badRequests() {
        String mlpRow = Requests.mlpV2(1, 1);
        return Stream.of(
                Arguments.of(
                        "malformed JSON",
                        "{\"model\": \"masked-sum\", \"inputs\": [{\"name\": \"x\",",
                        "malformed JSON"),
                Arguments.of("not a JSON object", "[1, 2, 3]", "JSON object"),
                Arguments.of("no model", Requests.maskedSumV2(Requests.x(1, false)), "names no model"),
                Arguments.of(
                        "unknown input",
                        withModel("mlp-tiny", mlpRow.replace("\"input\"", "\"pixels\"")),
                        "unknown input 'pixels'"),
                Arguments.of(
                        "wrong datatype",
                        withModel("mlp-tiny", mlpRow.replace("FP32", "FP64")),
                        "is FP64 but model 'mlp-tiny' expects FP32"),
                Arguments.of(
                        "wrong shape",
                        withModel("mlp-tiny", Requests.mlpV2(1, 2).replace("[2, 64]", "[4, 32]")),
                        "dimension 1 must be 64"),
                Arguments.of("no inputs", "{\"model\": \"mlp-tiny\", \"inputs\": []}", "no inputs"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void aBadRequestIs400WithAMessageSayingWhatIsWrong(String what, String body, String message) {
        String error = post(body).then().statusCode(400).extract().jsonPath().getString("error");
        assertThat(error).as(what).contains(message);
    }

    @Test
    void aBadRequestAsACloudEventIsAlso400WithTheMessage() {
        String body = withModel("mlp-tiny", Requests.mlpV2(1, 1).replace("FP32", "FP64"));
        String error = given().header("ce-specversion", "1.0")
                .header("ce-id", "bad-1")
                .header("ce-source", "/tests")
                .header("ce-type", REQUESTED)
                .contentType("application/json")
                .body(body)
                .post("/")
                .then()
                .statusCode(400)
                .extract()
                .jsonPath()
                .getString("error");
        assertThat(error).contains("expects FP32");
    }

    @Test
    void aCloudEventNoFunctionTakesIs404AndAnEventWithoutDataIs400() {
        String unknownType = given().header("ce-specversion", "1.0")
                .header("ce-id", "odd-1")
                .header("ce-source", "/tests")
                .header("ce-type", "com.example.unrelated")
                .contentType("application/json")
                .body("{}")
                .post("/")
                .then()
                .statusCode(404)
                .extract()
                .path("error");
        assertThat(unknownType).contains(REQUESTED);

        String noData = given().contentType("application/cloudevents+json")
                .body("{\"specversion\": \"1.0\", \"id\": \"odd-2\", \"source\": \"/tests\", \"type\": \"" + REQUESTED
                        + "\"}")
                .post("/")
                .then()
                .statusCode(400)
                .extract()
                .path("error");
        assertThat(noData).contains("malformed CloudEvent");
    }

    @Test
    void aFunctionCalledWithTheWrongMethodIs405SayingTheRightOne() {
        assertThat(given().get("/infer").then().statusCode(405).extract().<String>path("error"))
                .contains("POST /infer");
        assertThat(given().contentType("application/json")
                        .body("{}")
                        .post("/models")
                        .then()
                        .statusCode(405)
                        .extract()
                        .<String>path("error"))
                .contains("GET /models");
    }

    @Test
    void anEmptyBodyIs400() {
        String error = given().contentType("application/json")
                .post("/infer")
                .then()
                .statusCode(400)
                .extract()
                .jsonPath()
                .getString("error");
        assertThat(error).contains("body is empty");
    }

    @Test
    void aBodyOverTheCapIs413SayingTheCap() {
        String body = Requests.mlp(uniqueBase(), 300); // ~120 KiB of JSON, cap 64 KiB
        assertThat(body.length()).isGreaterThan((int) PoolAndRedis.MAX_BODY_BYTES);

        String error = post(body).then().statusCode(413).extract().jsonPath().getString("error");
        assertThat(error).contains("larger than " + PoolAndRedis.MAX_BODY_BYTES + " bytes");
    }

    @Test
    void aChunkedBodyOverTheCapIs413Too() throws Exception {
        byte[] body = Requests.mlp(uniqueBase(), 300).getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + "/infer"))
                .header("Content-Type", "application/json")
                // A stream of unknown length goes chunked: no Content-Length to refuse it by.
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();

        HttpResponse<String> r = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).contains("larger than " + PoolAndRedis.MAX_BODY_BYTES + " bytes");
    }

    @Test
    void anUnknownModelIs404NamingTheModelsServed() {
        String error = post(withModel("no-such-model", Requests.mlpV2(1, 1)))
                .then()
                .statusCode(404)
                .extract()
                .jsonPath()
                .getString("error");
        assertThat(error).contains("no-such-model").contains("mlp-tiny");
    }

    @Test
    void modelsListsThePoolsModelsAsReady() {
        JsonPath models =
                given().get("/models").then().statusCode(200).extract().jsonPath();
        assertThat(models.getList("name", String.class)).contains("mlp-tiny", "masked-sum");
        assertThat(models.getBoolean("find { it.name == 'mlp-tiny' }.ready")).isTrue();
    }

    @Test
    void liveAnswersGetAndRefusesAPostWithABody() {
        assertThat(given().get("/live")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getBoolean("live"))
                .isTrue();
        assertThat(given().contentType("application/json")
                        .body("{}")
                        .post("/live")
                        .then()
                        .statusCode(405)
                        .extract()
                        .<String>path("error"))
                .contains("GET /live");
    }

    @Test
    void metricsShowTheGatewaysCacheCountersAndTheCircuitBreaker() {
        int base = uniqueBase();
        post(maskedSum(base)).then().statusCode(200);
        post(maskedSum(base)).then().statusCode(200);

        String metrics = PoolAndRedis.management()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(counter(metrics, "ember_gateway_answers_total{cache=\"hit\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(counter(metrics, "ember_gateway_answers_total{cache=\"miss\"}"))
                .isGreaterThanOrEqualTo(1);
        assertThat(metrics).contains("ember_cache_bypassed_total", "resilience4j_circuitbreaker_state");
        assertThat(counter(metrics, "ember_pool_calls_seconds_count{model=\"masked-sum\"}"))
                .isGreaterThanOrEqualTo(1);
        // Not on the public port: the scraper and the kubelet use the management interface.
        given().get("/q/metrics").then().statusCode(404);
    }

    @Test
    void healthIsOnTheManagementPortLivenessAloneAndReadinessWithThePoolAndRedis() {
        PoolAndRedis.management().get("/q/health/live").then().statusCode(200);
        String ready = PoolAndRedis.management()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(ready).contains("\"pool\"", "\"redis\"", "\"UP\"");
        given().get("/q/health/ready").then().statusCode(404);
    }

    static Response post(String body) {
        return given().contentType("application/json").body(body).post("/infer");
    }

    static double counter(String metrics, String series) {
        return metrics.lines()
                .filter(l -> l.startsWith(series + " "))
                .mapToDouble(
                        l -> Double.parseDouble(l.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError(series + " not in /q/metrics"));
    }
}
