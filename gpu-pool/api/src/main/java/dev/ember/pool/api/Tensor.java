package dev.ember.pool.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A named tensor whose elements are held as little-endian bytes, the layout of the binary tensor
 * extension and of ONNX Runtime on every platform Ember runs on. One representation serves the
 * JSON and binary codecs, batching (concatenation is byte concatenation), cache keys (hash the
 * bytes) and ONNX Runtime (a direct view, no per-element conversion). {@link DataType#BYTES}
 * elements are each a 4-byte little-endian length followed by that many bytes.
 *
 * <p>Instances are immutable: the data is exposed only as read-only views.
 */
public final class Tensor {
    private final String name;
    private final DataType datatype;
    private final Shape shape;
    private final ByteBuffer data;
    private final Parameters parameters;

    private Tensor(String name, DataType datatype, Shape shape, ByteBuffer data, Parameters parameters) {
        this.name = name;
        this.datatype = datatype;
        this.shape = shape;
        this.data = data;
        this.parameters = parameters;
    }

    /**
     * Wraps {@code data} (from its position to its limit) without copying; the caller must not
     * modify it afterwards. Fails with {@code BAD_INPUT} if the byte count does not fit the shape.
     */
    public static Tensor of(String name, DataType datatype, Shape shape, ByteBuffer data, Parameters parameters) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(datatype, "datatype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(parameters, "parameters");
        if (!shape.isConcrete()) {
            throw InferenceException.badInput("tensor '" + name + "' has shape " + shape + " with a -1 dimension");
        }
        ByteBuffer view = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long elements = shape.elementCount();
        if (datatype.isFixedSize()) {
            // Checked: a shape like [2^61] of FP64 would otherwise wrap to 0 bytes and pass with no data.
            boolean overflows = elements > Long.MAX_VALUE / datatype.byteSize();
            if (overflows || elements * datatype.byteSize() != view.remaining()) {
                String expected =
                        overflows ? "more bytes than fit in a long" : elements * datatype.byteSize() + " bytes";
                throw InferenceException.badInput("tensor '" + name + "' has shape " + shape + " (" + elements
                        + " " + datatype + " elements, " + expected + ") but " + view.remaining()
                        + " bytes of data" + describeCount(view.remaining(), datatype));
            }
        } else {
            long found = countByteElements(name, view);
            if (found != elements) {
                throw InferenceException.badInput("tensor '" + name + "' has shape " + shape + " (" + elements
                        + " elements) but " + found + " BYTES elements of data");
            }
        }
        return new Tensor(name, datatype, shape, view, parameters);
    }

    public static Tensor of(String name, DataType datatype, Shape shape, ByteBuffer data) {
        return of(name, datatype, shape, data, Parameters.EMPTY);
    }

    public static Tensor ofFloats(String name, long[] shape, float... values) {
        ByteBuffer b = allocate(values.length * 4L);
        b.asFloatBuffer().put(values);
        return of(name, DataType.FP32, Shape.of(shape), b);
    }

    public static Tensor ofDoubles(String name, long[] shape, double... values) {
        ByteBuffer b = allocate(values.length * 8L);
        b.asDoubleBuffer().put(values);
        return of(name, DataType.FP64, Shape.of(shape), b);
    }

    public static Tensor ofLongs(String name, long[] shape, long... values) {
        ByteBuffer b = allocate(values.length * 8L);
        b.asLongBuffer().put(values);
        return of(name, DataType.INT64, Shape.of(shape), b);
    }

    public static Tensor ofInts(String name, long[] shape, int... values) {
        ByteBuffer b = allocate(values.length * 4L);
        b.asIntBuffer().put(values);
        return of(name, DataType.INT32, Shape.of(shape), b);
    }

    /** FP16 tensor from floats, rounded to half precision. */
    public static Tensor ofHalfs(String name, long[] shape, float... values) {
        ByteBuffer b = allocate(values.length * 2L);
        for (float v : values) {
            b.putShort(Float16.fromFloat(v));
        }
        return of(name, DataType.FP16, Shape.of(shape), b.flip());
    }

    public static Tensor ofUint8(String name, long[] shape, byte... values) {
        return of(name, DataType.UINT8, Shape.of(shape), ByteBuffer.wrap(values.clone()));
    }

    public static Tensor ofBools(String name, long[] shape, boolean... values) {
        byte[] bytes = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            bytes[i] = (byte) (values[i] ? 1 : 0);
        }
        return of(name, DataType.BOOL, Shape.of(shape), ByteBuffer.wrap(bytes));
    }

    public static Tensor ofStrings(String name, long[] shape, String... values) {
        List<byte[]> elements = new ArrayList<>(values.length);
        for (String v : values) {
            elements.add(v.getBytes(StandardCharsets.UTF_8));
        }
        return ofByteStrings(name, Shape.of(shape), elements);
    }

    public static Tensor ofByteStrings(String name, Shape shape, List<byte[]> elements) {
        long size = 0;
        for (byte[] e : elements) {
            size += 4L + e.length;
        }
        ByteBuffer b = allocate(size);
        for (byte[] e : elements) {
            b.putInt(e.length).put(e);
        }
        return of(name, DataType.BYTES, shape, b.flip());
    }

    public String name() {
        return name;
    }

    public DataType datatype() {
        return datatype;
    }

    public Shape shape() {
        return shape;
    }

    public Parameters parameters() {
        return parameters;
    }

    /** A read-only little-endian view of the element bytes, positioned at 0. */
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes the element bytes to {@code out}, straight from the array when they are on the heap. */
    public void writeData(java.io.OutputStream out) throws java.io.IOException {
        ByteBuffer bytes = data();
        if (bytes.hasArray()) {
            out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
        } else {
            out.write(toBytes());
        }
    }

    public int byteSize() {
        return data.remaining();
    }

    public long elementCount() {
        return shape.elementCount();
    }

    public Tensor withName(String newName) {
        return new Tensor(newName, datatype, shape, data, parameters);
    }

    public Tensor withParameters(Parameters newParameters) {
        return new Tensor(name, datatype, shape, data, newParameters);
    }

    public float[] toFloats() {
        int n = Math.toIntExact(elementCount());
        float[] out = new float[n];
        ByteBuffer b = data();
        switch (datatype) {
            case FP32 -> b.asFloatBuffer().get(out);
            case FP16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float16.toFloat(b.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float16.bf16ToFloat(b.getShort(i * 2));
                }
            }
            default -> throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not a float type");
        }
        return out;
    }

    public double[] toDoubles() {
        requireType(DataType.FP64);
        double[] out = new double[Math.toIntExact(elementCount())];
        data().asDoubleBuffer().get(out);
        return out;
    }

    public long[] toLongs() {
        requireType(DataType.INT64);
        long[] out = new long[Math.toIntExact(elementCount())];
        data().asLongBuffer().get(out);
        return out;
    }

    public int[] toInts() {
        requireType(DataType.INT32);
        int[] out = new int[Math.toIntExact(elementCount())];
        data().asIntBuffer().get(out);
        return out;
    }

    public byte[] toBytes() {
        byte[] out = new byte[byteSize()];
        data().get(out);
        return out;
    }

    public boolean[] toBools() {
        requireType(DataType.BOOL);
        byte[] bytes = toBytes();
        boolean[] out = new boolean[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[i] != 0;
        }
        return out;
    }

    public List<byte[]> toByteStrings() {
        requireType(DataType.BYTES);
        ByteBuffer b = data();
        List<byte[]> out = new ArrayList<>();
        while (b.hasRemaining()) {
            byte[] e = new byte[b.getInt()];
            b.get(e);
            out.add(e);
        }
        return out;
    }

    public List<String> toStrings() {
        List<String> out = new ArrayList<>();
        for (byte[] e : toByteStrings()) {
            out.add(new String(e, StandardCharsets.UTF_8));
        }
        return out;
    }

    private void requireType(DataType expected) {
        if (datatype != expected) {
            throw new IllegalStateException("tensor '" + name + "' is " + datatype + ", not " + expected);
        }
    }

    private static ByteBuffer allocate(long bytes) {
        return ByteBuffer.allocate(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long countByteElements(String name, ByteBuffer view) {
        long count = 0;
        int pos = 0;
        int limit = view.remaining();
        while (pos < limit) {
            if (limit - pos < 4) {
                throw InferenceException.badInput("BYTES tensor '" + name + "' ends inside an element length");
            }
            int len = view.getInt(pos);
            if (len < 0 || len > limit - pos - 4) {
                throw InferenceException.badInput(
                        "BYTES tensor '" + name + "' has an element of length " + len + " past the end of its data");
            }
            pos += 4 + len;
            count++;
        }
        return count;
    }

    private static String describeCount(int bytes, DataType datatype) {
        return bytes % datatype.byteSize() == 0 ? " (" + bytes / datatype.byteSize() + " elements)" : "";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && name.equals(t.name)
                && datatype == t.datatype
                && shape.equals(t.shape)
                && data.equals(t.data)
                && parameters.equals(t.parameters);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, datatype, shape, data, parameters);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + datatype + shape + ", " + byteSize() + " bytes]";
    }
}
