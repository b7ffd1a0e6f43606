package dev.ember.pool.api.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the JSON objects shared by requests and responses: tensors, parameters, shapes. */
final class TensorObjectReader {
    private TensorObjectReader() {}

    /** A tensor as parsed from JSON, before any binary data is attached. */
    record Parsed(String name, DataType type, Shape shape, Parameters parameters, ByteBuffer data, long binarySize) {}

    static Parsed readTensor(JsonParser p, String role, int index) throws IOException {
        expect(p, JsonToken.START_OBJECT, role + " #" + index + " must be a JSON object");
        String name = null;
        DataType type = null;
        Shape shape = null;
        Parameters parameters = Parameters.EMPTY;
        ByteBuffer data = null;
        TokenBuffer early = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> name = readText(p, role + " #" + index + " name");
                case "datatype" -> type = DataType.fromWire(readText(p, role + " #" + index + " datatype"));
                case "shape" -> shape = readShape(p, role, index);
                case "parameters" -> parameters = readParameters(p);
                case "data" -> {
                    if (type != null && shape != null) {
                        data = TensorDataReader.read(p, label(role, name, index), type, expectedBytes(type, shape))
                                .toBuffer();
                    } else { // datatype or shape comes after data: keep the tokens until we know
                        early = TokenBuffer.asCopyOfValue(p);
                    }
                }
                default -> {
                    if (value.isStructStart()) {
                        p.skipChildren();
                    }
                }
            }
        }
        if (name == null) {
            throw InferenceException.badInput(role + " #" + index + " has no name");
        }
        if (type == null) {
            throw InferenceException.badInput(role + " '" + name + "' has no datatype");
        }
        if (shape == null) {
            throw InferenceException.badInput(role + " '" + name + "' has no shape");
        }
        if (early != null) {
            try (JsonParser buffered = early.asParser()) {
                buffered.nextToken();
                data = TensorDataReader.read(buffered, label(role, name, index), type, expectedBytes(type, shape))
                        .toBuffer();
            }
        }
        long binarySize = parameters.integer(Protocol.BINARY_DATA_SIZE).orElse(-1L);
        if (binarySize >= 0 && data != null) {
            throw InferenceException.badInput(
                    role + " '" + name + "' has both JSON data and " + Protocol.BINARY_DATA_SIZE);
        }
        if (binarySize < 0 && data == null) {
            throw InferenceException.badInput(role + " '" + name + "' has no data");
        }
        return new Parsed(name, type, shape, parameters.without(Protocol.BINARY_DATA_SIZE), data, binarySize);
    }

    /** Builds tensors, taking binary data from {@code tail} in order for those that declared a size. */
    static List<Tensor> attach(List<Parsed> parsed, ByteBuffer tail, String role) {
        List<Tensor> tensors = new ArrayList<>(parsed.size());
        int offset = 0;
        for (Parsed t : parsed) {
            ByteBuffer data = t.data();
            if (data == null) {
                long remaining = tail.remaining() - offset;
                if (t.binarySize() > remaining) {
                    throw InferenceException.badInput(role + " '" + t.name() + "' declares " + Protocol.BINARY_DATA_SIZE
                            + " " + t.binarySize() + " but only " + remaining + " bytes of binary data remain");
                }
                data = tail.slice(tail.position() + offset, (int) t.binarySize());
                offset += (int) t.binarySize();
            }
            tensors.add(Tensor.of(t.name(), t.type(), t.shape(), data, t.parameters()));
        }
        if (offset != tail.remaining()) {
            throw InferenceException.badInput("body has " + tail.remaining() + " bytes of binary tensor data but "
                    + role + "s declare " + offset);
        }
        return tensors;
    }

    static Shape readShape(JsonParser p, String role, int index) throws IOException {
        expect(p, JsonToken.START_ARRAY, role + " #" + index + " shape must be an array of integers");
        List<Long> dims = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw InferenceException.badInput(role + " #" + index + " shape must be an array of integers");
            }
            dims.add(p.getLongValue());
        }
        long[] array = new long[dims.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = dims.get(i);
        }
        return Shape.of(array);
    }

    static Parameters readParameters(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "parameters must be a JSON object");
        Map<String, Object> values = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken t = p.nextToken();
            Object value = switch (t) {
                case VALUE_STRING -> p.getText();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NUMBER_INT -> p.getLongValue();
                case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                default ->
                    throw InferenceException.badInput("parameter '" + key + "' must be a string, boolean or number");
            };
            values.put(key, value);
        }
        return new Parameters(values);
    }

    static String readText(JsonParser p, String what) throws IOException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw InferenceException.badInput(what + " must be a string");
        }
        return p.getText();
    }

    static void expect(JsonParser p, JsonToken token, String message) {
        if (p.currentToken() != token) {
            throw InferenceException.badInput(message);
        }
    }

    /** The data size the shape claims, or -1 if it cannot say (BYTES, a -1 dimension, overflow). */
    private static long expectedBytes(DataType type, Shape shape) {
        if (!type.isFixedSize() || !shape.isConcrete()) {
            return -1;
        }
        try {
            return Math.multiplyExact(shape.elementCount(), type.byteSize());
        } catch (InferenceException | ArithmeticException e) {
            return -1;
        }
    }

    private static String label(String role, String name, int index) {
        return name != null ? role + " '" + name + "'" : role + " #" + index;
    }
}
