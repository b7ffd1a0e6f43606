package dev.ember.pool.worker.batching;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A runner's reusable direct buffer: batches are assembled here so ONNX Runtime reads the bytes
 * in place, with one copy per request and no allocation per batch once the arena has grown to
 * the largest batch seen. Owned by one runner thread; regions are valid until the next {@link
 * #reset}.
 */
final class StagingArena {
    private static final int ALIGN = 64;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);
    private int used;

    /** Starts a new batch that will need at most {@code bytes} (before alignment padding). */
    void reset(long bytes, int regions) {
        long needed = bytes + (long) regions * ALIGN;
        if (needed > Integer.MAX_VALUE - ALIGN) {
            throw new IllegalStateException("batch of " + bytes + " bytes exceeds 2 GiB");
        }
        if (buffer.capacity() < needed) {
            buffer = ByteBuffer.allocateDirect((int) Math.max(needed, buffer.capacity() * 2L));
        }
        used = 0;
    }

    /** A fresh little-endian region of {@code bytes}, 64-byte aligned. */
    ByteBuffer allocate(int bytes) {
        int start = (used + ALIGN - 1) / ALIGN * ALIGN;
        ByteBuffer region = buffer.slice(start, bytes).order(ByteOrder.LITTLE_ENDIAN);
        used = start + bytes;
        return region;
    }
}
