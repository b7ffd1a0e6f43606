package dev.ember.load.run;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Reads a {@link MetricsSource} once a second on its own thread while a run goes. */
public final class MetricsSampler implements AutoCloseable {
    /** The series at {@code seconds} after the run's start. */
    public record Sample(double seconds, Map<String, Double> series) {}

    private final MetricsSource source;
    private final long startNanos;
    private final List<Sample> samples = new ArrayList<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "ember-load-metrics");
        t.setDaemon(true);
        return t;
    });

    /** Starts sampling now; times are measured from {@code startNanos} ({@link System#nanoTime}). */
    public MetricsSampler(MetricsSource source, long startNanos) {
        this.source = source;
        this.startNanos = startNanos;
        thread.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
    }

    private void sample() {
        long now = System.nanoTime();
        source.read().ifPresent(s -> {
            synchronized (samples) {
                samples.add(new Sample((now - startNanos) / 1e9, s));
            }
        });
    }

    /** Stops, takes one last sample, and returns them all in time order. */
    public List<Sample> stop() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
