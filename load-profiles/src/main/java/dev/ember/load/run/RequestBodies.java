package dev.ember.load.run;

import dev.ember.load.profile.LoadProfile.Door;
import dev.ember.load.profile.LoadProfile.InputTensor;
import dev.ember.load.profile.LoadProfile.RequestClass;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bodies one request class sends. Every tensor holds a fixed pattern (element i is i mod 7), and
 * the first tensor's first three elements carry the request's key and the run's salt, so equal keys
 * are byte-equal requests (a cache hit) and different keys or runs never are. The JSON around the
 * pattern is built once: a request costs the generator a few small copies, not an encoding, so
 * the generator stays light beside the server it measures on the same cores.
 */
final class RequestBodies {
    /** Integers up to 2^20 are exact in every datatype used here (FP32 holds 2^24). */
    private static final long LOW_BITS = 1L << 20;

    private static final InferenceCodec CODEC = new InferenceCodec();

    private final RequestClass requestClass;
    private final long salt;
    private final String path;
    private final byte[] head;
    private final byte[] tail;

    RequestBodies(RequestClass requestClass, long salt) {
        this.requestClass = requestClass;
        this.salt = salt % LOW_BITS;
        this.path = switch (requestClass.door()) {
            case INFER -> "/infer";
            case V2, V2_BINARY, V2_ASYNC -> "/v2/models/" + requestClass.model() + "/infer";
        };
        if (requestClass.door() == Door.V2_BINARY) {
            head = null;
            tail = null;
            return;
        }
        StringBuilder h = new StringBuilder("{");
        if (requestClass.door() == Door.INFER) {
            h.append("\"model\":\"").append(requestClass.model()).append("\",");
        }
        List<InputTensor> inputs = requestClass.inputs();
        InputTensor first = inputs.get(0);
        h.append("\"inputs\":[");
        tensorStart(h, first);
        head = h.toString().getBytes(StandardCharsets.UTF_8);
        StringBuilder t = new StringBuilder();
        pattern(t, first, keyed(first));
        t.append("]}");
        for (int i = 1; i < inputs.size(); i++) {
            t.append(',');
            tensorStart(t, inputs.get(i));
            pattern(t, inputs.get(i), 0);
            t.append("]}");
        }
        t.append(']');
        String params = parameters(false);
        if (!params.isEmpty()) {
            t.append(",\"parameters\":{").append(params).append('}');
        }
        t.append('}');
        tail = t.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The salt of class {@code index} in a run salted {@code salt}: classes draw keys from their own
     * spaces (key 0 of one class is not key 0 of another), so two classes never share an answer.
     */
    static long classSalt(long salt, int index) {
        return salt + 7919L * (index + 1);
    }

    String path() {
        return path;
    }

    boolean binary() {
        return requestClass.door() == Door.V2_BINARY;
    }

    /** Whether a request is a job submission (its answer a 202 with the job's Location). */
    boolean async() {
        return requestClass.door() == Door.V2_ASYNC;
    }

    /** The body of the request carrying {@code key}; for the binary door, with its JSON length. */
    Encoded body(long key) {
        if (binary()) {
            EncodedBody b = CODEC.encodeRequest(binaryRequest(key), true);
            return new Encoded(Buffer.buffer(b.bytes()), b.jsonLength());
        }
        StringBuilder k = new StringBuilder(32);
        long[] values = keyValues(key);
        int n = keyed(requestClass.inputs().get(0));
        for (int i = 0; i < n; i++) {
            k.append(i == 0 ? "" : ",").append(values[i]);
        }
        if (n > 0 && n < requestClass.inputs().get(0).elements()) {
            k.append(',');
        }
        Buffer out = Buffer.buffer(head.length + k.length() + tail.length);
        return new Encoded(out.appendBytes(head).appendString(k.toString()).appendBytes(tail), -1);
    }

    record Encoded(Buffer bytes, int jsonLength) {}

    /** The POST that carries {@code body}; no answer within {@code timeoutMs} fails it. */
    RequestOptions options(Encoded body, long timeoutMs) {
        RequestOptions options = new RequestOptions()
                .setMethod(HttpMethod.POST)
                .setURI(path)
                .putHeader("Content-Type", binary() ? "application/octet-stream" : "application/json")
                .setIdleTimeout(timeoutMs);
        if (body.jsonLength() >= 0) {
            options.putHeader(Protocol.HEADER_CONTENT_LENGTH, Integer.toString(body.jsonLength()));
        }
        if (async()) {
            options.putHeader("Prefer", "respond-async");
        }
        return options;
    }

    private long[] keyValues(long key) {
        return new long[] {key % LOW_BITS, key / LOW_BITS, salt};
    }

    /** How many leading elements of {@code t} carry the key (all three if it has room). */
    private static int keyed(InputTensor t) {
        return t.datatype().equals("BOOL") ? 0 : (int) Math.min(3, t.elements());
    }

    private static void tensorStart(StringBuilder b, InputTensor t) {
        b.append("{\"name\":\"").append(t.name()).append("\",\"datatype\":\"").append(t.datatype());
        b.append("\",\"shape\":").append(t.shape().toString().replace(" ", "")).append(",\"data\":[");
    }

    private static void pattern(StringBuilder b, InputTensor t, int from) {
        long n = t.elements();
        boolean bool = t.datatype().equals("BOOL");
        for (long i = from; i < n; i++) {
            if (i > from) {
                b.append(',');
            }
            b.append(bool ? (i % 2 == 0 ? '1' : '0') : (char) ('0' + i % 7));
        }
    }

    private String parameters(boolean binaryOutput) {
        List<String> p = new ArrayList<>();
        requestClass.priority().ifPresent(v -> p.add("\"" + Protocol.PRIORITY + "\":\"" + v + "\""));
        requestClass.timeoutMs().ifPresent(v -> p.add("\"" + Protocol.TIMEOUT_MS + "\":" + v));
        if (binaryOutput) {
            p.add("\"" + Protocol.BINARY_DATA_OUTPUT + "\":true");
        }
        return String.join(",", p);
    }

    private InferenceRequest binaryRequest(long key) {
        List<Tensor> tensors = new ArrayList<>();
        long[] values = keyValues(key);
        for (int i = 0; i < requestClass.inputs().size(); i++) {
            tensors.add(tensor(requestClass.inputs().get(i), i == 0 ? values : new long[0]));
        }
        Parameters p = Parameters.of(Protocol.BINARY_DATA_OUTPUT, true);
        if (requestClass.priority().isPresent()) {
            p = p.with(Protocol.PRIORITY, requestClass.priority().get());
        }
        if (requestClass.timeoutMs().isPresent()) {
            p = p.with(Protocol.TIMEOUT_MS, requestClass.timeoutMs().get());
        }
        return InferenceRequest.of(tensors.toArray(Tensor[]::new)).withParameters(p);
    }

    private static Tensor tensor(InputTensor t, long[] head) {
        long[] shape = t.shape().stream().mapToLong(Long::longValue).toArray();
        int n = Math.toIntExact(t.elements());
        int keyed = keyed(t);
        switch (t.datatype()) {
            case "FP32" -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i < keyed && i < head.length ? head[i] : i % 7;
                }
                return Tensor.ofFloats(t.name(), shape, v);
            }
            case "FP64" -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i < keyed && i < head.length ? head[i] : i % 7;
                }
                return Tensor.ofDoubles(t.name(), shape, v);
            }
            case "INT32" -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (int) (i < keyed && i < head.length ? head[i] : i % 7);
                }
                return Tensor.ofInts(t.name(), shape, v);
            }
            case "INT64" -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i < keyed && i < head.length ? head[i] : i % 7;
                }
                return Tensor.ofLongs(t.name(), shape, v);
            }
            default -> {
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i % 2 == 0;
                }
                return Tensor.ofBools(t.name(), shape, v);
            }
        }
    }
}
