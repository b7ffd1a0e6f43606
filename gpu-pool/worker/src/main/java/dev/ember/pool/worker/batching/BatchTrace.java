package dev.ember.pool.worker.batching;

import dev.ember.pool.api.PriorityClass;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;

/**
 * A diagnostic: one CSV line per batch ({@code model,unix_ms,requests,rows,padded_rows,stage_ms,
 * run_ms,split_ms}) appended to the file the JVM property {@code ember.batch.trace} names, next to
 * the observer it wraps. It answers "which batches were slow, and what size were they" where
 * metrics' histograms only give distributions. Off (no wrapper) unless the property is set.
 */
public final class BatchTrace implements BatchObserver {
    public static final String PROPERTY = "ember.batch.trace";
    private static final Object LOCK = new Object();
    private static Writer shared;

    private final String model;
    private final BatchObserver next;
    private final Writer out;

    private BatchTrace(String model, BatchObserver next, Writer out) {
        this.model = model;
        this.next = next;
        this.out = out;
    }

    /** {@code next}, traced if the property is set. */
    public static BatchObserver wrap(String model, BatchObserver next) {
        return file().map(f -> (BatchObserver) new BatchTrace(model, next, writer(f)))
                .orElse(next);
    }

    private static Optional<Path> file() {
        String value = System.getProperty(PROPERTY);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Path.of(value));
    }

    private static Writer writer(Path file) {
        synchronized (LOCK) {
            if (shared == null) {
                try {
                    shared = Files.newBufferedWriter(
                            file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open batch trace " + file, e);
                }
            }
            return shared;
        }
    }

    @Override
    public void batchRan(int requests, long rows, long computeNanos) {
        next.batchRan(requests, rows, computeNanos);
    }

    @Override
    public void batchTimed(BatchTiming t) {
        next.batchTimed(t);
        String line = String.format(
                Locale.ROOT,
                "%s,%d,%d,%d,%d,%.3f,%.3f,%.3f%n",
                model,
                System.currentTimeMillis(),
                t.requests(),
                t.rows(),
                t.paddedRows(),
                t.stageNanos() / 1e6,
                t.runNanos() / 1e6,
                t.splitNanos() / 1e6);
        synchronized (LOCK) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                // A diagnostic must never fail a batch.
            }
        }
    }

    @Override
    public void queued(PriorityClass priority, long nanos) {
        next.queued(priority, nanos);
    }

    @Override
    public void batchIsolated(int requests) {
        next.batchIsolated(requests);
    }

    @Override
    public void failedAlone() {
        next.failedAlone();
    }
}
