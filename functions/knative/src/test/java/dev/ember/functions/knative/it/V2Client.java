package dev.ember.functions.knative.it;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * A plain v2 client for the tests, as KServe's and Triton's HTTP clients talk: JSON, or JSON plus
 * binary tensor data with {@code Inference-Header-Content-Length}. Answers are kept as bytes, so
 * a test can compare them with another server's.
 */
final class V2Client {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final InferenceCodec codec = new InferenceCodec();
    private final URI base;

    V2Client(URI base) {
        this.base = base;
    }

    /** One answer: status, headers that matter here, and the body as sent. */
    record Answer(int status, String contentType, int jsonLength, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The binary tensor data after the JSON part (empty for an all-JSON answer). */
        byte[] binaryTail() {
            return jsonLength < 0 ? new byte[0] : Arrays.copyOfRange(body, jsonLength, body.length);
        }

        InferenceResponse decode() {
            return new InferenceCodec().decodeResponse(body, jsonLength);
        }
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    Answer postJson(String path, String json) {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** Posts {@code request}, inputs in binary when {@code binaryInputs}, as a v2 client does. */
    Answer post(String path, InferenceRequest request, boolean binaryInputs) {
        EncodedBody body = codec.encodeRequest(request, binaryInputs);
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .header("Content-Type", body.contentType())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()));
        if (body.binary()) {
            b.header(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()));
        }
        return send(b);
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> r =
                    http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            int jsonLength = r.headers()
                    .firstValue(Protocol.HEADER_CONTENT_LENGTH)
                    .map(Integer::parseInt)
                    .orElse(-1);
            return new Answer(
                    r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), jsonLength, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
