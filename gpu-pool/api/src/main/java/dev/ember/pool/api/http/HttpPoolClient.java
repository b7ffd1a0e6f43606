package dev.ember.pool.api.http;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * {@link PoolClient} over HTTP/1.1 to a v2 server (an Ember worker, or any KServe v2 server), on a
 * Vert.x client: kept-alive pooled connections, no thread per call. Tensor data goes as binary in
 * both directions when large, so neither side formats numbers as text on the hot path. Futures
 * complete on the client's event loop: continuations must not block.
 */
public final class HttpPoolClient implements PoolClient {

    /**
     * @param connectTimeout how long to wait for a TCP connection
     * @param requestTimeout the longest wait for an answer when the request names no deadline
     * @param deadlineSlack added to a request's own {@code timeout_ms}, so the server's 504 arrives first
     * @param binaryInputBytes send inputs in binary when they hold at least this many bytes
     * @param maxConnections connections kept to the server
     * @param maxWaiting calls waiting for a free connection before new ones fail at once (bounded)
     */
    public record Options(
            Duration connectTimeout,
            Duration requestTimeout,
            Duration deadlineSlack,
            int binaryInputBytes,
            int maxConnections,
            int maxWaiting) {
        public static final Options DEFAULTS =
                new Options(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(2), 1024);

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(deadlineSlack, "deadlineSlack");
            if (connectTimeout.isNegative()
                    || connectTimeout.isZero()
                    || requestTimeout.isNegative()
                    || requestTimeout.isZero()
                    || deadlineSlack.isNegative()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
            if (binaryInputBytes < 0 || maxConnections < 1 || maxWaiting < 0) {
                throw new IllegalArgumentException(
                        "binaryInputBytes and maxWaiting must be ≥ 0 and maxConnections ≥ 1");
            }
        }

        public Options(Duration connectTimeout, Duration requestTimeout, Duration deadlineSlack, int binaryInputBytes) {
            this(connectTimeout, requestTimeout, deadlineSlack, binaryInputBytes, 64, 8192);
        }
    }

    private final URI base;
    private final String basePath;
    private final Options options;
    private final Vertx vertx;
    private final boolean ownsVertx;
    private final HttpClient http;
    private final Context context;
    private final InferenceCodec codec = new InferenceCodec();

    public HttpPoolClient(URI base) {
        this(base, Options.DEFAULTS);
    }

    /** A client with its own one-thread Vert.x instance, released by {@link #close}. */
    public HttpPoolClient(URI base, Options options) {
        this(Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)), true, base, options);
    }

    /** A client on a Vert.x instance the caller owns (in Quarkus, the application's). */
    public HttpPoolClient(Vertx vertx, URI base, Options options) {
        this(vertx, false, base, options);
    }

    private HttpPoolClient(Vertx vertx, boolean ownsVertx, URI base, Options options) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.basePath =
                this.base.getRawPath() == null || this.base.getRawPath().isEmpty() ? "/" : this.base.getRawPath();
        this.options = options;
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        int port = this.base.getPort() > 0 ? this.base.getPort() : ("https".equals(this.base.getScheme()) ? 443 : 80);
        HttpClientOptions clientOptions = new HttpClientOptions()
                .setDefaultHost(this.base.getHost())
                .setDefaultPort(port)
                .setSsl("https".equals(this.base.getScheme()))
                .setKeepAlive(true)
                .setTcpNoDelay(true)
                .setConnectTimeout((int) options.connectTimeout().toMillis());
        PoolOptions poolOptions =
                new PoolOptions().setHttp1MaxSize(options.maxConnections()).setMaxWaitQueueSize(options.maxWaiting());
        this.http = vertx.createHttpClient(clientOptions, poolOptions);
        this.context = vertx.getOrCreateContext();
    }

    public URI base() {
        return base;
    }

    @Override
    public CompletableFuture<InferenceResponse> infer(String model, String version, InferenceRequest request) {
        try {
            return sendInfer(model, version, request);
        } catch (InferenceException e) { // e.g. a malformed timeout_ms: the contract is a failed future
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<InferenceResponse> sendInfer(String model, String version, InferenceRequest request) {
        long inputBytes = 0;
        for (Tensor t : request.inputs()) {
            inputBytes += t.byteSize();
        }
        InferenceRequest wire = request.withParameters(request.parameters().with(Protocol.BINARY_DATA_OUTPUT, true));
        EncodedBody body = codec.encodeRequest(wire, inputBytes >= options.binaryInputBytes());
        RequestOptions r = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(modelPath(model, version, "/infer"))
                .setTimeout(timeoutFor(request).toMillis())
                .putHeader("Content-Type", body.contentType());
        if (body.binary()) {
            r.putHeader(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()));
        }
        return send(r, Buffer.buffer(body.bytes()), (response, bytes) -> {
            if (response.statusCode() != 200) {
                throw errorOf(response, bytes);
            }
            String header = response.getHeader(Protocol.HEADER_CONTENT_LENGTH);
            try {
                return codec.decodeResponse(bytes, header == null ? -1 : parseLength(header));
            } catch (InferenceException e) {
                throw malformedReply("response", e);
            }
        });
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        return send(get(modelPath(model, version, "")), null, (response, bytes) -> {
            if (response.statusCode() != 200) {
                throw errorOf(response, bytes);
            }
            try {
                return codec.decodeMetadata(bytes);
            } catch (InferenceException e) {
                throw malformedReply("model metadata", e);
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        return send(get(modelPath(model, version, "/ready")), null, (response, bytes) -> {
            if (response.statusCode() == 200 || response.statusCode() == 503) {
                return response.statusCode() == 200;
            }
            throw errorOf(response, bytes);
        });
    }

    @Override
    public CompletableFuture<List<ModelStatus>> models() {
        RequestOptions r = get(basePath + "v2/repository/index").setMethod(HttpMethod.POST);
        return send(r, Buffer.buffer(), (response, bytes) -> {
            if (response.statusCode() != 200) {
                throw errorOf(response, bytes);
            }
            try {
                return codec.decodeIndex(bytes);
            } catch (InferenceException e) {
                throw malformedReply("repository index", e);
            }
        });
    }

    /**
     * Asks the server to load (or refresh) a model from its repository: new versions are loaded and
     * warmed, then switched to, or with {@code stage} kept aside until {@link #promote}. Answers
     * the server's report ({@code loaded}, {@code retired}, {@code model_load_ms}, {@code warmup_ms}).
     */
    public CompletableFuture<Parameters> loadModel(String model, boolean stage) {
        return loadModel(model, stage, OptionalLong.empty());
    }

    /** As {@link #loadModel(String, boolean)}, ignoring versions newer than {@code upToVersion}. */
    public CompletableFuture<Parameters> loadModel(String model, boolean stage, OptionalLong upToVersion) {
        return repositoryCall(
                model, "/load?stage=" + stage + (upToVersion.isPresent() ? "&up_to=" + upToVersion.getAsLong() : ""));
    }

    /** Ends a staged load or canary: the newest version takes all traffic. */
    public CompletableFuture<Parameters> promote(String model) {
        return repositoryCall(model, "/promote");
    }

    public CompletableFuture<Parameters> unloadModel(String model) {
        return repositoryCall(model, "/unload");
    }

    private CompletableFuture<Parameters> repositoryCall(String model, String action) {
        RequestOptions r = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(basePath + "v2/repository/models/" + encode(model) + action)
                .setTimeout(options.requestTimeout().toMillis());
        return send(r, Buffer.buffer(), (response, bytes) -> {
            if (response.statusCode() != 200) {
                throw errorOf(response, bytes);
            }
            return codec.decodeObject(bytes);
        });
    }

    /** Closes the connections, and the Vert.x instance if this client created it. */
    @Override
    public void close() {
        http.close();
        if (ownsVertx) {
            vertx.close();
        }
    }

    private interface ResponseReader<T> {
        T read(HttpClientResponse response, byte[] body);
    }

    private <T> CompletableFuture<T> send(RequestOptions request, Buffer body, ResponseReader<T> reader) {
        CompletableFuture<T> result = new CompletableFuture<>();
        // Always issued on the client's own event loop: issued from other threads, about 1 request
        // in 3,000 lost its response (measured against a worker, Vert.x 4.5.25); never on the loop.
        context.runOnContext(v -> http.request(request)
                .compose(r -> body == null ? r.send() : r.send(body))
                .compose(response -> response.body().map(b -> reader.read(response, b.getBytes())))
                .onComplete(ar -> {
                    if (ar.succeeded()) {
                        result.complete(ar.result());
                    } else {
                        result.completeExceptionally(failure(ar.cause()));
                    }
                }));
        return result;
    }

    private RequestOptions get(String path) {
        return new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setURI(path)
                .setTimeout(options.requestTimeout().toMillis());
    }

    private InferenceException errorOf(HttpClientResponse response, byte[] body) {
        Duration retryAfter = Optional.ofNullable(response.getHeader("Retry-After"))
                .flatMap(HttpPoolClient::parseSeconds)
                .map(Duration::ofSeconds)
                .orElse(null);
        return new InferenceException(
                StatusCodes.reasonOf(response.statusCode()), codec.decodeError(body), retryAfter, null);
    }

    /** The pool's answer, not the caller's request, is at fault: never report that as BAD_INPUT. */
    private InferenceException malformedReply(String what, InferenceException e) {
        return new InferenceException(
                Reason.MODEL_ERROR, "pool at " + base + " sent a malformed " + what + ": " + e.getMessage());
    }

    private InferenceException failure(Throwable cause) {
        if (cause instanceof InferenceException e) {
            return e;
        }
        if (cause instanceof java.net.ConnectException) { // refused, or no connection within connectTimeout
            return new InferenceException(
                    Reason.UNAVAILABLE, "pool at " + base + " is unreachable: " + cause.getMessage(), null, cause);
        }
        if (cause instanceof TimeoutException) {
            return new InferenceException(
                    Reason.DEADLINE_EXCEEDED, "pool at " + base + " did not answer in time", null, cause);
        }
        if (cause instanceof ConnectionPoolTooBusyException) {
            return new InferenceException(
                    Reason.OVERLOADED,
                    "more than " + options.maxWaiting() + " calls are waiting for a connection to " + base,
                    Duration.ofSeconds(1),
                    cause);
        }
        if (cause instanceof IOException || cause instanceof io.vertx.core.VertxException) {
            // includes a connection closed before the answer (the worker died): safe to retry elsewhere
            return new InferenceException(
                    Reason.UNAVAILABLE, "pool at " + base + " failed the call: " + cause.getMessage(), null, cause);
        }
        return new InferenceException(Reason.MODEL_ERROR, "call to pool at " + base + " failed: " + cause, null, cause);
    }

    private Duration timeoutFor(InferenceRequest request) {
        Optional<Long> ms = request.parameters().integer(Protocol.TIMEOUT_MS);
        if (ms.isPresent() && ms.get() <= 0) {
            throw InferenceException.badInput(
                    Protocol.TIMEOUT_MS + " must be a positive number of milliseconds, got " + ms.get());
        }
        return ms.map(t -> Duration.ofMillis(t).plus(options.deadlineSlack())).orElse(options.requestTimeout());
    }

    private String modelPath(String model, String version, String suffix) {
        StringBuilder path = new StringBuilder(basePath).append("v2/models/").append(encode(model));
        if (version != null) {
            path.append("/versions/").append(encode(version));
        }
        return path.append(suffix).toString();
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static int parseLength(String value) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw InferenceException.badInput(
                    Protocol.HEADER_CONTENT_LENGTH + " is '" + value + "', not a number of bytes");
        }
    }

    private static Optional<Long> parseSeconds(String value) {
        try {
            return Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
