package dev.ember.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class SideBySideTest {
    @Test
    void phasesAreInterleavedAndRatiosTakenWithinEachRepetition() {
        List<String> order = new ArrayList<>();
        Iterator<Double> a = List.of(100.0, 50.0, 110.0).iterator(); // repetition 2 hit by a neighbour
        Iterator<Double> b = List.of(200.0, 100.0, 200.0).iterator(); // ... which slowed both phases
        SideBySide s = new SideBySide()
                .phase("a", () -> {
                    order.add("a");
                    return a.next();
                })
                .phase("b", () -> {
                    order.add("b");
                    return b.next();
                })
                .run(3);
        assertThat(order).containsExactly("a", "b", "a", "b", "a", "b");
        SideBySide.Ratio r = s.ratio("a", "b");
        assertThat(r.each()).containsExactly(0.5, 0.5, 0.55);
        assertThat(r.median()).isEqualTo(0.5);
        assertThat(r.min()).isEqualTo(0.5);
        assertThat(r.max()).isEqualTo(0.55);
        assertThat(r.trusted()).isTrue();
        assertThat(s.median("a")).isEqualTo(100.0);
    }

    @Test
    void aSpreadBeyondFifteenPercentIsNotTrusted() {
        assertThat(SideBySide.Ratio.of(new double[] {1.0, 0.8, 1.0}).trusted()).isFalse();
        assertThat(SideBySide.Ratio.of(new double[] {1.0, 0.9, 1.1}).trusted()).isTrue();
    }

    @Test
    void fewerThanThreeRepetitionsIsRefused() {
        assertThatThrownBy(() -> new SideBySide().phase("a", () -> 1).run(2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheMiddleTwo() {
        assertThat(SideBySide.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
    }
}
