package dev.ember.pool.api.codec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A growable little-endian byte array that tensor elements are decoded into, one primitive at a time. */
final class ByteSink {
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle DOUBLE =
            MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.LITTLE_ENDIAN);

    /**
     * First allocation at most: the shape's claim is only a claim until the data arrives. Forty
     * inputs of shape [4194304] with {@code "data": []} fit in 2 KiB of JSON but would otherwise
     * take 640 MiB before the element count is checked.
     */
    private static final int MAX_INITIAL_CAPACITY = 16 << 10;

    private final long expectedBytes;
    private byte[] bytes;
    private int size;
    private long elements;

    /**
     * @param expectedBytes the size the tensor's shape claims, or -1 if unknown; growth stops there
     *     first, so data that matches its shape ends in an array of exactly its size
     */
    ByteSink(long expectedBytes) {
        this.expectedBytes = expectedBytes;
        bytes = new byte[(int) Math.max(16, Math.min(MAX_INITIAL_CAPACITY, expectedBytes))];
    }

    long elements() {
        return elements;
    }

    void putByte(byte v) {
        ensure(1);
        bytes[size++] = v;
        elements++;
    }

    void putShort(short v) {
        ensure(2);
        SHORT.set(bytes, size, v);
        size += 2;
        elements++;
    }

    void putInt(int v) {
        ensure(4);
        INT.set(bytes, size, v);
        size += 4;
        elements++;
    }

    void putLong(long v) {
        ensure(8);
        LONG.set(bytes, size, v);
        size += 8;
        elements++;
    }

    void putFloat(float v) {
        ensure(4);
        FLOAT.set(bytes, size, v);
        size += 4;
        elements++;
    }

    void putDouble(double v) {
        ensure(8);
        DOUBLE.set(bytes, size, v);
        size += 8;
        elements++;
    }

    /** One BYTES element: its length, then its bytes. */
    void putByteString(byte[] v) {
        ensure(4 + v.length);
        INT.set(bytes, size, v.length);
        System.arraycopy(v, 0, bytes, size + 4, v.length);
        size += 4 + v.length;
        elements++;
    }

    ByteBuffer toBuffer() {
        return ByteBuffer.wrap(bytes, 0, size).order(ByteOrder.LITTLE_ENDIAN);
    }

    private void ensure(int more) {
        if (bytes.length - size < more) {
            long needed = (long) size + more;
            long wanted = Math.max((long) bytes.length * 2, needed);
            if (expectedBytes >= needed) {
                wanted = Math.min(wanted, expectedBytes);
            }
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalStateException("tensor data over 2 GiB");
            }
            byte[] grown = new byte[(int) wanted];
            System.arraycopy(bytes, 0, grown, 0, size);
            bytes = grown;
        }
    }
}
