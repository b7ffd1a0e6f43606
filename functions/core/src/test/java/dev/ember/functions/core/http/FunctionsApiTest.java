package dev.ember.functions.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.functions.core.FakePool;
import dev.ember.functions.core.GatewayAssembly;
import dev.ember.functions.core.InferenceGateway;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link FunctionsApi} over a real gateway (in-process cache) and a fake pool of "doubler" models. */
class FunctionsApiTest {
    private static final long MAX_BODY = 1 << 20;

    private final InferenceCodec codec = new InferenceCodec();
    private final FakePool pool = new FakePool().model("doubler");
    private final InferenceGateway gateway =
            GatewayAssembly.builder().pool(pool).build();
    /** Runs nothing until told: shows which work was sent off the calling thread. */
    private final Queue<Runnable> offThread = new ArrayDeque<>();

    private final Executor executor = offThread::add;
    private final FunctionsApi api =
            FunctionsApi.standard(gateway, codec, executor, MAX_BODY).build();

    @AfterEach
    void close() {
        gateway.close();
    }

    @Test
    void aRepeatedV2RequestIsAHitAnsweredAtOnceWithTheSameBytesEveryTime() {
        byte[] body = json(FakePool.request(1, 2));
        HttpReply miss = api.handle(post("/v2/models/doubler/infer", body)).join();
        CompletableFuture<HttpReply> first = api.handle(post("/v2/models/doubler/infer", body));
        CompletableFuture<HttpReply> second = api.handle(post("/v2/models/doubler/infer", body));

        assertThat(first).as("a hit completes on the calling thread").isDone();
        assertThat(offThread).isEmpty();
        assertThat(miss.status()).isEqualTo(200);
        assertThat(text(miss)).contains("\"ember.cache\":\"miss\"");
        assertThat(text(first.join())).contains("\"ember.cache\":\"hit\"").contains("\"data\":[2.0,4.0]");
        assertThat(second.join().body())
                .as("encoded on the first hit, then reused")
                .isSameAs(first.join().body());
        assertThat(pool.calls("doubler")).isEqualTo(1);
    }

    @Test
    void aBinaryRequestAfterAJsonMissIsAHitInBinary() {
        api.handle(post("/v2/models/doubler/infer", json(FakePool.request(3, 4))))
                .join();
        InferenceRequest binary =
                FakePool.request(3, 4).withParameters(Parameters.of(Protocol.BINARY_DATA_OUTPUT, true));
        EncodedBody body = codec.encodeRequest(binary, true);

        HttpReply reply = api.handle(new HttpCall(
                        "POST",
                        "/v2/models/doubler/versions/1/infer",
                        Map.of(),
                        HttpHeaders.of(Map.of(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()))),
                        body.bytes()))
                .join();

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.contentType()).isEqualTo("application/octet-stream");
        int jsonLength = Integer.parseInt(reply.headers().get(Protocol.HEADER_CONTENT_LENGTH));
        InferenceResponse decoded = codec.decodeResponse(reply.body(), jsonLength);
        assertThat(decoded.parameters().values()).containsEntry("ember.cache", "hit");
        assertThat(decoded.output("y").orElseThrow().toFloats()).containsExactly(6f, 8f);
        assertThat(pool.calls("doubler")).isEqualTo(1);
    }

    @Test
    void eachCallerGetsItsOwnIdOnTheSharedHitBody() {
        api.handle(post("/v2/models/doubler/infer", json(FakePool.request(5, 6))))
                .join();
        InferenceRequest withId = new InferenceRequest(
                "call \"7\"", Parameters.EMPTY, List.of(Tensor.ofFloats("x", new long[] {1, 2}, 5, 6)), List.of());

        HttpReply reply =
                api.handle(post("/v2/models/doubler/infer", json(withId))).join();

        InferenceResponse decoded = codec.decodeResponse(reply.body(), -1);
        assertThat(decoded.id()).isEqualTo("call \"7\"");
        assertThat(decoded.parameters().values()).containsEntry("ember.cache", "hit");
    }

    @Test
    void outputsAskedForInBothFormsAreEncodedForTheCall() {
        InferenceRequest mixed = FakePool.request(1, 1)
                .withOutputs(List.of(new RequestedOutput("y", Parameters.of(Protocol.BINARY_DATA, false))))
                .withParameters(Parameters.of(Protocol.BINARY_DATA_OUTPUT, true));
        HttpReply reply =
                api.handle(post("/v2/models/doubler/infer", json(mixed))).join();
        assertThat(reply.contentType()).isEqualTo("application/json"); // the output's own flag wins
        assertThat(text(reply)).contains("\"data\":[2.0,2.0]");
    }

    @Test
    void aLargeBodyIsDecodedOffTheCallingThread() {
        float[] values = new float[2 * 40_000]; // 320 KB in binary: over the off-thread threshold
        InferenceRequest big = InferenceRequest.of(Tensor.ofFloats("x", new long[] {40_000, 2}, values));
        EncodedBody body = codec.encodeRequest(big, true);
        CompletableFuture<HttpReply> reply = api.handle(new HttpCall(
                "POST",
                "/v2/models/doubler/infer",
                Map.of(),
                HttpHeaders.of(Map.of(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()))),
                body.bytes()));

        assertThat(reply).isNotDone();
        assertThat(offThread).hasSize(1);
        offThread.poll().run(); // decode, then the gateway (too many rows for the doubler: 400)
        assertThat(reply.join().status()).isEqualTo(400);
        assertThat(text(reply.join())).contains("max_batch_size");
    }

    @Test
    void aBodyOverTheLimitIs413() {
        HttpReply reply = api.handle(post("/v2/models/doubler/infer", new byte[(int) MAX_BODY + 1]))
                .join();
        assertThat(reply.status()).isEqualTo(413);
        assertThat(text(reply)).contains("larger than " + MAX_BODY + " bytes");
    }

    @Test
    void headersSetPriorityAndDeadlineAndABadOneIs400() {
        HttpReply ok = api.handle(new HttpCall(
                        "POST",
                        "/v2/models/doubler/infer",
                        Map.of(),
                        HttpHeaders.of(Map.of("ember-priority", "batch", "Ember-Timeout-Ms", "1500")),
                        json(FakePool.request(9, 9))))
                .join();
        assertThat(ok.status()).isEqualTo(200);
        Parameters forwarded = pool.received().get(0).parameters();
        assertThat(forwarded.values())
                .containsEntry(Protocol.PRIORITY, "batch")
                .containsEntry(Protocol.TIMEOUT_MS, 1500L);

        HttpReply bad = api.handle(new HttpCall(
                        "POST",
                        "/v2/models/doubler/infer",
                        Map.of(),
                        HttpHeaders.of(Map.of("Ember-Timeout-Ms", "soon")),
                        json(FakePool.request(9, 9))))
                .join();
        assertThat(bad.status()).isEqualTo(400);
        assertThat(text(bad)).contains("Ember-Timeout-Ms must be an integer number of milliseconds");
    }

    @Test
    void theRoutedInferTakesTheModelFromTheBody() {
        byte[] body = ("{\"model\": \"doubler\", \"inputs\": [{\"name\": \"x\", \"shape\": [1, 2], \"datatype\":"
                        + " \"FP32\", \"data\": [1, 2]}]}")
                .getBytes(StandardCharsets.UTF_8);
        HttpReply reply = api.handle(post("/infer", body)).join();
        assertThat(reply.status()).isEqualTo(200);
        assertThat(text(reply)).contains("\"model_name\":\"doubler\"");
        assertThat(api.handle(post("/infer", new byte[0])).join().status()).isEqualTo(400);
    }

    @Test
    void serverModelAndHealthEndpointsAnswerAsTheProtocolSays() {
        assertThat(text(get("/v2"))).contains("\"extensions\":[\"binary_tensor_data\"");
        assertThat(get("/v2/health/live").status()).isEqualTo(200);
        assertThat(get("/v2/health/ready").status()).isEqualTo(200);
        assertThat(text(get("/v2/models/doubler"))).contains("\"name\":\"doubler\"");
        assertThat(get("/v2/models/doubler/versions/1").status()).isEqualTo(200);
        assertThat(get("/v2/models/doubler/ready").status()).isEqualTo(200);
        assertThat(get("/v2/models/doubler/ready").body()).isEmpty();
        assertThat(get("/v2/models/nothing/ready").status()).isEqualTo(503);
        HttpReply unknown = get("/v2/models/nothing");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(text(unknown)).startsWith("{\"error\":").contains("nothing");
        assertThat(get("/v2/models/..%2F").status()).isEqualTo(400);
    }

    @Test
    void anUnknownPathIs404AndAWrongMethod405NamingTheRightOne() {
        HttpReply missing = get("/v2/nowhere");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(text(missing)).contains("no such endpoint: GET /v2/nowhere");
        HttpReply wrong = get("/v2/models/doubler/infer");
        assertThat(wrong.status()).isEqualTo(405);
        assertThat(wrong.headers()).containsEntry("Allow", "POST");
        assertThat(api.serves("/v2/anything")).isTrue();
        assertThat(api.serves("/infer")).isTrue();
        assertThat(api.serves("/models")).isFalse();
        assertThat(api.serves("/")).isFalse();
    }

    private HttpReply get(String path) {
        return api.handle(new HttpCall("GET", path, Map.of(), HttpHeaders.NONE, null))
                .join();
    }

    private static HttpCall post(String path, byte[] body) {
        return new HttpCall("POST", path, Map.of(), HttpHeaders.NONE, body);
    }

    private byte[] json(InferenceRequest request) {
        return codec.encodeRequest(request, false).bytes();
    }

    private static String text(HttpReply reply) {
        return new String(reply.body(), StandardCharsets.UTF_8);
    }
}
