package dev.ember.pool.api.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.Float16;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InferenceCodecTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InferenceCodec codec = new InferenceCodec();

    /** One tensor of every datatype, holding the values most likely to be mangled on the way. */
    static Stream<Tensor> oneTensorPerType() {
        return Stream.of(
                Tensor.ofFloats("fp32", new long[] {2, 3}, 1.5f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, 0.1f, -7f),
                Tensor.ofDoubles("fp64", new long[] {4}, Math.PI, Double.MIN_VALUE, -Double.MAX_VALUE, 0.1),
                Tensor.ofHalfs("fp16", new long[] {5}, 1f, 65504f, 0x1p-24f, -0.333f, -0.0f),
                bf16("bf16", 1f, -3.5f, 1e30f, 0.1f),
                fixed(
                        "int8",
                        DataType.INT8,
                        3,
                        b -> b.put((byte) -128).put((byte) 127).put((byte) 0)),
                fixed(
                        "int16",
                        DataType.INT16,
                        3,
                        b -> b.putShort(Short.MIN_VALUE)
                                .putShort(Short.MAX_VALUE)
                                .putShort((short) -1)),
                Tensor.ofInts("int32", new long[] {3}, Integer.MIN_VALUE, Integer.MAX_VALUE, -1),
                Tensor.ofLongs("int64", new long[] {3}, Long.MIN_VALUE, Long.MAX_VALUE, -1),
                Tensor.ofUint8("uint8", new long[] {3}, (byte) 0, (byte) 255, (byte) 128),
                fixed("uint16", DataType.UINT16, 2, b -> b.putShort((short) 0).putShort((short) 0xffff)),
                fixed("uint32", DataType.UINT32, 2, b -> b.putInt(0).putInt(0xffffffff)),
                fixed(
                        "uint64",
                        DataType.UINT64,
                        4,
                        b -> b.putLong(0)
                                .putLong(Long.MAX_VALUE)
                                .putLong(Long.MIN_VALUE) // 2^63
                                .putLong(-1L)), // 2^64 - 1
                Tensor.ofBools("bool", new long[] {3}, true, false, true),
                Tensor.ofStrings("bytes", new long[] {2, 2}, "héllo", "日本語", "", "🙂"));
    }

    @Nested
    class Json {
        @ParameterizedTest
        @MethodSource("dev.ember.pool.api.codec.InferenceCodecTest#oneTensorPerType")
        void requestRoundTripsEveryDatatype(Tensor tensor) {
            InferenceRequest request = InferenceRequest.of(tensor);
            EncodedBody body = codec.encodeRequest(request, false);
            assertThat(body.binary()).isFalse();
            assertThat(body.contentType()).isEqualTo("application/json");
            assertThat(body.jsonLength()).isEqualTo(body.bytes().length);
            assertThat(codec.decodeRequest(body.bytes(), -1)).isEqualTo(request);
        }

        @ParameterizedTest
        @MethodSource("dev.ember.pool.api.codec.InferenceCodecTest#oneTensorPerType")
        void responseRoundTripsEveryDatatype(Tensor tensor) {
            InferenceResponse response = new InferenceResponse("m", "1", "id-1", Parameters.EMPTY, List.of(tensor));
            EncodedBody body = codec.encodeResponse(response, name -> false);
            assertThat(body.binary()).isFalse();
            assertThat(codec.decodeResponse(body.bytes(), -1)).isEqualTo(response);
        }

        @Test
        void allDatatypesTogetherWithParametersAndIdRoundTrip() {
            InferenceRequest request = new InferenceRequest(
                    "req-7",
                    new Parameters(java.util.Map.of("priority", "vip", "timeout_ms", 250, "flag", true)),
                    oneTensorPerType().toList(),
                    List.of(
                            new RequestedOutput(
                                    "probs", Parameters.of("binary_data", true).with("top_k", 3)),
                            RequestedOutput.named("label")));
            InferenceRequest decoded =
                    codec.decodeRequest(codec.encodeRequest(request, false).bytes(), -1);
            assertThat(decoded).isEqualTo(request);
            assertThat(decoded.parameters().integer("timeout_ms")).contains(250L);
            assertThat(decoded.outputs().get(0).binaryData()).isTrue();
        }

        @Test
        void unsignedValuesAreWrittenAsUnsignedNumbers() throws IOException {
            JsonNode json = JSON.readTree(
                    codec.encodeRequest(InferenceRequest.of(oneTensorPerType().toArray(Tensor[]::new)), false)
                            .bytes());
            assertThat(data(json, "uint8")).isEqualTo("[0,255,128]");
            assertThat(data(json, "uint16")).isEqualTo("[0,65535]");
            assertThat(data(json, "uint32")).isEqualTo("[0,4294967295]");
            assertThat(data(json, "uint64"))
                    .isEqualTo("[0,9223372036854775807,9223372036854775808,18446744073709551615]");
            assertThat(data(json, "int8")).isEqualTo("[-128,127,0]");
            assertThat(data(json, "bool")).isEqualTo("[true,false,true]");
            assertThat(data(json, "bytes")).isEqualTo("[\"héllo\",\"日本語\",\"\",\"🙂\"]");
        }

        @Test
        void largeTensorsRoundTripExactly() {
            float[] floats = new float[100_000];
            String[] words = new String[10_000];
            for (int i = 0; i < floats.length; i++) {
                floats[i] = (float) Math.sin(i) * i;
            }
            for (int i = 0; i < words.length; i++) {
                words[i] = "word-" + i + "-ü";
            }
            InferenceRequest request = InferenceRequest.of(
                    Tensor.ofFloats("f", new long[] {1000, 100}, floats),
                    Tensor.ofStrings("s", new long[] {words.length}, words));
            InferenceRequest decoded =
                    codec.decodeRequest(codec.encodeRequest(request, false).bytes(), -1);
            assertThat(decoded).isEqualTo(request);
            assertThat(decoded.input("f").orElseThrow().byteSize()).isEqualTo(400_000);
        }

        @Test
        void uint64AboveLongMaxDecodes() {
            Tensor t = decodeOne("UINT64", "[2]", "[18446744073709551615, 9223372036854775808]");
            assertThat(t.data().getLong(0)).isEqualTo(-1L);
            assertThat(t.data().getLong(8)).isEqualTo(Long.MIN_VALUE);
        }

        @Test
        void integersAndFloatsSpellingTheSameNumberGiveTheSameBytes() {
            assertThat(decodeOne("FP32", "[2]", "[1, 2]")).isEqualTo(decodeOne("FP32", "[2]", "[1.0, 2.0]"));
            assertThat(decodeOne("FP64", "[1]", "[3]").toDoubles()).containsExactly(3.0);
            assertThat(decodeOne("INT64", "[2]", "[1.0, -2e0]").toLongs()).containsExactly(1, -2);
        }

        @Test
        void fractionalValueForAnIntegerTypeIsRejected() {
            assertThat(badInput(() -> decodeOne("INT64", "[2]", "[1, 1.5]")).getMessage())
                    .contains("'x'", "INT64", "1.5", "not an integer");
        }

        @Test
        void nestedDataEqualsFlatData() {
            assertThat(decodeOne("FP32", "[2, 2]", "[[1, 2], [3, 4]]"))
                    .isEqualTo(decodeOne("FP32", "[2, 2]", "[1, 2, 3, 4]"))
                    .isEqualTo(Tensor.ofFloats("x", new long[] {2, 2}, 1, 2, 3, 4));
            assertThat(decodeOne("BYTES", "[2, 1]", "[[\"a\"], [\"b\"]]").toStrings())
                    .containsExactly("a", "b");
        }

        @Test
        void dataBeforeDatatypeAndShapeStillDecodes() {
            assertThat(
                            decodeFirst(
                                    "{\"data\": [[1, 2], [3, 9223372036854775807]], \"name\": \"x\", \"shape\": [2, 2], \"datatype\": \"INT64\"}"))
                    .isEqualTo(Tensor.ofLongs("x", new long[] {2, 2}, 1, 2, 3, Long.MAX_VALUE));
            assertThat(decodeFirst(
                                    "{\"name\": \"x\", \"data\": [18446744073709551615], \"datatype\": \"UINT64\", \"shape\": [1]}")
                            .data()
                            .getLong(0))
                    .isEqualTo(-1L);
            assertThat(decodeFirst(
                                    "{\"data\": [0.1, \"NaN\", -Infinity], \"datatype\": \"FP64\", \"name\": \"x\", \"shape\": [3]}")
                            .toDoubles())
                    .containsExactly(0.1, Double.NaN, Double.NEGATIVE_INFINITY);
            assertThat(decodeFirst(
                                    "{\"data\": [\"日本\", \"b\"], \"shape\": [2], \"datatype\": \"BYTES\", \"name\": \"x\"}")
                            .toStrings())
                    .containsExactly("日本", "b");
        }

        @Test
        void nanAndInfinitiesSurviveARoundTrip() {
            float[] floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1f};
            double[] doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1.0};
            InferenceRequest request = InferenceRequest.of(
                    Tensor.ofFloats("f", new long[] {4}, floats),
                    Tensor.ofDoubles("d", new long[] {4}, doubles),
                    Tensor.ofHalfs("h", new long[] {4}, floats),
                    bf16("b", floats));
            InferenceRequest decoded =
                    codec.decodeRequest(codec.encodeRequest(request, false).bytes(), -1);
            assertThat(decoded).isEqualTo(request);
            assertThat(decoded.input("f").orElseThrow().toFloats()).containsExactly(floats);
            assertThat(decoded.input("d").orElseThrow().toDoubles()).containsExactly(doubles);
            assertThat(decoded.input("h").orElseThrow().toFloats()).containsExactly(floats);
            assertThat(decoded.input("b").orElseThrow().toFloats()).containsExactly(floats);
        }

        @Test
        void bareNonNumericTokensAreAccepted() {
            assertThat(decodeOne("FP32", "[3]", "[NaN, Infinity, -Infinity]").toFloats())
                    .containsExactly(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY);
        }

        @Test
        void halfPrecisionValuesAreRoundedOnceFromTheParsedNumber() {
            // 1 + 2^-11 + 2^-30 is just above the tie between 1 and 1 + 2^-10, so it rounds up.
            // Going through float first would land exactly on the tie and round to even (1.0).
            String justAboveTie = new java.math.BigDecimal(1 + 0x1p-11 + 0x1p-30).toPlainString();
            assertThat(decodeOne("FP16", "[1]", "[" + justAboveTie + "]").toFloats())
                    .containsExactly(1f + 0x1p-10f);
            assertThat(decodeOne("FP16", "[1]", "[1.00048828125]").toFloats()).containsExactly(1f);
            String bf16JustAboveTie = new java.math.BigDecimal(1 + 0x1p-8 + 0x1p-30).toPlainString();
            assertThat(decodeOne("BF16", "[1]", "[" + bf16JustAboveTie + "]").toFloats())
                    .containsExactly(1f + 0x1p-7f);
            assertThat(decodeOne("BF16", "[1]", "[1.00390625]").toFloats()).containsExactly(1f);
            assertThat(decodeOne("FP16", "[2]", "[1e-10, -65504]").toFloats())
                    .containsExactly(0f, -65504f); // too small rounds to zero; too large is refused (below)
        }

        @Test
        void boolAcceptsZeroAndOne() {
            assertThat(decodeOne("BOOL", "[3]", "[true, 0, 1]").toBools()).containsExactly(true, false, true);
        }

        @Test
        void unknownFieldsAreIgnored() {
            InferenceRequest r = codec.decodeRequest(
                    utf8(
                            "{\"extra\": {\"deep\": [1, {\"a\": 2}]}, \"inputs\": [{\"name\": \"x\", \"datatype\": \"INT32\","
                                    + " \"shape\": [1], \"data\": [5], \"note\": [1, 2]}], \"more\": 3}"),
                    -1);
            assertThat(r.inputs()).containsExactly(Tensor.ofInts("x", new long[] {1}, 5));
        }

        @Test
        void routedRequestCarriesModelAndVersion() {
            InferenceRequest request = InferenceRequest.of(Tensor.ofInts("x", new long[] {1}, 5));
            RoutedRequest routed = codec.decodeRoutedRequest(
                    codec.encodeRequest("resnet", "2", request, false).bytes(), -1);
            assertThat(routed.model()).isEqualTo("resnet");
            assertThat(routed.version()).isEqualTo("2");
            assertThat(routed.request()).isEqualTo(request);

            RoutedRequest numeric = codec.decodeRoutedRequest(
                    utf8("{\"model\": \"m\", \"version\": 3, \"inputs\": [" + tensorJson("INT32", "[1]", "[5]") + "]}"),
                    -1);
            assertThat(numeric.version()).isEqualTo("3");
            assertThat(numeric.optionalVersion()).contains("3");

            RoutedRequest unversioned = codec.decodeRoutedRequest(
                    codec.encodeRequest("m", null, request, false).bytes(), -1);
            assertThat(unversioned.model()).isEqualTo("m");
            assertThat(unversioned.optionalVersion()).isEmpty();
            assertThat(codec.decodeRoutedRequest(
                                    codec.encodeRequest(request, false).bytes(), -1)
                            .model())
                    .isNull();
        }

        @Test
        void versionMustBeAStringOrInteger() {
            assertThat(badInput(() -> codec.decodeRoutedRequest(
                                    utf8("{\"version\": 1.5, \"inputs\": [" + tensorJson("INT32", "[1]", "[5]") + "]}"),
                                    -1))
                            .getMessage())
                    .contains("version");
        }
    }

    @Nested
    class Binary {
        @ParameterizedTest
        @MethodSource("dev.ember.pool.api.codec.InferenceCodecTest#oneTensorPerType")
        void requestRoundTripsEveryDatatype(Tensor tensor) throws IOException {
            InferenceRequest request = InferenceRequest.of(tensor, Tensor.ofInts("other", new long[] {1}, 42));
            EncodedBody body = codec.encodeRequest(request, true);
            assertThat(body.binary()).isTrue();
            assertThat(body.contentType()).isEqualTo("application/octet-stream");
            assertThat(body.bytes().length - body.jsonLength()).isEqualTo(tensor.byteSize() + 4);

            JsonNode header = JSON.readTree(Arrays.copyOf(body.bytes(), body.jsonLength()));
            JsonNode first = header.get("inputs").get(0);
            assertThat(first.has("data")).isFalse();
            assertThat(first.at("/parameters/binary_data_size").asLong()).isEqualTo(tensor.byteSize());

            InferenceRequest decoded = codec.decodeRequest(body.bytes(), body.jsonLength());
            assertThat(decoded).isEqualTo(request);
            assertThat(decoded.inputs().get(0).parameters().contains("binary_data_size"))
                    .as("binary_data_size is a wire detail, not a tensor parameter")
                    .isFalse();
        }

        @Test
        void requestMixingBinaryAndJsonInputs() {
            String header = "{\"inputs\": ["
                    + "{\"name\": \"a\", \"datatype\": \"FP32\", \"shape\": [2], \"parameters\": {\"binary_data_size\": 8}},"
                    + "{\"name\": \"b\", \"datatype\": \"INT64\", \"shape\": [1], \"data\": [7]},"
                    + "{\"name\": \"c\", \"datatype\": \"BYTES\", \"shape\": [1],"
                    + " \"parameters\": {\"binary_data_size\": 7, \"content_type\": \"str\"}}]}";
            ByteBuffer tail = le(15).putFloat(1f).putFloat(2f).putInt(3).put(utf8("abc"));
            byte[] body = concat(utf8(header), tail.array());

            InferenceRequest r = codec.decodeRequest(body, utf8(header).length);
            assertThat(r.input("a").orElseThrow().toFloats()).containsExactly(1f, 2f);
            assertThat(r.input("b").orElseThrow().toLongs()).containsExactly(7);
            assertThat(r.input("c").orElseThrow().toStrings()).containsExactly("abc");
            assertThat(r.input("c").orElseThrow().parameters()).isEqualTo(Parameters.of("content_type", "str"));
        }

        @Test
        void responseSendsOnlyTheSelectedOutputsInBinary() throws IOException {
            Tensor probs = Tensor.ofFloats("probs", new long[] {1, 3}, 0.1f, 0.7f, 0.2f);
            Tensor label = Tensor.ofStrings("label", new long[] {1}, "cat");
            Tensor scores = Tensor.ofLongs("scores", new long[] {2}, 5, 6);
            InferenceResponse response = new InferenceResponse(
                    "m", null, null, Parameters.of("ember.batch_size", 4), List.of(probs, label, scores));
            Predicate<String> binary = name -> !name.equals("label");
            EncodedBody body = codec.encodeResponse(response, binary);

            assertThat(body.binary()).isTrue();
            assertThat(body.bytes().length - body.jsonLength()).isEqualTo(12 + 16);
            JsonNode header = JSON.readTree(Arrays.copyOf(body.bytes(), body.jsonLength()));
            JsonNode outputs = header.get("outputs");
            assertThat(outputs.get(0).has("data")).isFalse();
            assertThat(outputs.get(0).at("/parameters/binary_data_size").asInt())
                    .isEqualTo(12);
            assertThat(outputs.get(1).get("data").toString()).isEqualTo("[\"cat\"]");
            assertThat(outputs.get(1).has("parameters")).isFalse();
            assertThat(outputs.get(2).at("/parameters/binary_data_size").asInt())
                    .isEqualTo(16);
            // Binary data follows the JSON in output order.
            assertThat(Arrays.copyOfRange(body.bytes(), body.jsonLength(), body.jsonLength() + 12))
                    .isEqualTo(probs.toBytes());

            assertThat(codec.decodeResponse(body.bytes(), body.jsonLength())).isEqualTo(response);
        }

        @Test
        void responseWithNoBinaryOutputIsPlainJson() {
            InferenceResponse response = new InferenceResponse(
                    "m", "1", "id", Parameters.EMPTY, List.of(Tensor.ofInts("y", new long[] {1}, 1)));
            EncodedBody body = codec.encodeResponse(response, name -> false);
            assertThat(body.binary()).isFalse();
            assertThat(body.jsonLength()).isEqualTo(body.bytes().length);
            assertThat(codec.decodeResponse(body.bytes(), body.jsonLength())).isEqualTo(response);
        }

        @Test
        void binaryOutputsFollowsPerOutputAndRequestLevelFlags() {
            Tensor x = Tensor.ofInts("x", new long[] {1}, 1);
            InferenceRequest perOutput = new InferenceRequest(
                    null,
                    Parameters.EMPTY,
                    List.of(x),
                    List.of(
                            new RequestedOutput("a", Parameters.of("binary_data", true)),
                            new RequestedOutput("b", Parameters.of("binary_data", false)),
                            RequestedOutput.named("c")));
            Predicate<String> p = InferenceCodec.binaryOutputs(perOutput);
            assertThat(p.test("a")).isTrue();
            assertThat(p.test("b")).isFalse();
            assertThat(p.test("c")).isFalse();
            assertThat(p.test("d")).isFalse();

            Predicate<String> all = InferenceCodec.binaryOutputs(
                    InferenceRequest.of(x).withParameters(Parameters.of("binary_data_output", true)));
            assertThat(all.test("anything")).isTrue();

            Predicate<String> none = InferenceCodec.binaryOutputs(InferenceRequest.of(x));
            assertThat(none.test("anything")).isFalse();
        }

        @Test
        void anOutputsOwnFlagWinsOverTheRequestDefault() {
            Tensor x = Tensor.ofInts("x", new long[] {1}, 1);
            InferenceRequest r = new InferenceRequest(
                    null,
                    Parameters.of("binary_data_output", true),
                    List.of(x),
                    List.of(
                            new RequestedOutput("json", Parameters.of("binary_data", false)),
                            RequestedOutput.named("default")));
            Predicate<String> p = InferenceCodec.binaryOutputs(r);
            assertThat(p.test("json")).isFalse();
            assertThat(p.test("default")).isTrue();
        }

        @Test
        void anIdSplicedIntoAnEncodedResponseLeavesTheBinaryDataAsItWas() {
            InferenceResponse response = new InferenceResponse(
                    "m",
                    "1",
                    null,
                    Parameters.of("ember.cache", "hit"),
                    List.of(Tensor.ofInts("y", new long[] {2}, 7, -1), Tensor.ofInts("z", new long[] {1}, 3)));
            EncodedBody template = codec.encodeResponse(response, "y"::equals);

            EncodedBody withId = codec.withResponseId(template, "a \"quoted\" id");

            assertThat(codec.withResponseId(template, null)).isSameAs(template);
            assertThat(withId.binary()).isTrue();
            InferenceResponse back = codec.decodeResponse(withId.bytes(), withId.jsonLength());
            assertThat(back).isEqualTo(response.withId("a \"quoted\" id"));
            assertThat(Arrays.copyOfRange(withId.bytes(), withId.jsonLength(), withId.bytes().length))
                    .isEqualTo(Arrays.copyOfRange(template.bytes(), template.jsonLength(), template.bytes().length));
        }

        @Test
        void serverMetadataListsExtensionsAsAnArray() throws IOException {
            JsonNode server = JSON.readTree(codec.encodeServerMetadata("ember", "1.0", List.of("a", "b")));
            assertThat(server.get("extensions").isArray()).isTrue();
            assertThat(server.get("extensions").get(1).asText()).isEqualTo("b");
            assertThat(server.get("version").asText()).isEqualTo("1.0");
        }

        @Test
        void binaryOutputsFromADecodedRequest() {
            InferenceRequest r = codec.decodeRequest(
                    utf8("{\"inputs\": [" + tensorJson("INT32", "[1]", "[1]") + "],"
                            + " \"outputs\": [{\"name\": \"probs\", \"parameters\": {\"binary_data\": true}},"
                            + " {\"name\": \"label\"}]}"),
                    -1);
            assertThat(InferenceCodec.binaryOutputs(r).test("probs")).isTrue();
            assertThat(InferenceCodec.binaryOutputs(r).test("label")).isFalse();
        }
    }

    @Nested
    class Errors {
        @Test
        void malformedJsonSaysWhere() {
            String body = "{\n  \"id\": \"a\",\n  \"inputs\": [{\"name\" \"x\"}]\n}";
            assertThat(badInput(() -> codec.decodeRequest(utf8(body), -1)).getMessage())
                    .contains("malformed JSON", "line 3", "column");
        }

        @Test
        void trailingGarbageAfterTheObjectIsRejected() {
            String valid = "{\"inputs\": [" + tensorJson("INT32", "[1]", "[1]") + "]}";
            assertThat(badInput(() -> codec.decodeRequest(utf8(valid + " x"), -1))
                            .getMessage())
                    .contains("malformed JSON");
            assertThat(badInput(() -> codec.decodeRequest(utf8(valid + " {}"), -1))
                            .getMessage())
                    .contains("malformed JSON", "after the body");
        }

        @Test
        void bodyMustBeAnObject() {
            assertThat(badInput(() -> codec.decodeRequest(utf8("[1, 2]"), -1)).getMessage())
                    .contains("JSON object");
            assertThat(badInput(() -> codec.decodeRequest(new byte[0], -1))).isNotNull();
        }

        @Test
        void requestWithoutInputsIsRejected() {
            assertThat(badInput(() -> codec.decodeRequest(utf8("{}"), -1)).getMessage())
                    .contains("no inputs");
            assertThat(badInput(() -> codec.decodeRequest(utf8("{\"inputs\": []}"), -1))
                            .getMessage())
                    .contains("no inputs");
        }

        @Test
        void inputMissingAFieldSaysWhich() {
            assertThat(badInputFor("{\"datatype\": \"FP32\", \"shape\": [1], \"data\": [1]}"))
                    .contains("input #0", "no name");
            assertThat(badInputFor("{\"name\": \"x\", \"shape\": [1], \"data\": [1]}"))
                    .contains("'x'", "no datatype");
            assertThat(badInputFor("{\"name\": \"x\", \"datatype\": \"FP32\", \"data\": [1]}"))
                    .contains("'x'", "no shape");
            assertThat(badInputFor("{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [1]}"))
                    .contains("'x'", "no data");
        }

        @Test
        void unknownDatatypeListsTheKnownOnes() {
            assertThat(badInputFor(tensorJson("FLOAT32", "[1]", "[1]")))
                    .contains("unknown datatype 'FLOAT32'", "FP32", "BYTES");
        }

        @Test
        void elementCountMustMatchTheShape() {
            assertThat(badInputFor(tensorJson("FP32", "[2, 2]", "[1, 2, 3]")))
                    .contains("'x'", "[2, 2]", "4 FP32 elements", "3 elements");
            assertThat(badInputFor(tensorJson("BYTES", "[3]", "[\"a\"]"))).contains("'x'", "[3]", "1 BYTES elements");
        }

        @Test
        void outOfRangeIntegersAreRejected() {
            assertThat(badInputFor(tensorJson("INT32", "[2]", "[1, 2147483648]")))
                    .contains("'x'", "INT32", "element 1", "2147483648", "range");
            assertThat(badInputFor(tensorJson("UINT8", "[1]", "[256]"))).contains("UINT8", "256", "[0, 255]");
            assertThat(badInputFor(tensorJson("UINT8", "[1]", "[-1]"))).contains("UINT8", "-1");
            assertThat(badInputFor(tensorJson("INT8", "[1]", "[128]"))).contains("INT8", "128");
            assertThat(badInputFor(tensorJson("INT64", "[1]", "[9223372036854775808]")))
                    .contains("INT64", "9223372036854775808");
            assertThat(badInputFor(tensorJson("UINT64", "[1]", "[-1]"))).contains("UINT64", "-1");
            assertThat(badInputFor(tensorJson("UINT64", "[1]", "[18446744073709551616]")))
                    .contains("UINT64", "18446744073709551616");
        }

        @Test
        void floatsBeyondTheirTypeAreRejectedNotTurnedIntoInfinity() {
            assertThat(badInputFor(tensorJson("FP32", "[2]", "[1, 1e999]")))
                    .contains("input 'x' is FP32", "element 1 is 1e999", "outside FP32 range [-3.4028235e38");
            assertThat(badInputFor(tensorJson("FP32", "[1]", "[-3.5e38]"))).contains("-3.5e38", "outside FP32");
            assertThat(badInputFor(tensorJson("FP64", "[1]", "[1e999]"))).contains("outside FP64");
            assertThat(badInputFor(tensorJson("FP64", "[1]", "[-" + "9".repeat(400) + "]")))
                    .contains("outside FP64");
            assertThat(badInputFor(tensorJson("FP16", "[1]", "[65520]"))).contains("outside FP16 range [-65504");
            assertThat(badInputFor(tensorJson("BF16", "[1]", "[3.4e38]"))).contains("outside BF16");
            // The largest values of each type, and what rounds to them, still pass.
            assertThat(decodeOne("FP32", "[1]", "[3.4028235e38]").toFloats()).containsExactly(Float.MAX_VALUE);
            assertThat(decodeOne("FP16", "[1]", "[65504]").toFloats()).containsExactly(65504f);
            assertThat(decodeOne("FP32", "[1]", "[1e-999]").toFloats()).containsExactly(0f);
        }

        @Test
        void nanAndInfinitiesOnlyInTheirSpellingsAndOnlyForFloats() {
            for (String odd : List.of("\"inf\"", "\"+Infinity\"", "\"nan\"", "+Infinity", "-INF")) {
                assertThat(badInputFor(tensorJson("FP32", "[1]", "[" + odd + "]")))
                        .as(odd)
                        .contains("element 0", "not a number", "NaN, Infinity, -Infinity");
            }
            assertThat(badInputFor(tensorJson("INT32", "[1]", "[NaN]"))).contains("element 0 is NaN, not an integer");
            assertThat(badInputFor(tensorJson("INT64", "[1]", "[Infinity]")))
                    .contains("element 0 is Infinity, outside INT64 range");
            assertThat(badInputFor(tensorJson("UINT8", "[1]", "[\"NaN\"]"))).contains("not an integer");
        }

        @Test
        void integersWrittenAsFloatsMustBeExactAndInRange() {
            assertThat(badInputFor(tensorJson("INT8", "[1]", "[300.0]"))).contains("element 0 is 300.0, outside INT8");
            assertThat(badInputFor(tensorJson("UINT8", "[1]", "[-1.0]"))).contains("outside UINT8");
            assertThat(badInputFor(tensorJson("INT64", "[1]", "[1e18]"))).contains("write it as an integer literal");
            assertThat(badInputFor(tensorJson("INT32", "[1]", "[1e10]"))).contains("outside INT32");
            assertThat(decodeOne("INT64", "[1]", "[4.0e3]").toLongs()).containsExactly(4000L);
        }

        @Test
        void wrongKindOfElementIsRejected() {
            assertThat(badInputFor(tensorJson("FP32", "[2]", "[1, \"abc\"]")))
                    .contains("'x'", "FP32", "element 1", "abc", "not a number");
            assertThat(badInputFor(tensorJson("INT32", "[1]", "[true]"))).contains("not an integer");
            assertThat(badInputFor(tensorJson("BOOL", "[1]", "[2]"))).contains("not a boolean");
            assertThat(badInputFor(tensorJson("BYTES", "[1]", "[3]"))).contains("not a string");
            assertThat(badInputFor(tensorJson("FP32", "[1]", "[{\"a\": 1}]"))).contains("not a number");
            assertThat(badInputFor(tensorJson("FP32", "[1]", "7"))).contains("'x'", "must be a JSON array");
        }

        @Test
        void malformedOutputDataNamesTheOutput() {
            String body = "{\"model_name\": \"m\", \"outputs\": [{\"name\": \"probs\", \"datatype\": \"FP32\","
                    + " \"shape\": [1], \"data\": [\"abc\"]}]}";
            assertThat(badInput(() -> codec.decodeResponse(utf8(body), -1)).getMessage())
                    .contains("output 'probs'")
                    .doesNotContain("input");
        }

        @Test
        void responseNeedsAModelName() {
            assertThat(badInput(() -> codec.decodeResponse(utf8("{\"outputs\": []}"), -1))
                            .getMessage())
                    .contains("model_name");
        }

        @Test
        void headerLengthLargerThanTheBody() {
            byte[] body = utf8("{\"inputs\": [" + tensorJson("INT32", "[1]", "[1]") + "]}");
            assertThat(badInput(() -> codec.decodeRequest(body, body.length + 10))
                            .getMessage())
                    .contains("Inference-Header-Content-Length", String.valueOf(body.length + 10), "only");
        }

        @Test
        void binarySizeLargerThanTheRemainingBytes() {
            byte[] header = binaryHeader(16);
            byte[] body = concat(header, new byte[8]);
            assertThat(badInput(() -> codec.decodeRequest(body, header.length)).getMessage())
                    .contains("'a'", "binary_data_size 16", "only 8 bytes");
        }

        @Test
        void leftoverBinaryBytesAreRejected() {
            byte[] header = binaryHeader(8);
            byte[] body = concat(header, new byte[12]);
            assertThat(badInput(() -> codec.decodeRequest(body, header.length)).getMessage())
                    .contains("12 bytes of binary tensor data", "declare 8");
        }

        @Test
        void binarySizeThatDoesNotFitTheShape() {
            byte[] header = binaryHeader(4); // shape [2] FP32 needs 8
            byte[] body = concat(header, new byte[4]);
            assertThat(badInput(() -> codec.decodeRequest(body, header.length)).getMessage())
                    .contains("'a'", "[2]", "8 bytes", "4 bytes");
        }

        @Test
        void bothDataAndBinarySizeIsRejected() {
            String tensor = "{\"name\": \"x\", \"datatype\": \"INT32\", \"shape\": [1], \"data\": [1],"
                    + " \"parameters\": {\"binary_data_size\": 4}}";
            byte[] header = utf8("{\"inputs\": [" + tensor + "]}");
            assertThat(badInput(() -> codec.decodeRequest(concat(header, new byte[4]), header.length))
                            .getMessage())
                    .contains("'x'", "both", "binary_data_size");
        }

        @Test
        void headerCuttingTheJsonShortIsMalformed() {
            byte[] body = utf8("{\"inputs\": [" + tensorJson("INT32", "[1]", "[1]") + "]}");
            assertThat(badInput(() -> codec.decodeRequest(body, body.length / 2))
                            .getMessage())
                    .contains("malformed JSON");
        }

        @Test
        void hugeShapesWithLittleDataCostLittleMemory() {
            // Forty 16 MiB claims in a 2 KiB body: rejected on the element count, not after gigabytes of buffers.
            StringBuilder inputs = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                inputs.append(i == 0 ? "" : ",")
                        .append("{\"name\": \"x")
                        .append(i)
                        .append("\", \"datatype\": \"FP32\", \"shape\": [4194304], \"data\": []}");
            }
            byte[] body = utf8("{\"inputs\": [" + inputs + "]}");
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            assertThat(badInput(() -> codec.decodeRequest(body, -1)).getMessage())
                    .contains("'x0'", "[4194304]", "0 bytes of data");
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            assertThat(allocated)
                    .as("bytes allocated to decode %s bytes", body.length)
                    .isLessThan(32L << 20);
        }

        private String badInputFor(String tensorObject) {
            return badInput(() -> codec.decodeRequest(utf8("{\"inputs\": [" + tensorObject + "]}"), -1))
                    .getMessage();
        }

        private byte[] binaryHeader(int binarySize) {
            return utf8("{\"inputs\": [{\"name\": \"a\", \"datatype\": \"FP32\", \"shape\": [2],"
                    + " \"parameters\": {\"binary_data_size\": " + binarySize + "}}]}");
        }
    }

    @Nested
    class MetadataAndErrorBodies {
        private final ModelMetadata resnet = new ModelMetadata(
                "resnet",
                List.of("1", "2"),
                ModelMetadata.PLATFORM,
                List.of(new TensorMetadata("image", DataType.FP32, Shape.of(-1, 3, 224, 224))),
                List.of(
                        new TensorMetadata("probs", DataType.FP32, Shape.of(-1, 1000)),
                        new TensorMetadata("label", DataType.BYTES, Shape.of(-1))));

        @Test
        void metadataRoundTrips() throws IOException {
            byte[] body = codec.encodeMetadata(resnet);
            JsonNode json = JSON.readTree(body);
            assertThat(json.get("name").asText()).isEqualTo("resnet");
            assertThat(json.at("/inputs/0/shape").toString()).isEqualTo("[-1,3,224,224]");
            assertThat(codec.decodeMetadata(body)).isEqualTo(resnet);
        }

        @Test
        void metadataWithoutPlatformRoundTrips() {
            ModelMetadata noPlatform = new ModelMetadata("m", List.of(), null, resnet.inputs(), List.of());
            assertThat(codec.decodeMetadata(codec.encodeMetadata(noPlatform))).isEqualTo(noPlatform);
        }

        @Test
        void metadataFromAnotherServerIgnoresExtraFields() {
            String body = "{\"name\": \"m\", \"versions\": [\"1\"], \"platform\": \"tensorrt_plan\","
                    + " \"extra\": {\"a\": [1]}, \"inputs\": [{\"name\": \"x\", \"datatype\": \"INT64\", \"shape\": [-1, 2],"
                    + " \"parameters\": {}}], \"outputs\": []}";
            assertThat(codec.decodeMetadata(utf8(body)))
                    .isEqualTo(new ModelMetadata(
                            "m",
                            List.of("1"),
                            "tensorrt_plan",
                            List.of(new TensorMetadata("x", DataType.INT64, Shape.of(-1, 2))),
                            List.of()));
        }

        @Test
        void incompleteMetadataIsABadInputNotACrash() {
            assertThat(badInput(() -> codec.decodeMetadata(utf8("{\"versions\": []}")))
                            .getMessage())
                    .contains("name");
            assertThat(badInput(() -> codec.decodeMetadata(
                                    utf8("{\"name\": \"m\", \"inputs\": [{\"name\": \"x\", \"shape\": [1]}]}")))
                            .getMessage())
                    .contains("'x'", "datatype");
            assertThat(badInput(() -> codec.decodeMetadata(utf8("{\"name\": \"m\", \"versions\": null}"))))
                    .isNotNull();
            assertThat(badInput(() -> codec.decodeMetadata(utf8("{\"name\": \"m\"")))
                            .getMessage())
                    .contains("malformed JSON");
        }

        @Test
        void errorBodyRoundTrips() throws IOException {
            String message = "input 'x' is \"bad\" — ü\nsecond line";
            byte[] body = codec.encodeError(message);
            assertThat(JSON.readTree(body).get("error").asText()).isEqualTo(message);
            assertThat(codec.decodeError(body)).isEqualTo(message);
        }

        @Test
        void decodeErrorFindsTheMessageAmongOtherFields() {
            assertThat(codec.decodeError(utf8("{\"code\": 5, \"details\": {\"a\": [1]}, \"error\": \"boom\"}")))
                    .isEqualTo("boom");
        }

        @Test
        void decodeErrorOfSomethingElseReturnsTheText() {
            assertThat(codec.decodeError(utf8("upstream connect error or disconnect/reset before headers")))
                    .isEqualTo("upstream connect error or disconnect/reset before headers");
            assertThat(codec.decodeError(utf8("{\"detail\": \"nope\"}"))).isEqualTo("{\"detail\": \"nope\"}");
            assertThat(codec.decodeError(utf8("<html>502 Bad Gateway</html>"))).contains("502 Bad Gateway");
            assertThat(codec.decodeError(new byte[0])).isEmpty();
        }
    }

    // --- helpers

    private Tensor decodeOne(String datatype, String shape, String data) {
        return decodeFirst(tensorJson(datatype, shape, data));
    }

    private Tensor decodeFirst(String tensorObject) {
        return codec.decodeRequest(utf8("{\"inputs\": [" + tensorObject + "]}"), -1)
                .inputs()
                .get(0);
    }

    private static String tensorJson(String datatype, String shape, String data) {
        return "{\"name\": \"x\", \"datatype\": \"" + datatype + "\", \"shape\": " + shape + ", \"data\": " + data
                + "}";
    }

    private static String data(JsonNode request, String input) {
        for (JsonNode t : request.get("inputs")) {
            if (t.get("name").asText().equals(input)) {
                return t.get("data").toString();
            }
        }
        throw new AssertionError("no input " + input);
    }

    private static InferenceException badInput(ThrowingCallable call) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).isInstanceOf(InferenceException.class);
        InferenceException e = (InferenceException) thrown;
        assertThat(e.reason()).as(e.getMessage()).isEqualTo(InferenceException.Reason.BAD_INPUT);
        return e;
    }

    private static Tensor bf16(String name, float... values) {
        return fixed(name, DataType.BF16, values.length, b -> {
            for (float v : values) {
                b.putShort(Float16.floatToBf16(v));
            }
        });
    }

    private static Tensor fixed(String name, DataType type, int count, Consumer<ByteBuffer> fill) {
        ByteBuffer b = le(count * type.byteSize());
        fill.accept(b);
        return Tensor.of(name, type, Shape.of(count), b.flip());
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
