package dev.ember.pool.worker.batching;

import dev.ember.pool.api.DataType;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinPool;

/**
 * Stacks requests into one batch along dimension 0 and splits the batch's outputs back. Row-major
 * layout makes both byte operations: stacking is concatenation, a request's rows are a contiguous
 * slice (for BYTES, a run of length-prefixed elements).
 */
final class BatchAssembler {
    private BatchAssembler() {}

    /** Copies each input of every request into the arena, stacked in request order. */
    static Map<String, Tensor> stack(List<PendingRequest> batch, StagingArena arena, boolean batched) {
        return stack(batch, arena, batched, rows(batch));
    }

    /**
     * As {@link #stack(List, StagingArena, boolean)}, followed by zero rows up to {@code paddedRows}
     * (a batched model only; an input of BYTES is never padded, so pass the real rows for those).
     */
    static Map<String, Tensor> stack(List<PendingRequest> batch, StagingArena arena, boolean batched, long paddedRows) {
        PendingRequest first = batch.get(0);
        long rows = rows(batch);
        long padRows = batched ? paddedRows - rows : 0;
        if (padRows < 0) {
            throw new IllegalArgumentException("cannot pad " + rows + " rows to " + paddedRows);
        }
        long totalBytes = 0;
        for (PendingRequest r : batch) {
            for (Tensor t : r.inputs.values()) {
                totalBytes += t.byteSize();
            }
        }
        for (Tensor t : first.inputs.values()) {
            totalBytes += padRows * (t.byteSize() / first.rows);
        }
        arena.reset(totalBytes, first.inputs.size());
        Map<String, Tensor> stacked = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : first.inputs.entrySet()) {
            String name = e.getKey();
            Tensor proto = e.getValue();
            long bytes = 0;
            for (PendingRequest r : batch) {
                bytes += r.inputs.get(name).byteSize();
            }
            long padBytes = padRows * (proto.byteSize() / first.rows);
            ByteBuffer region = arena.allocate(Math.toIntExact(bytes + padBytes));
            List<ByteBuffer> sources = new ArrayList<>(batch.size());
            for (PendingRequest r : batch) {
                sources.add(r.inputs.get(name).data());
            }
            copy(sources, region, bytes >= PARALLEL_COPY_BYTES && ForkJoinPool.getCommonPoolParallelism() > 1);
            region.position(Math.toIntExact(bytes));
            zero(region, padBytes);
            region.flip();
            stacked.put(
                    name,
                    Tensor.of(
                            name,
                            proto.datatype(),
                            batched ? proto.shape().withBatch(rows + padRows) : proto.shape(),
                            region));
        }
        return stacked;
    }

    /**
     * Copies {@code sources} one after another into {@code region} from its start. A large batch
     * (a batch of 16 640×640 images is 79 MB) is copied in 1 MiB pieces on the common fork-join
     * pool: on the H200 host one thread staged it in 18 ms, a third of the GPU's time for the batch.
     * The region's position is left alone.
     */
    static void copy(List<ByteBuffer> sources, ByteBuffer region, boolean inParallel) {
        if (!inParallel) {
            int at = 0;
            for (ByteBuffer src : sources) {
                region.put(at, src, src.position(), src.remaining());
                at += src.remaining();
            }
            return;
        }
        List<Piece> pieces = new ArrayList<>();
        int at = 0;
        for (ByteBuffer src : sources) {
            for (int off = 0; off < src.remaining(); off += COPY_PIECE_BYTES) {
                int length = Math.min(COPY_PIECE_BYTES, src.remaining() - off);
                pieces.add(new Piece(src, src.position() + off, at + off, length));
            }
            at += src.remaining();
        }
        // Absolute puts leave every buffer's position alone, so the pieces share them safely.
        pieces.parallelStream().forEach(p -> region.put(p.to(), p.source(), p.from(), p.length()));
    }

    /** {@code length} bytes of {@code source} from {@code from}, to go at {@code to} in the region. */
    private record Piece(ByteBuffer source, int from, int to, int length) {}

    private static final long PARALLEL_COPY_BYTES = 8L << 20;
    private static final int COPY_PIECE_BYTES = 1 << 20;

    private static long rows(List<PendingRequest> batch) {
        long rows = 0;
        for (PendingRequest r : batch) {
            rows += r.rows;
        }
        return rows;
    }

    private static void zero(ByteBuffer region, long bytes) {
        long left = bytes;
        while (left >= Long.BYTES) {
            region.putLong(0L);
            left -= Long.BYTES;
        }
        while (left-- > 0) {
            region.put((byte) 0);
        }
    }

    /**
     * Gives each request its rows of every output it asked for (all outputs if it named none).
     *
     * @throws InferenceException MODEL_ERROR if an output's dimension 0 is not the batch's rows
     */
    static List<Map<String, Tensor>> split(Map<String, Tensor> outputs, List<PendingRequest> batch, boolean batched) {
        return split(outputs, batch, batched, rows(batch));
    }

    /**
     * As {@link #split(Map, List, boolean)} for a batch that ran padded to {@code paddedRows}: the
     * outputs' rows past the requests' are the padding's and are dropped.
     */
    static List<Map<String, Tensor>> split(
            Map<String, Tensor> outputs, List<PendingRequest> batch, boolean batched, long paddedRows) {
        List<Map<String, Tensor>> out = new ArrayList<>(batch.size());
        if (!batched) {
            for (PendingRequest r : batch) {
                out.add(select(outputs, r));
            }
            return out;
        }
        long total = rows(batch);
        Map<String, List<Tensor>> perOutput = new HashMap<>();
        for (Tensor t : outputs.values()) {
            if (t.shape().rank() == 0 || t.shape().dim(0) != paddedRows) {
                throw new InferenceException(
                        InferenceException.Reason.MODEL_ERROR,
                        "output '" + t.name() + "' has shape " + t.shape() + " but the batch has " + paddedRows
                                + " rows; if dimension 0 of this model is not a batch dimension, set max_batch_size: 0"
                                + " in its config.yaml");
            }
            perOutput.put(t.name(), slices(t, batch, paddedRows, total));
        }
        for (int i = 0; i < batch.size(); i++) {
            Map<String, Tensor> mine = new LinkedHashMap<>();
            for (Tensor t : outputs.values()) {
                if (wants(batch.get(i), t.name())) {
                    mine.put(t.name(), perOutput.get(t.name()).get(i));
                }
            }
            out.add(mine);
        }
        return out;
    }

    private static List<Tensor> slices(Tensor t, List<PendingRequest> batch, long paddedRows, long total) {
        List<Tensor> slices = new ArrayList<>(batch.size());
        ByteBuffer data = t.data();
        if (batch.size() == 1 && paddedRows == total) {
            slices.add(t);
            return slices;
        }
        long elementsPerRow = t.elementCount() / paddedRows;
        int offset = 0;
        for (PendingRequest r : batch) {
            int length;
            if (t.datatype() == DataType.BYTES) {
                length = byteStringsLength(data, offset, elementsPerRow * r.rows);
            } else {
                length = Math.toIntExact(r.rows * elementsPerRow * t.datatype().byteSize());
            }
            slices.add(Tensor.of(t.name(), t.datatype(), t.shape().withBatch(r.rows), data.slice(offset, length)));
            offset += length;
        }
        return slices;
    }

    private static int byteStringsLength(ByteBuffer data, int offset, long elements) {
        int pos = offset;
        for (long i = 0; i < elements; i++) {
            pos += 4 + data.getInt(pos);
        }
        return pos - offset;
    }

    private static Map<String, Tensor> select(Map<String, Tensor> outputs, PendingRequest r) {
        Map<String, Tensor> mine = new LinkedHashMap<>();
        outputs.forEach((name, t) -> {
            if (wants(r, name)) {
                mine.put(name, t);
            }
        });
        return mine;
    }

    private static boolean wants(PendingRequest r, String output) {
        return r.outputs.isEmpty() || r.outputs.contains(output);
    }
}
