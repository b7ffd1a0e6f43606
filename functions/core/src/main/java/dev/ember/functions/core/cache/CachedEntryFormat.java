package dev.ember.functions.core.cache;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceResponse;
import dev.ember.pool.api.Parameters;
import dev.ember.pool.api.Shape;
import dev.ember.pool.api.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The compact binary form of a cached answer: a header, then each output as name, datatype,
 * shape and its raw little-endian bytes — no JSON, no number formatting. Decoding is
 * zero-copy for tensor data (slices of the stored bytes). A value that is not in this format (an
 * older format, a foreign key) decodes to empty and counts as a miss.
 *
 * <pre>
 * 'E' 'C' 1 | freshUntil epoch ms (8) | model name | model version | n outputs (4)
 *   per output: name | datatype ordinal (1) | rank (1) | dims (8 each) | byte length (4) | bytes
 * strings: length (4, -1 for null) then UTF-8
 * </pre>
 */
public final class CachedEntryFormat {
    private static final byte[] MAGIC = {'E', 'C', 1};

    private CachedEntryFormat() {}

    public static byte[] encode(CachedEntry entry) {
        InferenceResponse r = entry.response();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeLong(entry.freshUntil().toEpochMilli());
            string(out, r.modelName());
            string(out, r.modelVersion());
            out.writeInt(r.outputs().size());
            for (Tensor t : r.outputs()) {
                string(out, t.name());
                out.writeByte(t.datatype().ordinal());
                long[] dims = t.shape().toArray();
                out.writeByte(dims.length);
                for (long d : dims) {
                    out.writeLong(d);
                }
                out.writeInt(t.byteSize());
                t.writeData(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** The length {@link #encode} gives, without encoding. */
    public static long sizeOf(CachedEntry entry) {
        InferenceResponse r = entry.response();
        long size = MAGIC.length + 8 + stringSize(r.modelName()) + stringSize(r.modelVersion()) + 4;
        for (Tensor t : r.outputs()) {
            size += stringSize(t.name()) + 2 + 8L * t.shape().rank() + 4 + t.byteSize();
        }
        return size;
    }

    public static Optional<CachedEntry> decode(byte[] value) {
        try {
            ByteBuffer in = ByteBuffer.wrap(value); // headers big-endian, as DataOutputStream writes
            for (byte m : MAGIC) {
                if (in.get() != m) {
                    return Optional.empty();
                }
            }
            Instant freshUntil = Instant.ofEpochMilli(in.getLong());
            String model = string(in);
            String version = string(in);
            int n = in.getInt();
            List<Tensor> outputs = new ArrayList<>(n);
            DataType[] types = DataType.values();
            for (int i = 0; i < n; i++) {
                String name = string(in);
                DataType type = types[in.get()];
                long[] dims = new long[in.get()];
                for (int d = 0; d < dims.length; d++) {
                    dims[d] = in.getLong();
                }
                int length = in.getInt();
                ByteBuffer data = in.slice(in.position(), length).order(ByteOrder.LITTLE_ENDIAN);
                in.position(in.position() + length);
                outputs.add(Tensor.of(name, type, Shape.of(dims), data));
            }
            return Optional.of(new CachedEntry(
                    new InferenceResponse(model, version, null, Parameters.EMPTY, outputs), freshUntil));
        } catch (RuntimeException e) { // truncated or foreign bytes
            return Optional.empty();
        }
    }

    private static void string(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static long stringSize(String s) {
        return 4 + (s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length);
    }

    private static String string(ByteBuffer in) {
        int n = in.getInt();
        if (n < 0) {
            return null;
        }
        byte[] b = new byte[n];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
