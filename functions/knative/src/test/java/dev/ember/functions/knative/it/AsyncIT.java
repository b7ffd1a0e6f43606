package dev.ember.functions.knative.it;

import static dev.ember.functions.knative.it.Requests.uniqueBase;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.jobs.LoopbackSink;
import dev.ember.pool.api.EventTypes;
import io.cloudevents.CloudEvent;
import io.cloudevents.core.builder.CloudEventBuilder;
import io.cloudevents.http.HttpMessageFactory;
import io.cloudevents.jackson.JsonFormat;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The async doors of the packaged app, with its in-process consumer, against a real worker and a
 * real Redis; completion events go to a sink on loopback. Events are sent with the official
 * CloudEvents Java SDK, in binary and in structured mode.
 */
@QuarkusIntegrationTest
@WithTestResource(value = PoolAndRedis.class, initArgs = @ResourceArg(name = "async", value = "sink"))
class AsyncIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static URI app() {
        return URI.create("http://127.0.0.1:" + RestAssured.port + "/");
    }

    private static CloudEvent submitted(String id, String data) {
        return CloudEventBuilder.v1()
                .withId(id)
                .withSource(URI.create("/tests/async"))
                .withType(EventTypes.SUBMITTED)
                .withDataContentType("application/json")
                .withData(data.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    private static HttpResponse<String> send(CloudEvent event, boolean structured) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(app()).timeout(Duration.ofSeconds(20));
        byte[][] body = {new byte[0]};
        var writer = HttpMessageFactory.createWriter(request::header, bytes -> body[0] = bytes);
        if (structured) {
            writer.writeStructured(event, JsonFormat.CONTENT_TYPE);
        } else {
            writer.writeBinary(event);
        }
        return HTTP.send(
                request.POST(HttpRequest.BodyPublishers.ofByteArray(body[0])).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String jobId(String json) {
        return JsonPath.from(json).getString("id");
    }

    @Test
    void aBinaryModeSubmittedEventIsAcceptedAndItsResultArrivesAsACompletedEvent() throws Exception {
        HttpResponse<String> accepted =
                send(submitted(UUID.randomUUID().toString(), Requests.mlp(uniqueBase(), 1)), false);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(200);
        assertThat(accepted.headers().firstValue("ce-type")).contains(EventTypes.ACCEPTED);
        String id = jobId(accepted.body());
        assertThat(JsonPath.from(accepted.body()).getString("status")).isEqualTo("queued");

        LoopbackSink sink = PoolAndRedis.sink();
        await(() -> sink.got(id), Duration.ofSeconds(30));
        LoopbackSink.Received event = sink.received().stream()
                .filter(e -> id.equals(e.subject()))
                .findFirst()
                .orElseThrow();
        assertThat(event.type()).isEqualTo(EventTypes.COMPLETED);
        assertThat(event.id()).isEqualTo(id);
        assertThat(new String(event.data(), StandardCharsets.UTF_8)).contains("\"model_name\":\"mlp-tiny\"");

        JsonPath status =
                given().get("/jobs/" + id).then().statusCode(200).extract().jsonPath();
        assertThat(status.getString("status")).isEqualTo("done");
        assertThat(status.getList("response.outputs")).hasSize(2);
    }

    @Test
    void aStructuredModeEventIsAcceptedTooAndARedeliveryIsTheSameJob() throws Exception {
        CloudEvent event = submitted(UUID.randomUUID().toString(), Requests.mlp(uniqueBase(), 1));
        HttpResponse<String> first = send(event, true);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        // a structured event is answered with a structured event: the receipt is its data
        JsonPath reply = JsonPath.from(first.body());
        assertThat(reply.getString("type")).isEqualTo(EventTypes.ACCEPTED);
        String id = reply.getString("data.id");
        HttpResponse<String> redelivered = send(event, false);
        assertThat(jobId(redelivered.body())).isEqualTo(id);
        assertThat(JsonPath.from(redelivered.body()).getBoolean("duplicate")).isTrue();
        await(() -> PoolAndRedis.sink().got(id), Duration.ofSeconds(30));
    }

    @Test
    void aBadRequestIsA400AtSubmissionNotAFailedJob() throws Exception {
        String wrongShape = Requests.mlp(uniqueBase(), 1).replace("[1, 64]", "[1, 65]");
        HttpResponse<String> refused = send(submitted(UUID.randomUUID().toString(), wrongShape), false);
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JsonPath.from(refused.body()).getString("error")).isNotBlank();
    }

    @Test
    void preferRespondAsyncOnTheV2RouteIsA202WithLocation() throws Exception {
        Response accepted = given().header("Prefer", "respond-async")
                .contentType("application/json")
                .body(Requests.mlpV2(uniqueBase(), 1))
                .post("/v2/models/mlp-tiny/infer");
        assertThat(accepted.statusCode()).as(accepted.asString()).isEqualTo(202);
        String id = accepted.jsonPath().getString("id");
        assertThat(accepted.header("Location")).isEqualTo("/jobs/" + id);
        await(() -> "done".equals(given().get("/jobs/" + id).jsonPath().getString("status")), Duration.ofSeconds(30));
        // the Funqy result query says the same
        JsonPath result = given().contentType("application/json")
                .body("{\"id\": \"" + id + "\"}")
                .post("/result")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
        assertThat(result.getString("status")).isEqualTo("done");
        assertThat(given().get("/jobs/" + "0".repeat(32)).statusCode()).isEqualTo(404);
    }

    @Test
    void aCallbackUnderTheAllowListGetsTheEventInsteadOfTheSink() throws Exception {
        try (LoopbackSink callback = new LoopbackSink()) {
            Response accepted = given().header("Prefer", "respond-async")
                    .header("Ember-Callback", callback.uri().toString())
                    .contentType("application/json")
                    .body(Requests.mlpV2(uniqueBase(), 1))
                    .post("/v2/models/mlp-tiny/infer");
            assertThat(accepted.statusCode()).isEqualTo(202);
            String id = accepted.jsonPath().getString("id");
            await(() -> callback.got(id), Duration.ofSeconds(30));
            assertThat(PoolAndRedis.sink().got(id)).isFalse();
        }
        Response refused = given().header("Prefer", "respond-async")
                .header("Ember-Callback", "http://example.com/hook")
                .contentType("application/json")
                .body(Requests.mlpV2(uniqueBase(), 1))
                .post("/v2/models/mlp-tiny/infer");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.jsonPath().getString("error")).contains("must start with one of [http://127.0.0.1:]");
    }

    @Test
    void theJobMetersAreExported() {
        String metrics = PoolAndRedis.management().get("/q/metrics").asString();
        assertThat(metrics)
                .contains("ember_jobs_stream_length{class=\"async\"")
                .contains("ember_jobs_pending{class=\"batch\"")
                .contains("ember_jobs_latency_seconds_bucket")
                .contains("ember_jobs_sink_deliveries_total");
    }

    static void await(BooleanSupplier condition, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                throw new AssertionError("not true within " + within);
            }
            Thread.sleep(50);
        }
    }
}
