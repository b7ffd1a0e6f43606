package dev.ember.functions.core.admission;

import dev.ember.pool.api.PriorityClass;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * The front door's own priority admission for one model: a cheap decision taken before the cache,
 * Redis or the pool see a request, so that when the machine is saturated a vip request keeps a short
 * path instead of queueing behind realtime ones in every layer before the pool's priority order ever
 * applies. Pure: no threads, no clock (times are nanoseconds passed in); thread-safe (one lock).
 *
 * <p><b>The limit.</b> Requests in flight (admitted, not yet answered) are counted. vip is always
 * admitted here (the pool's own caps still apply to it); realtime is admitted while fewer than
 * {@code limit} requests are in flight, async below half of it, batch below a quarter (at least
 * one each) — but a class is only held back while a higher class was admitted within the last two
 * intervals: with nothing above it to protect, shedding it would only lose answers and hide its
 * demand from the autoscaler. The limit moves once per {@link AdmissionSettings#interval} with the latency of the
 * answers the pool computed in it (cache hits say nothing about the machine's load): the
 * <em>floor</em> is the fastest computed answer over {@link AdmissionSettings#floorWindow}; an
 * interval is <em>congested</em> when it has at least {@link AdmissionSettings#minSamples} computed
 * answers and their mean is over {@link AdmissionSettings#tolerance} × the floor. A congested
 * interval sets the limit to {@code max(minLimit, β × min(limit, most in flight in the interval))}
 * (β = 0.9, so it binds at once); an interval that is not congested raises it by {@code max(1,
 * limit / 8)} up to {@code maxLimit}. Until a floor is measured nothing is refused.
 *
 * <p>Worked example (tolerance 3, minLimit 2): answers take 3 ms at rest (the floor). Overload
 * arrives: 300 requests in flight, mean latency 400 ms, 133× the floor → limit = 0.9 × 300 = 270;
 * the next interval, still congested at 270 in flight → 243, … A realtime arrival finding 243 in
 * flight is answered 429 at once. Within a few seconds the limit is where the mean answer takes
 * about 3 × 3 ms = 9 ms (on two cores, a handful of requests); a vip arrival finds the pool's
 * queues short and is answered in about its unloaded time. When the overload ends the mean falls
 * under 9 ms and the limit grows back by an eighth per interval.
 *
 * <p>Why a latency-driven limit and not a fixed one: the number of requests a model can usefully
 * hold depends on its size, the machine and how many workers it has now; the floor and the mean
 * are measured, the limit follows them. A cold start (answers waiting for a worker to start) looks
 * like congestion only when enough answers come back in one interval; it then sets the limit to what
 * was in flight, not below, so a burst that arrives at zero workers is not shed for it.
 */
public final class PriorityAdmission {
    private static final double BACKOFF = 0.9;

    /** Why a request was not let in, and when to come back. */
    public record Refusal(String reason, Duration retryAfter) {}

    private final AdmissionSettings settings;
    private final long intervalNanos;
    /** Per interval of the floor window: the fastest computed answer in it (Long.MAX_VALUE: none). */
    private final long[] minima;

    /** When a request of each class was last admitted (Long.MIN_VALUE: never). */
    private final long[] lastAdmitted = new long[PriorityClass.values().length];

    private int inFlight;
    private double limit;
    private long intervalStart = Long.MIN_VALUE;
    private int slot;
    private long sumNanos;
    private int samples;
    private int peakInFlight;
    /** Computed answers per second, from the last interval that had any. */
    private double answersPerSecond;

    public PriorityAdmission(AdmissionSettings settings) {
        this.settings = settings;
        this.intervalNanos = settings.interval().toNanos();
        this.minima = new long[(int) Math.max(1, settings.floorWindow().toNanos() / intervalNanos)];
        java.util.Arrays.fill(minima, Long.MAX_VALUE);
        java.util.Arrays.fill(lastAdmitted, Long.MIN_VALUE);
        this.limit = settings.maxLimit();
    }

    /**
     * Lets a request of class {@code c} in (counting it in flight until {@link #finished}), or says
     * why not.
     */
    public synchronized Optional<Refusal> admit(PriorityClass c, long nowNanos) {
        roll(nowNanos);
        int allowed = higherClassAround(c, nowNanos) ? allowed(c) : Integer.MAX_VALUE;
        if (inFlight >= allowed) {
            long floor = floor();
            return Optional.of(new Refusal(
                    String.format(
                            Locale.ROOT,
                            "%d requests are in flight, and while answers take over %.0f× the fastest (%.1f ms),"
                                    + " %s requests are admitted below %d",
                            inFlight,
                            settings.tolerance(),
                            floor == Long.MAX_VALUE ? 0.0 : floor / 1e6,
                            c.wireName(),
                            allowed),
                    retryAfter()));
        }
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        lastAdmitted[c.ordinal()] = nowNanos;
        return Optional.empty();
    }

    /**
     * Whether a class above {@code c} was admitted within the last two intervals. Holding {@code c}
     * back protects those classes only; with none of them around it would only lose answers (and
     * hide the demand from the autoscaler, which then never adds the workers a rising day needs).
     */
    private boolean higherClassAround(PriorityClass c, long nowNanos) {
        for (int k = 0; k < c.ordinal(); k++) {
            if (lastAdmitted[k] != Long.MIN_VALUE && nowNanos - lastAdmitted[k] <= 2 * intervalNanos) {
                return true;
            }
        }
        return false;
    }

    /**
     * An admitted request ended after {@code latencyNanos}; {@code computed} if the pool computed
     * its answer (not a cache hit, not a failure).
     */
    public synchronized void finished(long latencyNanos, boolean computed, long nowNanos) {
        inFlight = Math.max(0, inFlight - 1);
        roll(nowNanos);
        if (computed) {
            sumNanos += latencyNanos;
            samples++;
            minima[slot] = Math.min(minima[slot], latencyNanos);
        }
    }

    /** The requests realtime may find in flight and still be admitted, now. */
    public synchronized int limit() {
        return (int) Math.floor(limit);
    }

    public synchronized int inFlight() {
        return inFlight;
    }

    private int allowed(PriorityClass c) {
        if (!settings.enabled()) {
            return Integer.MAX_VALUE;
        }
        int l = (int) Math.floor(limit);
        return switch (c) {
            case VIP -> Integer.MAX_VALUE;
            case REALTIME -> Math.max(1, l);
            case ASYNC -> Math.max(1, l / 2);
            case BATCH -> Math.max(1, l / 4);
        };
    }

    /** Closes the intervals that ended before {@code nowNanos}, moving the limit for each. */
    private void roll(long nowNanos) {
        if (intervalStart == Long.MIN_VALUE) {
            intervalStart = nowNanos;
            return;
        }
        if (nowNanos - intervalStart < intervalNanos) {
            return;
        }
        close();
        long passed = (nowNanos - intervalStart) / intervalNanos;
        // Intervals with nothing in them (quiet time) raise the limit as uncongested ones would.
        for (long i = 1; i < Math.min(passed, minima.length + 1L); i++) {
            advance();
            limit = Math.min(settings.maxLimit(), limit + Math.max(1, limit / 8));
        }
        advance();
        intervalStart += passed * intervalNanos;
    }

    private void close() {
        long floor = floor();
        if (samples > 0) {
            answersPerSecond = samples / (intervalNanos / 1e9);
        }
        boolean measured = floor != Long.MAX_VALUE;
        boolean congested = measured
                && samples >= settings.minSamples()
                && (double) sumNanos / samples > settings.tolerance() * floor;
        if (congested) {
            limit = Math.max(settings.minLimit(), BACKOFF * Math.min(limit, Math.max(peakInFlight, inFlight)));
        } else {
            limit = Math.min(settings.maxLimit(), limit + Math.max(1, limit / 8));
        }
    }

    private void advance() {
        slot = (slot + 1) % minima.length;
        minima[slot] = Long.MAX_VALUE;
        sumNanos = 0;
        samples = 0;
        peakInFlight = inFlight;
    }

    private long floor() {
        long f = Long.MAX_VALUE;
        for (long m : minima) {
            f = Math.min(f, m);
        }
        return f;
    }

    /** ceil((in flight + 1) / answers per second), 1 to 60 s; 1 s before any answer. */
    private Duration retryAfter() {
        if (!(answersPerSecond > 0)) {
            return Duration.ofSeconds(1);
        }
        long s = (long) Math.ceil((inFlight + 1) / answersPerSecond);
        return Duration.ofSeconds(Math.max(1, Math.min(60, s)));
    }
}
