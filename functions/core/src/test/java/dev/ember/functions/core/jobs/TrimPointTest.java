package dev.ember.functions.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TrimPointTest {
    private static StreamId id(String s) {
        return StreamId.parse(s);
    }

    @Test
    void theLowestNeedOverAllGroupsBounds() {
        TrimPoint.Group a = new TrimPoint.Group("a", id("5-0"), Optional.of(id("3-0")));
        TrimPoint.Group b = new TrimPoint.Group("b", id("4-0"), Optional.empty());
        assertThat(TrimPoint.of(List.of(a, b))).contains(id("3-0"));
    }

    @Test
    void aGroupWithNothingPendingNeedsOnlyWhatItHasNotReadYet() {
        TrimPoint.Group a = new TrimPoint.Group("a", id("1700000000000-7"), Optional.empty());
        assertThat(TrimPoint.of(List.of(a))).contains(id("1700000000000-8"));
    }

    @Test
    void aGroupBehindTheOthersHoldsTheStream() {
        TrimPoint.Group fast = new TrimPoint.Group("fast", id("9-0"), Optional.empty());
        TrimPoint.Group slow = new TrimPoint.Group("slow", id("0-0"), Optional.empty());
        assertThat(TrimPoint.of(List.of(fast, slow))).contains(id("0-1"));
    }

    @Test
    void noGroupNoTrim() {
        assertThat(TrimPoint.of(List.of())).isEmpty();
    }

    @Test
    void streamIdsOrderAsRedisOrdersThem() {
        assertThat(id("10-0")).isGreaterThan(id("9-99"));
        assertThat(id("5-2")).isGreaterThan(id("5-1"));
        assertThat(id("7")).isEqualTo(id("7-0"));
        assertThat(id("3-4").toString()).isEqualTo("3-4");
    }
}
