package dev.ember.pool.api.http;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.PoolClient;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * {@link PoolClient} over HTTP/1.1 to a v2 server (an Ember worker, or any KServe v2 server).
 * Connections are kept alive and reused by the JDK client. Tensor data goes as binary in both
 * directions when large, so neither side formats numbers as text on the hot path.
 */
public final class HttpPoolClient implements PoolClient {

    /**
     * @param connectTimeout how long to wait for a TCP connection
     * @param requestTimeout the longest wait for an answer when the request names no deadline
     * @param deadlineSlack added to a request's own {@code timeout_ms}, so the server's 504 arrives first
     * @param binaryInputBytes send inputs in binary when they hold at least this many bytes
     */
    public record Options(
            Duration connectTimeout, Duration requestTimeout, Duration deadlineSlack, int binaryInputBytes) {
        public static final Options DEFAULTS =
                new Options(Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(2), 1024);

        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(deadlineSlack, "deadlineSlack");
        }
    }

    private final URI base;
    private final Options options;
    private final HttpClient http;
    private final InferenceCodec codec = new InferenceCodec();

    public HttpPoolClient(URI base) {
        this(base, Options.DEFAULTS);
    }

    public HttpPoolClient(URI base, Options options) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s : s + "/");
        this.options = options;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .build();
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
        HttpRequest.Builder r = HttpRequest.newBuilder(modelUri(model, version, "/infer"))
                .timeout(timeoutFor(request))
                .header("Content-Type", body.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.binary()) {
            r.header(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()));
        }
        return send(r.build(), response -> {
            Optional<String> header = response.headers().firstValue(Protocol.HEADER_CONTENT_LENGTH);
            try {
                return codec.decodeResponse(
                        response.body(), header.map(HttpPoolClient::parseLength).orElse(-1));
            } catch (InferenceException e) {
                throw malformedReply("response", e);
            }
        });
    }

    @Override
    public CompletableFuture<ModelMetadata> metadata(String model, String version) {
        HttpRequest r = HttpRequest.newBuilder(modelUri(model, version, ""))
                .timeout(options.requestTimeout())
                .GET()
                .build();
        return send(r, response -> {
            try {
                return codec.decodeMetadata(response.body());
            } catch (InferenceException e) {
                throw malformedReply("model metadata", e);
            }
        });
    }

    @Override
    public CompletableFuture<Boolean> ready(String model, String version) {
        HttpRequest r = HttpRequest.newBuilder(modelUri(model, version, "/ready"))
                .timeout(options.requestTimeout())
                .GET()
                .build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
            if (error != null) {
                throw failure(error);
            }
            if (response.statusCode() == 200 || response.statusCode() == 503) {
                return response.statusCode() == 200;
            }
            throw errorOf(response);
        });
    }

    private <T> CompletableFuture<T> send(HttpRequest request, Function<HttpResponse<byte[]>, T> onSuccess) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
            if (error != null) {
                throw failure(error);
            }
            if (response.statusCode() != 200) {
                throw errorOf(response);
            }
            return onSuccess.apply(response);
        });
    }

    private InferenceException errorOf(HttpResponse<byte[]> response) {
        Optional<Duration> retryAfter = response.headers()
                .firstValue("Retry-After")
                .flatMap(HttpPoolClient::parseSeconds)
                .map(Duration::ofSeconds);
        return new InferenceException(
                StatusCodes.reasonOf(response.statusCode()),
                codec.decodeError(response.body()),
                retryAfter.orElse(null),
                null);
    }

    /** The pool's answer, not the caller's request, is at fault: never report that as BAD_INPUT. */
    private InferenceException malformedReply(String what, InferenceException e) {
        return new InferenceException(
                Reason.MODEL_ERROR, "pool at " + base + " sent a malformed " + what + ": " + e.getMessage());
    }

    private InferenceException failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof InferenceException e) {
            return e;
        }
        if (cause instanceof HttpTimeoutException) {
            return new InferenceException(
                    Reason.DEADLINE_EXCEEDED, "pool at " + base + " did not answer in time", null, cause);
        }
        if (cause instanceof IOException) {
            return new InferenceException(
                    Reason.UNAVAILABLE, "pool at " + base + " is unreachable: " + cause, null, cause);
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

    private URI modelUri(String model, String version, String suffix) {
        StringBuilder path = new StringBuilder("v2/models/").append(encode(model));
        if (version != null) {
            path.append("/versions/").append(encode(version));
        }
        return base.resolve(path.append(suffix).toString());
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
