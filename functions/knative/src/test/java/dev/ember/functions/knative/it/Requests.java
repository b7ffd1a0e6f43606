package dev.ember.functions.knative.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Request bodies for the tests' models, with values a test chooses so that its cache entries are its own. */
final class Requests {
    private Requests() {}

    /** A base value no other test of this run uses, so a first request is certainly a cache miss. */
    static int uniqueBase() {
        return ThreadLocalRandom.current().nextInt(1_000, 1_000_000);
    }

    /** masked-sum's x: {@code base, base+1, ..., base+11}, as JSON numbers with or without a fraction. */
    static String x(int base, boolean withFraction) {
        return IntStream.range(0, 12)
                .mapToObj(i -> withFraction ? (base + i) + ".0" : Integer.toString(base + i))
                .collect(Collectors.joining(", "));
    }

    /** What masked-sum answers for {@link #x}: row 0 keeps all four, row 1 columns 0 and 2, row 2 nothing. */
    static List<Float> maskedSums(int base) {
        return List.of((float) (4 * base + 6), (float) (2 * base + 10), 0f);
    }

    /** The v2 request for masked-sum, without the {@code model} member. */
    static String maskedSumV2(String x) {
        return """
                {"inputs": [
                  {"name": "x", "shape": [3, 4], "datatype": "FP32", "data": [%s]},
                  {"name": "mask", "shape": [3, 4], "datatype": "BOOL", "data": [1,1,1,1, 1,0,1,0, 0,0,0,0]}]}""".formatted(x);
    }

    /** The {@code infer} function's body: the v2 request plus {@code "model"}. */
    static String maskedSum(String x) {
        return withModel("masked-sum", maskedSumV2(x));
    }

    static String maskedSum(int base) {
        return maskedSum(x(base, false));
    }

    /** mlp-tiny's v2 request for {@code rows} rows of 64 values derived from {@code base}. */
    static String mlpV2(int base, int rows) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < rows * 64; i++) {
            values.add(Float.toString(((base + i) % 97) / 97f - 0.5f));
        }
        return """
                {"inputs": [{"name": "input", "shape": [%d, 64], "datatype": "FP32", "data": [%s]}]}""".formatted(rows, String.join(", ", values));
    }

    static String mlp(int base, int rows) {
        return withModel("mlp-tiny", mlpV2(base, rows));
    }

    static String withModel(String model, String v2) {
        return "{\"model\": \"" + model + "\", " + v2.strip().substring(1);
    }

    /** A structured-mode CloudEvent carrying {@code data}. */
    static String structuredEvent(String id, String type, String data) {
        return """
                {"specversion": "1.0", "id": "%s", "source": "/tests", "type": "%s",
                 "datacontenttype": "application/json", "data": %s}""".formatted(id, type, data);
    }
}
