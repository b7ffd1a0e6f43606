package dev.ember.functions.core.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.PriorityClass;
import org.junit.jupiter.api.Test;

class PlanTest {
    @Test
    void capLowersAskingAboveThePlanAndKeepsTheRest() {
        Plan pro = new Plan("pro", 100, 200, PriorityClass.REALTIME);
        assertThat(pro.cap(PriorityClass.VIP)).isEqualTo(PriorityClass.REALTIME);
        assertThat(pro.cap(PriorityClass.REALTIME)).isEqualTo(PriorityClass.REALTIME);
        assertThat(pro.cap(PriorityClass.ASYNC)).isEqualTo(PriorityClass.ASYNC);
        assertThat(pro.cap(PriorityClass.BATCH)).isEqualTo(PriorityClass.BATCH);

        Plan free = new Plan("free", 5, 10, PriorityClass.BATCH);
        for (PriorityClass c : PriorityClass.values()) {
            assertThat(free.cap(c)).isEqualTo(PriorityClass.BATCH);
        }
        for (PriorityClass c : PriorityClass.values()) {
            assertThat(Plan.UNLIMITED.cap(c)).isEqualTo(c);
        }
    }

    @Test
    void unlimitedOnlyForInfiniteRate() {
        assertThat(Plan.UNLIMITED.unlimited()).isTrue();
        assertThat(new Plan("big", 1e9, Integer.MAX_VALUE, PriorityClass.VIP).unlimited())
                .isFalse();
    }

    @Test
    void rateAndBurstMustBePositive() {
        assertThatThrownBy(() -> new Plan("p", 0, 1, PriorityClass.VIP)).hasMessageContaining("rate_per_second");
        assertThatThrownBy(() -> new Plan("p", Double.NaN, 1, PriorityClass.VIP))
                .hasMessageContaining("rate_per_second");
        assertThatThrownBy(() -> new Plan("p", 1, 0, PriorityClass.VIP)).hasMessageContaining("burst");
    }
}
