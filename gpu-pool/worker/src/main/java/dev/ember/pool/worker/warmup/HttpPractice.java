package dev.ember.pool.worker.warmup;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A spare's practice over its own HTTP listener, before it is announced: requests to a built-in
 * identity model of any shape ({@code practice-http.onnx}), binary and JSON, small and above the
 * size that is decoded and encoded off the event loop. {@link SparePractice} runs the load path
 * in-process; this runs the request path — Vert.x, the body reader, the codec, the batcher's
 * hand-offs, the answer's encoding — until the JIT has compiled it. Measured on a 2-core VM
 * (ppocr-det 160x160), a spare's first request took 2.8 times a steady one without it.
 */
public final class HttpPractice {
    /** The name the practice model is served under while the spare practises. */
    public static final String MODEL = "ember-practice";

    private static final System.Logger LOG = System.getLogger(HttpPractice.class.getName());

    private HttpPractice() {}

    /** What a practice did: requests sent, how many did not answer 200, and the time it took. */
    public record Result(int sent, int failed, Duration took) {}

    /**
     * Sends {@code rounds} rounds of requests to {@code worker} (each: one binary request of {@code
     * largeFloats} floats, binary answer; one small binary and one small JSON request).
     *
     * @return what it did; failures are logged, not thrown: the spare still serves
     */
    public static Result run(URI worker, int rounds, int largeFloats) {
        long start = System.nanoTime();
        InferenceCodec codec = new InferenceCodec();
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        URI infer = worker.resolve("/v2/models/" + MODEL + "/infer");
        HttpRequest large = binary(infer, codec, request(largeFloats));
        HttpRequest small = binary(infer, codec, request(64));
        HttpRequest json = HttpRequest.newBuilder(infer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(
                        codec.encodeRequest(request(64), false).bytes()))
                .build();
        int sent = 0;
        int failed = 0;
        String failure = null;
        for (int i = 0; i < rounds; i++) {
            for (HttpRequest r : new HttpRequest[] {large, small, json}) {
                sent++;
                try {
                    HttpResponse<byte[]> response = http.send(r, HttpResponse.BodyHandlers.ofByteArray());
                    if (response.statusCode() != 200) {
                        failed++;
                        failure = "status " + response.statusCode() + ": " + new String(response.body());
                    }
                } catch (Exception e) {
                    failed++;
                    failure = e.toString();
                }
            }
            if (failed > 3) {
                break;
            }
        }
        if (failed > 0) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "spare practice over HTTP: {0} requests failed (the spare still serves), last: {1}",
                    failed,
                    failure);
        }
        return new Result(sent, failed, Duration.ofNanos(System.nanoTime() - start));
    }

    private static InferenceRequest request(int floats) {
        int cols = 64;
        float[] values = new float[floats];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 251;
        }
        return InferenceRequest.of(Tensor.ofFloats("x", new long[] {floats / cols, cols}, values))
                .withParameters(Parameters.of(Protocol.BINARY_DATA_OUTPUT, true));
    }

    private static HttpRequest binary(URI infer, InferenceCodec codec, InferenceRequest request) {
        EncodedBody body = codec.encodeRequest(request, true);
        return HttpRequest.newBuilder(infer)
                .header("Content-Type", "application/octet-stream")
                .header(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.bytes()))
                .build();
    }
}
