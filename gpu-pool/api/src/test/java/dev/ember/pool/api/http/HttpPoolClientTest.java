package dev.ember.pool.api.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Plays a v2 server on loopback with the JDK's HttpServer and checks what the client sends and makes of it. */
class HttpPoolClientTest {
    private static final long WAIT_SECONDS = 10;
    private static final HttpPoolClient.Options OPTIONS =
            new HttpPoolClient.Options(Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(100), 1024);

    private final InferenceCodec codec = new InferenceCodec();
    private final ExecutorService serverThreads = Executors.newCachedThreadPool();
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<Exchange> seen = new CopyOnWriteArrayList<>();
    private volatile Handler handler = e -> new Reply(500, Map.of(), codec.encodeError("no handler"));
    private HttpServer server;
    private HttpPoolClient client;

    record Exchange(String method, String path, Headers headers, byte[] body) {
        int jsonLength() {
            String h = headers.getFirst(Protocol.HEADER_CONTENT_LENGTH);
            return h == null ? -1 : Integer.parseInt(h);
        }
    }

    record Reply(int status, Map<String, String> headers, byte[] body) {}

    interface Handler {
        Reply handle(Exchange e) throws Exception;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(serverThreads);
        server.createContext("/", this::serve);
        server.start();
        client = new HttpPoolClient(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()), OPTIONS);
    }

    @AfterEach
    void stop() {
        release.countDown();
        client.close();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Test
    void inferSendsLargeInputsInBinaryAndReadsABinaryResponse() throws Exception {
        float[] values = new float[512];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        Tensor x = Tensor.ofFloats("x", new long[] {1, 512}, values);
        AtomicReference<EncodedBody> sent = new AtomicReference<>();
        handler = e -> {
            InferenceRequest request = codec.decodeRequest(e.body(), e.jsonLength());
            float[] doubled = request.input("x").orElseThrow().toFloats();
            for (int i = 0; i < doubled.length; i++) {
                doubled[i] *= 2;
            }
            InferenceResponse response = new InferenceResponse(
                    "resnet",
                    "2",
                    request.id(),
                    Parameters.of(Protocol.BATCH_SIZE, 1),
                    List.of(
                            Tensor.ofFloats("y", new long[] {1, 512}, doubled),
                            Tensor.ofStrings("label", new long[] {1}, "cat")));
            EncodedBody body = codec.encodeResponse(response, InferenceCodec.binaryOutputs(request));
            sent.set(body);
            return reply(200, body);
        };

        InferenceRequest request =
                new InferenceRequest("req-1", Parameters.of(Protocol.PRIORITY, "vip"), List.of(x), List.of());
        InferenceResponse response = client.infer("resnet", "2", request).get(WAIT_SECONDS, TimeUnit.SECONDS);

        Exchange e = seen.get(0);
        assertThat(e.method()).isEqualTo("POST");
        assertThat(e.path()).isEqualTo("/v2/models/resnet/versions/2/infer");
        assertThat(e.headers().getFirst("Content-Type")).isEqualTo("application/octet-stream");
        assertThat(e.jsonLength()).isPositive().isEqualTo(e.body().length - x.byteSize());
        JsonNode header = new ObjectMapper().readTree(Arrays.copyOf(e.body(), e.jsonLength()));
        assertThat(header.at("/parameters/binary_data_output").asBoolean()).isTrue();
        assertThat(header.at("/parameters/priority").asText()).isEqualTo("vip");
        assertThat(header.at("/inputs/0/parameters/binary_data_size").asInt()).isEqualTo(2048);
        assertThat(header.at("/inputs/0").has("data")).isFalse();

        assertThat(sent.get().binary()).as("server answered in binary").isTrue();
        assertThat(response.modelName()).isEqualTo("resnet");
        assertThat(response.modelVersion()).isEqualTo("2");
        assertThat(response.id()).isEqualTo("req-1");
        assertThat(response.parameters().integer(Protocol.BATCH_SIZE)).contains(1L);
        assertThat(response.output("y").orElseThrow().toFloats()[511]).isEqualTo(511f);
        assertThat(response.output("label").orElseThrow().toStrings()).containsExactly("cat");
    }

    @Test
    void smallInputsGoAsJsonButOutputsAreStillAskedForInBinary() throws Exception {
        handler = e -> {
            InferenceRequest request = codec.decodeRequest(e.body(), e.jsonLength());
            InferenceResponse response = new InferenceResponse(
                    "m",
                    null,
                    null,
                    Parameters.EMPTY,
                    List.of(request.inputs().get(0).withName("y")));
            return reply(200, codec.encodeResponse(response, InferenceCodec.binaryOutputs(request)));
        };
        Tensor x = Tensor.ofInts("x", new long[] {3}, 1, 2, 3);
        InferenceResponse response =
                client.infer("m", null, InferenceRequest.of(x)).get(WAIT_SECONDS, TimeUnit.SECONDS);

        Exchange e = seen.get(0);
        assertThat(e.path()).isEqualTo("/v2/models/m/infer");
        assertThat(e.headers().getFirst("Content-Type")).isEqualTo("application/json");
        assertThat(e.headers().containsKey(Protocol.HEADER_CONTENT_LENGTH)).isFalse();
        JsonNode body = new ObjectMapper().readTree(e.body());
        assertThat(body.at("/inputs/0/data").toString()).isEqualTo("[1,2,3]");
        assertThat(body.at("/parameters/binary_data_output").asBoolean()).isTrue();
        assertThat(response.output("y").orElseThrow().toInts()).containsExactly(1, 2, 3);
    }

    @Test
    void modelAndVersionAreEscapedInThePath() throws Exception {
        handler = e -> new Reply(200, Map.of(), new byte[0]);
        assertThat(client.ready("my model/a", "1+2").get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isTrue();
        assertThat(seen.get(0).path()).isEqualTo("/v2/models/my%20model%2Fa/versions/1%2B2/ready");
    }

    @ParameterizedTest
    @CsvSource({
        "400, BAD_INPUT",
        "404, NOT_FOUND",
        "408, DEADLINE_EXCEEDED",
        "500, MODEL_ERROR",
        "502, UNAVAILABLE",
        "503, UNAVAILABLE",
        "504, DEADLINE_EXCEEDED"
    })
    void errorStatusesMapToReasonsWithTheServersMessage(int status, Reason reason) {
        handler = e -> reply(status, codec.encodeError("server says " + status));
        InferenceException e = failure(client.infer("m", null, smallRequest()));
        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e.getMessage()).isEqualTo("server says " + status);
        assertThat(e.retryAfter()).isEmpty();
    }

    @Test
    void overloadCarriesRetryAfter() {
        handler = e -> new Reply(429, Map.of("Retry-After", "3"), codec.encodeError("queue full"));
        InferenceException e = failure(client.infer("m", null, smallRequest()));
        assertThat(e.reason()).isEqualTo(Reason.OVERLOADED);
        assertThat(e.getMessage()).isEqualTo("queue full");
        assertThat(e.retryAfter()).contains(Duration.ofSeconds(3));
    }

    @Test
    void plainTextErrorBodyBecomesTheMessage() {
        handler = e -> new Reply(502, Map.of(), "upstream connect error".getBytes(UTF_8));
        InferenceException e = failure(client.infer("m", null, smallRequest()));
        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("upstream connect error");
    }

    @Test
    void serverThatNeverAnswersMissesTheRequestsDeadline() {
        CountDownLatch arrived = new CountDownLatch(1);
        handler = e -> {
            arrived.countDown();
            release.await();
            return reply(200, codec.encodeError("too late"));
        };
        InferenceRequest request = smallRequest().withParameters(Parameters.of(Protocol.TIMEOUT_MS, 100));
        long start = System.nanoTime();
        InferenceException e = failure(client.infer("m", null, request));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(e.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
        assertThat(arrived.getCount()).isZero();
        // timeout_ms (100 ms) plus the slack (100 ms), well before the 5 s default request timeout.
        assertThat(took).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void connectionRefusedIsUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        HttpPoolClient nobody = new HttpPoolClient(URI.create("http://127.0.0.1:" + port + "/"), OPTIONS);
        InferenceException e = failure(nobody.infer("m", null, smallRequest()));
        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(e.getMessage()).contains("127.0.0.1:" + port);
        assertThat(failure(nobody.ready("m", null)).reason()).isEqualTo(Reason.UNAVAILABLE);
    }

    @Test
    void malformedSuccessfulResponseIsAModelErrorNotABadInput() {
        handler = e -> new Reply(200, Map.of(), "{\"outputs\": [}".getBytes(UTF_8));
        InferenceException e = failure(client.infer("m", null, smallRequest()));
        assertThat(e.reason()).isEqualTo(Reason.MODEL_ERROR);
        assertThat(e.getMessage()).contains("malformed response");
    }

    @Test
    void unreadableBinaryHeaderInTheResponseIsAModelError() {
        handler = e -> new Reply(
                200,
                Map.of(Protocol.HEADER_CONTENT_LENGTH, "lots"),
                codec.encodeResponse(new InferenceResponse("m", null, null, Parameters.EMPTY, List.of()), n -> false)
                        .bytes());
        InferenceException e = failure(client.infer("m", null, smallRequest()));
        assertThat(e.reason()).isEqualTo(Reason.MODEL_ERROR);
        assertThat(e.getMessage()).contains(Protocol.HEADER_CONTENT_LENGTH);
    }

    @Test
    void badTimeoutParameterFailsTheFutureInsteadOfThrowing() {
        InferenceRequest request = smallRequest().withParameters(Parameters.of(Protocol.TIMEOUT_MS, "soon"));
        CompletableFuture<InferenceResponse> future = client.infer("m", null, request);
        InferenceException e = failure(future);
        assertThat(e.reason()).isEqualTo(Reason.BAD_INPUT);
        assertThat(e.getMessage()).contains("timeout_ms");
        assertThat(seen).isEmpty();

        InferenceException negative =
                failure(client.infer("m", null, smallRequest().withParameters(Parameters.of(Protocol.TIMEOUT_MS, -5))));
        assertThat(negative.reason()).isEqualTo(Reason.BAD_INPUT);
        assertThat(negative.getMessage()).contains("timeout_ms");
    }

    @Test
    void metadataIsFetchedAndDecoded() throws Exception {
        ModelMetadata resnet = new ModelMetadata(
                "resnet",
                List.of("1", "2"),
                ModelMetadata.PLATFORM,
                List.of(new TensorMetadata("image", DataType.FP32, Shape.of(-1, 3, 224, 224))),
                List.of(new TensorMetadata("probs", DataType.FP32, Shape.of(-1, 1000))));
        handler = e -> new Reply(200, Map.of("Content-Type", "application/json"), codec.encodeMetadata(resnet));

        assertThat(client.metadata("resnet", null).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isEqualTo(resnet);
        assertThat(client.metadata("resnet", "2").get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isEqualTo(resnet);
        assertThat(seen).extracting(Exchange::method).containsOnly("GET");
        assertThat(seen)
                .extracting(Exchange::path)
                .containsExactly("/v2/models/resnet", "/v2/models/resnet/versions/2");
    }

    @Test
    void metadataOfAnUnknownModelIsNotFound() {
        handler = e -> reply(404, codec.encodeError("unknown model 'nope'"));
        InferenceException e = failure(client.metadata("nope", null));
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e.getMessage()).contains("unknown model 'nope'");
    }

    @Test
    void malformedMetadataIsTheServersFaultNotTheCallers() {
        handler = e -> new Reply(200, Map.of(), "{\"versions\": []}".getBytes(UTF_8));
        InferenceException e = failure(client.metadata("m", null));
        assertThat(e.reason()).isEqualTo(Reason.MODEL_ERROR);
        assertThat(e.getMessage()).contains("malformed model metadata", "no name");
    }

    @Test
    void readyFollowsTheStatus() throws Exception {
        handler = e -> new Reply(200, Map.of(), new byte[0]);
        assertThat(client.ready("m", "1").get(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
        assertThat(seen.get(0).path()).isEqualTo("/v2/models/m/versions/1/ready");

        handler = e -> new Reply(503, Map.of(), new byte[0]);
        assertThat(client.ready("m", null).get(WAIT_SECONDS, TimeUnit.SECONDS)).isFalse();
        assertThat(seen.get(1).path()).isEqualTo("/v2/models/m/ready");

        handler = e -> reply(404, codec.encodeError("unknown model 'm'"));
        assertThat(failure(client.ready("m", null)).reason()).isEqualTo(Reason.NOT_FOUND);
    }

    @Test
    void baseUriWithAPathPrefixIsKept() throws Exception {
        HttpPoolClient prefixed = new HttpPoolClient(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/pool"), OPTIONS);
        assertThat(prefixed.base().toString()).endsWith("/pool/");
        handler = e -> new Reply(200, Map.of(), new byte[0]);
        assertThat(prefixed.ready("m", null).get(WAIT_SECONDS, TimeUnit.SECONDS))
                .isTrue();
        assertThat(seen.get(0).path()).isEqualTo("/pool/v2/models/m/ready");
    }

    // --- helpers

    private static InferenceRequest smallRequest() {
        return InferenceRequest.of(Tensor.ofInts("x", new long[] {1}, 1));
    }

    private static Reply reply(int status, byte[] json) {
        return new Reply(status, Map.of("Content-Type", "application/json"), json);
    }

    private static Reply reply(int status, EncodedBody body) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Content-Type", body.contentType());
        if (body.binary()) {
            headers.put(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()));
        }
        return new Reply(status, headers, body.bytes());
    }

    /** Waits for the future to fail and returns the InferenceException it failed with. */
    private static InferenceException failure(CompletableFuture<?> future) {
        Throwable thrown = catchThrowable(() -> future.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertThat(thrown).as("the future should fail").isNotNull();
        assertThat(InferenceException.find(thrown))
                .as("an InferenceException inside %s", thrown)
                .isPresent();
        return InferenceException.find(thrown).orElseThrow();
    }

    private void serve(HttpExchange exchange) throws IOException {
        try {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Exchange e = new Exchange(
                    exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(),
                    exchange.getRequestHeaders(),
                    body);
            seen.add(e);
            Reply r;
            try {
                r = handler.handle(e);
            } catch (Exception | AssertionError failure) {
                r = new Reply(599, Map.of(), ("test server failed: " + failure).getBytes(UTF_8));
            }
            r.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
            exchange.sendResponseHeaders(r.status(), r.body().length == 0 ? -1 : r.body().length);
            if (r.body().length > 0) {
                exchange.getResponseBody().write(r.body());
            }
        } finally {
            exchange.close();
        }
    }
}
