package dev.ember.functions.lambda.snapstart;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * A per-thread random source that can be re-seeded, for state that a snapshot would otherwise copy
 * into every instance restored from it. {@code ThreadLocalRandom} cannot be: its per-thread seeds
 * and its seeder live in the image, so every copy of a SnapStart version would draw the same
 * sequence. Here each thread's generator is tagged with an epoch; {@link #reseed} starts a new one,
 * and each thread's next draw seeds afresh (from {@code SecureRandom}, which reads the restored
 * machine's entropy).
 */
public final class ReseedableRandom implements RandomGenerator {
    private record Seeded(int epoch, SplittableRandom random) {}

    private final LongSupplier seeds;
    private final ThreadLocal<Seeded> current = new ThreadLocal<>();
    private volatile int epoch;

    public ReseedableRandom() {
        this(new SecureRandom()::nextLong);
    }

    /** With the seeds of the caller's choosing (tests). */
    ReseedableRandom(LongSupplier seeds) {
        this.seeds = seeds;
    }

    /** Every thread's next draw starts from a new seed. */
    public void reseed() {
        epoch++;
    }

    @Override
    public long nextLong() {
        Seeded s = current.get();
        int now = epoch;
        if (s == null || s.epoch() != now) {
            s = new Seeded(now, new SplittableRandom(seed()));
            current.set(s);
        }
        return s.random().nextLong();
    }

    private synchronized long seed() {
        return seeds.getAsLong();
    }
}
