package dev.ember.bench;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Recorder;

/**
 * {@code clients} concurrent callers, each sending its next request when its last one answered,
 * for a fixed time after a warmup. Records completions, failures and latency (µs).
 */
final class ClosedLoopLoad {
    /** What one measured phase saw. */
    record Result(long completed, long failed, Duration elapsed, double p50Ms, double p99Ms) {
        double throughput() {
            return completed / (elapsed.toNanos() / 1e9);
        }
    }

    private ClosedLoopLoad() {}

    static Result run(int clients, Duration warmup, Duration measure, Supplier<CompletableFuture<?>> call)
            throws InterruptedException {
        Recorder latencies = new Recorder(3);
        AtomicLong completed = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long stopAt = measureFrom + measure.toNanos();
        CountDownLatch done = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            next(call, latencies, completed, failed, measureFrom, stopAt, done);
        }
        if (!done.await(warmup.plus(measure).plusSeconds(60).toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("load did not finish: requests hang");
        }
        var histogram = latencies.getIntervalHistogram();
        return new Result(
                completed.get(),
                failed.get(),
                measure,
                histogram.getValueAtPercentile(50) / 1000.0,
                histogram.getValueAtPercentile(99) / 1000.0);
    }

    private static void next(
            Supplier<CompletableFuture<?>> call,
            Recorder latencies,
            AtomicLong completed,
            AtomicLong failed,
            long measureFrom,
            long stopAt,
            CountDownLatch done) {
        long sent = System.nanoTime();
        if (sent >= stopAt) {
            done.countDown();
            return;
        }
        CompletableFuture<?> f = call.get();
        // A call that completed at once would otherwise recurse on this stack.
        Executor then = f.isDone() ? ForkJoinPool.commonPool() : Runnable::run;
        f.whenCompleteAsync(
                (r, e) -> {
                    long now = System.nanoTime();
                    if (sent >= measureFrom && now <= stopAt) {
                        if (e == null) {
                            completed.incrementAndGet();
                            latencies.recordValue((now - sent) / 1000);
                        } else {
                            failed.incrementAndGet();
                        }
                    }
                    next(call, latencies, completed, failed, measureFrom, stopAt, done);
                },
                then);
    }
}
