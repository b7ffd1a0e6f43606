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

/**
 * Stacks requests into one batch along dimension 0 and splits the batch's outputs back. Row-major
 * layout makes both byte operations: stacking is concatenation, a request's rows are a contiguous
 * slice (for BYTES, a run of length-prefixed elements).
 */
final class BatchAssembler {
    private BatchAssembler() {}

    /** Copies each input of every request into the arena, stacked in request order. */
    static Map<String, Tensor> stack(List<PendingRequest> batch, StagingArena arena, boolean batched) {
        PendingRequest first = batch.get(0);
        long totalBytes = 0;
        for (PendingRequest r : batch) {
            for (Tensor t : r.inputs.values()) {
                totalBytes += t.byteSize();
            }
        }
        arena.reset(totalBytes, first.inputs.size());
        long rows = 0;
        for (PendingRequest r : batch) {
            rows += r.rows;
        }
        Map<String, Tensor> stacked = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : first.inputs.entrySet()) {
            String name = e.getKey();
            Tensor proto = e.getValue();
            int bytes = 0;
            for (PendingRequest r : batch) {
                bytes += r.inputs.get(name).byteSize();
            }
            ByteBuffer region = arena.allocate(bytes);
            for (PendingRequest r : batch) {
                region.put(r.inputs.get(name).data());
            }
            region.flip();
            stacked.put(
                    name,
                    Tensor.of(name, proto.datatype(), batched ? proto.shape().withBatch(rows) : proto.shape(), region));
        }
        return stacked;
    }

    /**
     * Gives each request its rows of every output it asked for (all outputs if it named none).
     *
     * @throws InferenceException MODEL_ERROR if an output's dimension 0 is not the batch's rows
     */
    static List<Map<String, Tensor>> split(Map<String, Tensor> outputs, List<PendingRequest> batch, boolean batched) {
        List<Map<String, Tensor>> out = new ArrayList<>(batch.size());
        if (!batched) {
            for (PendingRequest r : batch) {
                out.add(select(outputs, r));
            }
            return out;
        }
        long total = 0;
        for (PendingRequest r : batch) {
            total += r.rows;
        }
        Map<String, List<Tensor>> perOutput = new HashMap<>();
        for (Tensor t : outputs.values()) {
            if (t.shape().rank() == 0 || t.shape().dim(0) != total) {
                throw new InferenceException(
                        InferenceException.Reason.MODEL_ERROR,
                        "output '" + t.name() + "' has shape " + t.shape() + " but the batch has " + total
                                + " rows; if dimension 0 of this model is not a batch dimension, set max_batch_size: 0"
                                + " in its config.yaml");
            }
            perOutput.put(t.name(), slices(t, batch, total));
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

    private static List<Tensor> slices(Tensor t, List<PendingRequest> batch, long total) {
        List<Tensor> slices = new ArrayList<>(batch.size());
        ByteBuffer data = t.data();
        if (batch.size() == 1) {
            slices.add(t);
            return slices;
        }
        long elementsPerRow = t.elementCount() / total;
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
