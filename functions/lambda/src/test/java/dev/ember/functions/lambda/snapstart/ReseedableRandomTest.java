package dev.ember.functions.lambda.snapstart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** After a restore every thread draws from a new seed, so copies of one snapshot do not draw alike. */
class ReseedableRandomTest {
    @Test
    void aThreadKeepsItsSequenceUntilReseededThenStartsANewOne() {
        AtomicLong seeds = new AtomicLong(41);
        ReseedableRandom random = new ReseedableRandom(seeds::incrementAndGet);
        SplittableRandom first = new SplittableRandom(42);
        SplittableRandom second = new SplittableRandom(43);

        assertThat(random.nextLong()).isEqualTo(first.nextLong());
        assertThat(random.nextLong()).isEqualTo(first.nextLong());
        random.reseed();
        assertThat(random.nextLong()).isEqualTo(second.nextLong());
        assertThat(random.nextLong()).isEqualTo(second.nextLong());
    }

    @Test
    void eachThreadHasItsOwnGenerator() throws Exception {
        AtomicLong seeds = new AtomicLong();
        ReseedableRandom random = new ReseedableRandom(seeds::incrementAndGet);
        random.nextLong();
        Thread other = new Thread(random::nextLong);
        other.start();
        other.join();

        assertThat(seeds.get()).isEqualTo(2);
    }

    @Test
    void theDefaultSeedsDifferBetweenInstances() {
        assertThat(new ReseedableRandom().nextLong()).isNotEqualTo(new ReseedableRandom().nextLong());
    }
}
