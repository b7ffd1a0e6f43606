package dev.ember.models;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Serializes a {@link Graph} as an ONNX {@code ModelProto} straight from the wire format, so the
 * project needs neither Python nor classes generated from onnx.proto.
 *
 * <p>Field numbers are those of onnx/onnx.proto. Fields are written in ascending number order and
 * nothing time- or host-dependent is included, so the same graph always gives the same bytes.
 * Repeated scalars ({@code dims}, {@code ints}) are written unpacked, as proto2 declares them.
 */
public final class OnnxModelWriter {

    /** IR version 8 (ONNX 1.10+) is understood by every ONNX Runtime release this project uses. */
    public static final long IR_VERSION = 8;

    public static final long OPSET_VERSION = 17;

    public static final String PRODUCER = "ember-models";

    // AttributeProto.AttributeType
    private static final int ATTR_FLOAT = 1;
    private static final int ATTR_INT = 2;
    private static final int ATTR_STRING = 3;
    private static final int ATTR_INTS = 7;

    private OnnxModelWriter() {}

    /** The model file's bytes. */
    public static byte[] toBytes(Graph graph) {
        return message(out -> {
                    out.writeInt64(1, IR_VERSION); // ir_version
                    out.writeString(2, PRODUCER); // producer_name
                    out.writeBytes(7, graph(graph)); // graph
                    out.writeBytes(8, opset()); // opset_import
                })
                .toByteArray();
    }

    public static void write(Graph graph, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, toBytes(graph));
    }

    private static ByteString opset() {
        return message(out -> {
            out.writeString(1, ""); // domain: "" is the default ai.onnx operator set
            out.writeInt64(2, OPSET_VERSION); // version
        });
    }

    private static ByteString graph(Graph graph) {
        return message(out -> {
            for (Node node : graph.nodes()) {
                out.writeBytes(1, node(node)); // node
            }
            out.writeString(2, graph.name()); // name
            for (Tensor tensor : graph.initializers()) {
                out.writeBytes(5, tensor(tensor)); // initializer
            }
            for (ValueInfo input : graph.inputs()) {
                out.writeBytes(11, valueInfo(input)); // input
            }
            for (ValueInfo output : graph.outputs()) {
                out.writeBytes(12, valueInfo(output)); // output
            }
        });
    }

    private static ByteString node(Node node) {
        return message(out -> {
            for (String input : node.inputs()) {
                out.writeString(1, input); // input
            }
            for (String output : node.outputs()) {
                out.writeString(2, output); // output
            }
            out.writeString(3, node.name()); // name
            out.writeString(4, node.opType()); // op_type
            for (Attribute attribute : node.attributes()) {
                out.writeBytes(5, attribute(attribute)); // attribute
            }
        });
    }

    private static ByteString attribute(Attribute attribute) {
        return message(out -> {
            out.writeString(1, attribute.name()); // name
            int type;
            if (attribute instanceof Attribute.FloatValue f) {
                out.writeFloat(2, f.value()); // f
                type = ATTR_FLOAT;
            } else if (attribute instanceof Attribute.IntValue i) {
                out.writeInt64(3, i.value()); // i
                type = ATTR_INT;
            } else if (attribute instanceof Attribute.StringValue s) {
                out.writeBytes(4, ByteString.copyFromUtf8(s.value())); // s
                type = ATTR_STRING;
            } else if (attribute instanceof Attribute.IntsValue ints) {
                for (long v : ints.values()) {
                    out.writeInt64(8, v); // ints
                }
                type = ATTR_INTS;
            } else {
                throw new IllegalArgumentException("unknown attribute kind: " + attribute);
            }
            out.writeEnum(20, type); // type
        });
    }

    private static ByteString tensor(Tensor tensor) {
        return message(out -> {
            for (long dim : tensor.dims()) {
                out.writeInt64(1, dim); // dims
            }
            out.writeInt32(2, tensor.type().code()); // data_type
            out.writeString(8, tensor.name()); // name
            out.writeBytes(9, tensor.rawData()); // raw_data
        });
    }

    private static ByteString valueInfo(ValueInfo info) {
        ByteString shape = message(out -> {
            for (Dim dim : info.shape()) {
                out.writeBytes(1, dimension(dim)); // TensorShapeProto.dim
            }
        });
        ByteString tensorType = message(out -> {
            out.writeInt32(1, info.type().code()); // TypeProto.Tensor.elem_type
            // Always present, even when empty: an empty shape means "scalar", a missing one "unknown rank".
            out.writeBytes(2, shape); // TypeProto.Tensor.shape
        });
        ByteString type = message(out -> out.writeBytes(1, tensorType)); // TypeProto.tensor_type
        return message(out -> {
            out.writeString(1, info.name()); // name
            out.writeBytes(2, type); // type
        });
    }

    private static ByteString dimension(Dim dim) {
        return message(out -> {
            if (dim.isSymbolic()) {
                out.writeString(2, dim.param()); // dim_param
            } else {
                out.writeInt64(1, dim.value()); // dim_value
            }
        });
    }

    /** Encodes one message body; nested messages are encoded first and embedded as length-delimited bytes. */
    private static ByteString message(Body body) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        try {
            body.writeTo(out);
            out.flush();
        } catch (IOException e) {
            // Only an in-memory stream is involved, so this cannot happen in practice.
            throw new UncheckedIOException(e);
        }
        return ByteString.copyFrom(bytes.toByteArray());
    }

    @FunctionalInterface
    private interface Body {
        void writeTo(CodedOutputStream out) throws IOException;
    }
}
