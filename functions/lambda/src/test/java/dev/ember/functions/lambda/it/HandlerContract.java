package dev.ember.functions.lambda.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.codec.EncodedBody;
import dev.ember.pool.api.codec.InferenceCodec;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What every API Gateway handler must do, whatever its payload format: the functions' endpoints
 * through it, against a real worker process, a real Redis and a tenants file. A subclass says how
 * its events are built and its responses read.
 */
abstract class HandlerContract {
    static final InferenceCodec CODEC = new InferenceCodec();
    private static final AtomicInteger SEED = new AtomicInteger((int) (System.nanoTime() & 0xfff));

    /** An API Gateway response, read back. */
    record Reply(int status, Map<String, String> headers, String body, boolean base64) {
        byte[] bytes() {
            return base64 ? Base64.getDecoder().decode(body) : body.getBytes(StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue)
                    .findFirst()
                    .orElse(null);
        }

        InferenceResponse response() {
            String length = header(Protocol.HEADER_CONTENT_LENGTH);
            return CODEC.decodeResponse(bytes(), length == null ? -1 : Integer.parseInt(length));
        }

        String error() {
            return CODEC.decodeError(bytes());
        }
    }

    /** Sends one call through the handler as API Gateway would deliver it. */
    abstract Reply send(String method, String path, Map<String, String> headers, byte[] body, boolean base64);

    private Reply post(String path, String key, String json) {
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", "application/json");
        if (key != null) {
            headers.put("authorization", "Bearer " + key);
        }
        return send("POST", path, headers, json.getBytes(StandardCharsets.UTF_8), false);
    }

    /** masked-sum's README example with a first element of our own, so no earlier run cached it. */
    static String maskedSum(int base) {
        return "{\"inputs\": [{\"name\": \"x\", \"shape\": [3, 4], \"datatype\": \"FP32\", \"data\": [" + base
                + ",2,3,4, 5,6,7,8, 9,10,11,12]}, {\"name\": \"mask\", \"shape\": [3, 4], \"datatype\": \"BOOL\","
                + " \"data\": [1,1,1,1, 1,0,1,0, 0,0,0,0]}]}";
    }

    @Test
    void aV2InferenceIsAnsweredWithTheModelsOutputs() {
        int base = SEED.incrementAndGet();
        Reply r = post("/v2/models/masked-sum/infer", Backends.ACME, maskedSum(base));

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(r.base64()).isFalse();
        InferenceResponse response = r.response();
        assertThat(response.modelName()).isEqualTo("masked-sum");
        assertThat(response.output("sum").orElseThrow().toFloats()).containsExactly(base + 9f, 12f, 0f);
    }

    @Test
    void theSameRequestAgainIsACacheHitFromRedis() {
        String json = maskedSum(SEED.incrementAndGet());
        Reply first = post("/v2/models/masked-sum/infer", Backends.ACME, json);
        Reply second = post("/v2/models/masked-sum/infer", Backends.ACME, json);

        assertThat(first.response().parameters().string("ember.cache")).contains("miss");
        assertThat(second.response().parameters().string("ember.cache")).contains("hit");
        assertThat(second.response().output("sum").orElseThrow().toFloats())
                .containsExactly(first.response().output("sum").orElseThrow().toFloats());
    }

    @Test
    void postInferWithTheModelInTheBodyIsServedToo() {
        String json = "{\"model\": \"masked-sum\", "
                + maskedSum(SEED.incrementAndGet()).substring(1);
        Reply r = post("/infer", Backends.ACME, json);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.response().outputs()).hasSize(1);
    }

    @Test
    void badInputIs400SayingWhatToChange() {
        String json = "{\"inputs\": [{\"name\": \"x\", \"shape\": [3, 4], \"datatype\": \"FP32\", \"data\": [1,2,3]}]}";
        Reply r = post("/v2/models/masked-sum/infer", Backends.ACME, json);

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isNotBlank().doesNotContain("Exception");
    }

    @Test
    void noKeyIs401() {
        Reply r = post("/v2/models/masked-sum/infer", null, maskedSum(SEED.incrementAndGet()));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.error()).contains("Authorization: Bearer");
    }

    @Test
    void aModelTheTenantMayNotUseIs403() {
        Reply r = post("/v2/models/mlp-tiny/infer", Backends.GLOBEX, mlpTiny());

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.error()).contains("mlp-tiny");
    }

    @Test
    void anUnknownModelIs404() {
        Reply r = post("/v2/models/no-such-model/infer", Backends.ACME, maskedSum(1));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).contains("no-such-model");
    }

    @Test
    void binaryTensorsTravelBase64BothWays() {
        float[] x = new float[12];
        for (int i = 0; i < 12; i++) {
            x[i] = SEED.incrementAndGet();
        }
        boolean[] mask = new boolean[12];
        mask[0] = true;
        mask[5] = true;
        InferenceRequest request = InferenceRequest.of(
                        Tensor.ofFloats("x", new long[] {3, 4}, x), Tensor.ofBools("mask", new long[] {3, 4}, mask))
                .withParameters(Parameters.EMPTY.with(Protocol.BINARY_DATA_OUTPUT, true));
        EncodedBody body = CODEC.encodeRequest(request, true);
        Map<String, String> headers = new HashMap<>();
        headers.put("content-type", body.contentType());
        headers.put(Protocol.HEADER_CONTENT_LENGTH.toLowerCase(), Integer.toString(body.jsonLength()));
        headers.put("x-api-key", Backends.ACME);

        Reply r = send("POST", "/v2/models/masked-sum/infer", headers, body.bytes(), true);

        assertThat(r.status()).as(r.body()).isEqualTo(200);
        assertThat(r.base64()).isTrue();
        assertThat(r.header(Protocol.HEADER_CONTENT_LENGTH)).isNotNull();
        assertThat(r.response().output("sum").orElseThrow().toFloats()).containsExactly(x[0], x[5], 0f);
    }

    @Test
    void modelMetadataAndHealthAreServed() {
        Reply metadata = send("GET", "/v2/models/masked-sum", Map.of("x-api-key", Backends.ACME), new byte[0], false);
        Reply live = send("GET", "/v2/health/live", Map.of(), new byte[0], false);

        assertThat(metadata.status()).as(metadata.body()).isEqualTo(200);
        assertThat(CODEC.decodeMetadata(metadata.bytes()).inputs()).hasSize(2);
        assertThat(live.status()).isEqualTo(200);
    }

    static String mlpTiny() {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            data.append(i == 0 ? "" : ",").append(i);
        }
        return "{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 64], \"datatype\": \"FP32\", \"data\": [" + data
                + "]}]}";
    }
}
