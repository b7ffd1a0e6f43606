package dev.ember.pool.api.codec;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.ModelMetadata;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Protocol;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Tensor;
import dev.ember.pool.api.TensorMetadata;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Encodes and decodes Open Inference Protocol bodies: JSON, and JSON followed by binary tensor
 * data (the binary tensor extension). Thread-safe; one instance serves a process. Malformed input
 * fails with {@link InferenceException.Reason#BAD_INPUT} and a message that says where.
 */
public final class InferenceCodec {
    private static final Pattern START_MARKER =
            Pattern.compile("\\(start marker at \\[Source: [^\\]]*?line: (\\d+), column: (\\d+)\\]\\)");
    private final JsonFactory json = JsonFactory.builder()
            .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
            .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
            .build();

    /** Decodes a v2 request; {@code jsonLength} is the binary-extension header, or -1 if absent. */
    public InferenceRequest decodeRequest(byte[] body, int jsonLength) {
        return decodeRoutedRequest(body, jsonLength).request();
    }

    /** Decodes a v2 request that may also carry {@code "model"} and {@code "version"} fields. */
    public RoutedRequest decodeRoutedRequest(byte[] body, int jsonLength) {
        int headerEnd = headerEnd(body, jsonLength);
        if (headerEnd == 0) {
            throw InferenceException.badInput("request body is empty; expected a JSON object with \"inputs\"");
        }
        try (JsonParser p = json.createParser(body, 0, headerEnd)) {
            p.nextToken();
            TensorObjectReader.expect(p, JsonToken.START_OBJECT, "request body must be a JSON object");
            String id = null;
            String model = null;
            String version = null;
            Parameters parameters = Parameters.EMPTY;
            List<TensorObjectReader.Parsed> inputs = null;
            List<RequestedOutput> outputs = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> id = TensorObjectReader.readText(p, "id");
                    case "model" -> model = TensorObjectReader.readText(p, "model");
                    case "version" -> version = readVersion(p);
                    case "parameters" -> parameters = TensorObjectReader.readParameters(p);
                    case "inputs" -> inputs = readTensors(p, "input");
                    case "outputs" -> outputs = readRequestedOutputs(p);
                    default -> {
                        if (value.isStructStart()) {
                            p.skipChildren();
                        }
                    }
                }
            }
            expectEnd(p);
            if (inputs == null || inputs.isEmpty()) {
                throw InferenceException.badInput("request has no inputs");
            }
            List<Tensor> tensors = TensorObjectReader.attach(inputs, tail(body, headerEnd), "input");
            return new RoutedRequest(model, version, new InferenceRequest(id, parameters, tensors, outputs));
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a v2 response; {@code jsonLength} is the binary-extension header, or -1 if absent. */
    public InferenceResponse decodeResponse(byte[] body, int jsonLength) {
        int headerEnd = headerEnd(body, jsonLength);
        try (JsonParser p = json.createParser(body, 0, headerEnd)) {
            p.nextToken();
            TensorObjectReader.expect(p, JsonToken.START_OBJECT, "response body must be a JSON object");
            String model = null;
            String version = null;
            String id = null;
            Parameters parameters = Parameters.EMPTY;
            List<TensorObjectReader.Parsed> outputs = List.of();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "model_name" -> model = TensorObjectReader.readText(p, "model_name");
                    case "model_version" -> version = readVersion(p); // some servers send an integer
                    case "id" -> id = TensorObjectReader.readText(p, "id");
                    case "parameters" -> parameters = TensorObjectReader.readParameters(p);
                    case "outputs" -> outputs = readTensors(p, "output");
                    default -> {
                        if (value.isStructStart()) {
                            p.skipChildren();
                        }
                    }
                }
            }
            expectEnd(p);
            if (model == null) {
                throw InferenceException.badInput("response has no model_name");
            }
            List<Tensor> tensors = TensorObjectReader.attach(outputs, tail(body, headerEnd), "output");
            return new InferenceResponse(model, version, id, parameters, tensors);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Encodes a request, sending input data in binary after the JSON if {@code binaryInputs}. */
    public EncodedBody encodeRequest(InferenceRequest request, boolean binaryInputs) {
        return encodeRequest(null, null, request, binaryInputs);
    }

    /** Encodes a request that names its model, as the functions' {@code infer} takes it. */
    public EncodedBody encodeRequest(String model, String version, InferenceRequest request, boolean binaryInputs) {
        Predicate<String> binary = name -> binaryInputs;
        return write(binary, request.inputs(), g -> {
            g.writeStartObject();
            if (model != null) {
                g.writeStringField("model", model);
            }
            if (version != null) {
                g.writeStringField("version", version);
            }
            if (request.id() != null) {
                g.writeStringField("id", request.id());
            }
            writeParameters(g, request.parameters());
            g.writeArrayFieldStart("inputs");
            writeTensors(g, request.inputs(), binary);
            g.writeEndArray();
            if (!request.outputs().isEmpty()) {
                g.writeArrayFieldStart("outputs");
                for (RequestedOutput o : request.outputs()) {
                    g.writeStartObject();
                    g.writeStringField("name", o.name());
                    writeParameters(g, o.parameters());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        });
    }

    /** Encodes a response; outputs for which {@code binaryOutput} holds go in binary after the JSON. */
    public EncodedBody encodeResponse(InferenceResponse response, Predicate<String> binaryOutput) {
        return write(binaryOutput, response.outputs(), g -> {
            g.writeStartObject();
            g.writeStringField("model_name", response.modelName());
            if (response.modelVersion() != null) {
                g.writeStringField("model_version", response.modelVersion());
            }
            if (response.id() != null) {
                g.writeStringField("id", response.id());
            }
            writeParameters(g, response.parameters());
            g.writeArrayFieldStart("outputs");
            writeTensors(g, response.outputs(), binaryOutput);
            g.writeEndArray();
            g.writeEndObject();
        });
    }

    /**
     * {@code response} (an encoded response without an {@code id}) with {@code "id": id} added as
     * its last member, binary data untouched; {@code response} itself when {@code id} is null. A
     * cached answer is encoded once and sent to every caller: only the id is theirs.
     */
    public EncodedBody withResponseId(EncodedBody response, String id) {
        if (id == null) {
            return response;
        }
        byte[] body = response.bytes();
        int close = response.jsonLength() - 1;
        if (close < 1 || body[close] != '}') {
            throw new IllegalArgumentException("not an encoded JSON object");
        }
        byte[] member = write(name -> false, List.of(), g -> {
                    g.writeStartObject();
                    g.writeStringField("id", id);
                    g.writeEndObject();
                })
                .bytes(); // {"id":"..."}: its inside is spliced in, escaped by Jackson
        boolean empty = body[close - 1] == '{';
        int inside = member.length - 2;
        int jsonLength = close + (empty ? 0 : 1) + inside + 1;
        byte[] out = new byte[jsonLength + body.length - response.jsonLength()];
        System.arraycopy(body, 0, out, 0, close);
        int at = close;
        if (!empty) {
            out[at++] = ',';
        }
        System.arraycopy(member, 1, out, at, inside);
        at += inside;
        out[at++] = '}';
        System.arraycopy(body, response.jsonLength(), out, at, body.length - response.jsonLength());
        return new EncodedBody(out, jsonLength, response.binary());
    }

    /**
     * Which outputs the client asked to receive in binary: an output's own {@code binary_data}
     * parameter when it has one, else the request's {@code binary_data_output} (default false), as
     * the binary tensor extension defines them.
     */
    public static Predicate<String> binaryOutputs(InferenceRequest request) {
        boolean all = request.parameters().bool(Protocol.BINARY_DATA_OUTPUT).orElse(false);
        if (request.outputs().isEmpty()) {
            return name -> all;
        }
        Map<String, Boolean> named = new java.util.HashMap<>();
        for (RequestedOutput o : request.outputs()) {
            o.parameters().bool(Protocol.BINARY_DATA).ifPresent(b -> named.put(o.name(), b));
        }
        return name -> named.getOrDefault(name, all);
    }

    /** The answer of {@code GET /v2}: {@code {"name": ..., "version": ..., "extensions": [...]}}. */
    public byte[] encodeServerMetadata(String name, String version, List<String> extensions) {
        return write(n -> false, List.of(), g -> {
                    g.writeStartObject();
                    g.writeStringField("name", name);
                    g.writeStringField("version", version);
                    g.writeArrayFieldStart("extensions");
                    for (String e : extensions) {
                        g.writeString(e);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                })
                .bytes();
    }

    public byte[] encodeMetadata(ModelMetadata metadata) {
        return write(name -> false, List.of(), g -> {
                    g.writeStartObject();
                    g.writeStringField("name", metadata.name());
                    g.writeArrayFieldStart("versions");
                    for (String v : metadata.versions()) {
                        g.writeString(v);
                    }
                    g.writeEndArray();
                    if (metadata.platform() != null) {
                        g.writeStringField("platform", metadata.platform());
                    }
                    writeTensorMetadata(g, "inputs", metadata.inputs());
                    writeTensorMetadata(g, "outputs", metadata.outputs());
                    writeParameters(g, metadata.parameters());
                    g.writeEndObject();
                })
                .bytes();
    }

    public ModelMetadata decodeMetadata(byte[] body) {
        try (JsonParser p = json.createParser(body)) {
            p.nextToken();
            TensorObjectReader.expect(p, JsonToken.START_OBJECT, "model metadata must be a JSON object");
            String name = null;
            String platform = null;
            List<String> versions = List.of();
            List<TensorMetadata> inputs = List.of();
            List<TensorMetadata> outputs = List.of();
            Parameters parameters = Parameters.EMPTY;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> name = TensorObjectReader.readText(p, "model name");
                    case "platform" ->
                        platform = value == JsonToken.VALUE_NULL ? null : TensorObjectReader.readText(p, "platform");
                    case "versions" -> versions = readVersions(p);
                    case "inputs" -> inputs = readTensorMetadata(p, "input");
                    case "outputs" -> outputs = readTensorMetadata(p, "output");
                    case "parameters" -> parameters = TensorObjectReader.readParameters(p);
                    default -> {
                        if (value.isStructStart()) {
                            p.skipChildren();
                        }
                    }
                }
            }
            expectEnd(p);
            if (name == null) {
                throw InferenceException.badInput("model metadata has no name");
            }
            return new ModelMetadata(name, versions, platform, inputs, outputs, parameters);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The repository index: {@code [{"name": ..., "version": ..., "state": "READY" | "UNAVAILABLE"}]}. */
    public byte[] encodeIndex(List<ModelStatus> models) {
        return write(name -> false, List.of(), g -> {
                    g.writeStartArray();
                    for (ModelStatus m : models) {
                        g.writeStartObject();
                        g.writeStringField("name", m.name());
                        if (m.version() != null) {
                            g.writeStringField("version", m.version());
                        }
                        g.writeStringField("state", m.ready() ? "READY" : "UNAVAILABLE");
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                })
                .bytes();
    }

    public List<ModelStatus> decodeIndex(byte[] body) {
        try (JsonParser p = json.createParser(body)) {
            p.nextToken();
            TensorObjectReader.expect(p, JsonToken.START_ARRAY, "the repository index must be a JSON array");
            List<ModelStatus> models = new ArrayList<>();
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String name = null;
                String version = null;
                String state = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "name" -> name = TensorObjectReader.readText(p, "name");
                        case "version" -> version = readVersion(p);
                        case "state" -> state = TensorObjectReader.readText(p, "state");
                        default -> {
                            if (value.isStructStart()) {
                                p.skipChildren();
                            }
                        }
                    }
                }
                if (name == null) {
                    throw InferenceException.badInput("repository index entry #" + models.size() + " has no name");
                }
                models.add(new ModelStatus(name, version, "READY".equals(state)));
            }
            return models;
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The protocol's error body: {@code {"error": "<message>"}}. */
    public byte[] encodeError(String message) {
        return write(name -> false, List.of(), g -> {
                    g.writeStartObject();
                    g.writeStringField("error", message);
                    g.writeEndObject();
                })
                .bytes();
    }

    /** The message of an error body, or the body as text if it is not one. */
    public String decodeError(byte[] body) {
        try (JsonParser p = json.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    if (field.equals("error") && value == JsonToken.VALUE_STRING) {
                        return p.getText();
                    }
                    if (value.isStructStart()) {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            // not JSON: fall through to the raw text
        }
        return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Reads a JSON object of scalar values (the inverse of {@link #encodeObject}). */
    public Parameters decodeObject(byte[] body) {
        try (JsonParser p = json.createParser(body)) {
            p.nextToken();
            return TensorObjectReader.readParameters(p);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a JSON object of scalar values, as used for parameters. */
    public byte[] encodeObject(Map<String, Object> values) {
        return write(name -> false, List.of(), g -> {
                    g.writeStartObject();
                    writeFields(g, new Parameters(values));
                    g.writeEndObject();
                })
                .bytes();
    }

    private interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    private EncodedBody write(Predicate<String> binary, List<Tensor> tensors, JsonBody body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = json.createGenerator(out, JsonEncoding.UTF8)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int jsonLength = out.size();
        boolean anyBinary = false;
        try {
            for (Tensor t : tensors) {
                if (binary.test(t.name())) {
                    anyBinary = true;
                    t.writeData(out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return new EncodedBody(out.toByteArray(), jsonLength, anyBinary);
    }

    private static void writeTensors(JsonGenerator g, List<Tensor> tensors, Predicate<String> binary)
            throws IOException {
        for (Tensor t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("datatype", t.datatype().wireName());
            writeShape(g, t.shape().toArray());
            boolean isBinary = binary.test(t.name());
            Parameters parameters =
                    isBinary ? t.parameters().with(Protocol.BINARY_DATA_SIZE, (long) t.byteSize()) : t.parameters();
            writeParameters(g, parameters);
            if (!isBinary) {
                g.writeFieldName("data");
                TensorDataWriter.write(g, t);
            }
            g.writeEndObject();
        }
    }

    private static void writeTensorMetadata(JsonGenerator g, String field, List<TensorMetadata> tensors)
            throws IOException {
        g.writeArrayFieldStart(field);
        for (TensorMetadata t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("datatype", t.datatype().wireName());
            writeShape(g, t.shape().toArray());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeShape(JsonGenerator g, long[] dims) throws IOException {
        g.writeFieldName("shape");
        g.writeArray(dims, 0, dims.length);
    }

    private static void writeParameters(JsonGenerator g, Parameters parameters) throws IOException {
        if (parameters.isEmpty()) {
            return;
        }
        g.writeObjectFieldStart("parameters");
        writeFields(g, parameters);
        g.writeEndObject();
    }

    private static void writeFields(JsonGenerator g, Parameters parameters) throws IOException {
        for (Map.Entry<String, Object> e : parameters.values().entrySet()) {
            g.writeFieldName(e.getKey());
            Object v = e.getValue();
            if (v instanceof String s) {
                g.writeString(s);
            } else if (v instanceof Boolean b) {
                g.writeBoolean(b);
            } else if (v instanceof Long l) {
                g.writeNumber(l);
            } else {
                g.writeNumber((Double) v);
            }
        }
    }

    private static List<TensorObjectReader.Parsed> readTensors(JsonParser p, String role) throws IOException {
        TensorObjectReader.expect(p, JsonToken.START_ARRAY, role + "s must be a JSON array");
        List<TensorObjectReader.Parsed> tensors = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            tensors.add(TensorObjectReader.readTensor(p, role, tensors.size()));
        }
        return tensors;
    }

    private static List<RequestedOutput> readRequestedOutputs(JsonParser p) throws IOException {
        TensorObjectReader.expect(p, JsonToken.START_ARRAY, "outputs must be a JSON array");
        List<RequestedOutput> outputs = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            TensorObjectReader.expect(p, JsonToken.START_OBJECT, "each requested output must be a JSON object");
            String name = null;
            Parameters parameters = Parameters.EMPTY;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("name")) {
                    name = TensorObjectReader.readText(p, "output name");
                } else if (field.equals("parameters")) {
                    parameters = TensorObjectReader.readParameters(p);
                } else if (value.isStructStart()) {
                    p.skipChildren();
                }
            }
            if (name == null) {
                throw InferenceException.badInput("requested output #" + outputs.size() + " has no name");
            }
            outputs.add(new RequestedOutput(name, parameters));
        }
        return outputs;
    }

    private static List<String> readVersions(JsonParser p) throws IOException {
        TensorObjectReader.expect(p, JsonToken.START_ARRAY, "versions must be a JSON array of strings");
        List<String> versions = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            versions.add(readVersion(p));
        }
        return versions;
    }

    private static List<TensorMetadata> readTensorMetadata(JsonParser p, String role) throws IOException {
        TensorObjectReader.expect(p, JsonToken.START_ARRAY, role + "s must be a JSON array");
        List<TensorMetadata> tensors = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            int index = tensors.size();
            TensorObjectReader.expect(p, JsonToken.START_OBJECT, role + " #" + index + " must be a JSON object");
            String name = null;
            DataType type = null;
            dev.ember.pool.api.Shape shape = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "name" -> name = TensorObjectReader.readText(p, role + " #" + index + " name");
                    case "datatype" ->
                        type = DataType.fromWire(TensorObjectReader.readText(p, role + " #" + index + " datatype"));
                    case "shape" -> shape = TensorObjectReader.readShape(p, role, index);
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
            if (type == null || shape == null) {
                throw InferenceException.badInput(
                        role + " '" + name + "' has no " + (type == null ? "datatype" : "shape"));
            }
            tensors.add(new TensorMetadata(name, type, shape));
        }
        return tensors;
    }

    private static String readVersion(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
            return p.getText();
        }
        throw InferenceException.badInput("version must be a string or an integer");
    }

    private static void expectEnd(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            throw InferenceException.badInput("malformed JSON: unexpected content after the body object");
        }
    }

    private static int headerEnd(byte[] body, int jsonLength) {
        if (jsonLength < 0) {
            return body.length;
        }
        if (jsonLength > body.length) {
            throw InferenceException.badInput(Protocol.HEADER_CONTENT_LENGTH + " is " + jsonLength
                    + " but the body has only " + body.length + " bytes");
        }
        return jsonLength;
    }

    private static ByteBuffer tail(byte[] body, int headerEnd) {
        return ByteBuffer.wrap(body, headerEnd, body.length - headerEnd).slice();
    }

    private static InferenceException malformed(JsonProcessingException e) {
        var where = e.getLocation();
        String at = where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr();
        // Jackson names an unclosed array's start as "[Source: REDACTED ...; line: 1, column: 11]": keep the place.
        String detail = START_MARKER.matcher(e.getOriginalMessage()).replaceAll("(opened at line $1, column $2)");
        return InferenceException.badInput("malformed JSON" + at + ": " + detail);
    }
}
