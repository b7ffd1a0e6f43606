package dev.ember.pool.api.codec;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ember.pool.api.Float16;
import dev.ember.pool.api.Tensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Writes a tensor's elements as a flat JSON array, reading them straight from its bytes. */
final class TensorDataWriter {
    private TensorDataWriter() {}

    static void write(JsonGenerator g, Tensor tensor) throws IOException {
        ByteBuffer b = tensor.data();
        int n = Math.toIntExact(tensor.elementCount());
        g.writeStartArray();
        switch (tensor.datatype()) {
            case FP32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getFloat(i * 4));
                }
            }
            case FP64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getDouble(i * 8));
                }
            }
            case FP16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Float16.toFloat(b.getShort(i * 2)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(Float16.bf16ToFloat(b.getShort(i * 2)));
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.get(i));
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.get(i) & 0xff);
                }
            }
            case INT16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getShort(i * 2));
                }
            }
            case UINT16 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getShort(i * 2) & 0xffff);
                }
            }
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getInt(i * 4));
                }
            }
            case UINT32 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getInt(i * 4) & 0xffffffffL);
                }
            }
            case INT64 -> {
                for (int i = 0; i < n; i++) {
                    g.writeNumber(b.getLong(i * 8));
                }
            }
            case UINT64 -> {
                for (int i = 0; i < n; i++) {
                    long v = b.getLong(i * 8);
                    if (v >= 0) {
                        g.writeNumber(v);
                    } else {
                        g.writeNumber(new BigInteger(Long.toUnsignedString(v)));
                    }
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    g.writeBoolean(b.get(i) != 0);
                }
            }
            case BYTES -> {
                while (b.hasRemaining()) {
                    byte[] e = new byte[b.getInt()];
                    b.get(e);
                    g.writeString(new String(e, StandardCharsets.UTF_8));
                }
            }
        }
        g.writeEndArray();
    }
}
