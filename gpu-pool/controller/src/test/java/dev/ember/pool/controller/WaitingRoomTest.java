package dev.ember.pool.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.pool.api.PriorityClass;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WaitingRoomTest {
    private static final long MS = 1_000_000;
    private final WaitingRoom<String> room =
            new WaitingRoom<>(Map.of(PriorityClass.VIP, 2, PriorityClass.REALTIME, 3), 100);

    private static WaitingRoom.Entry<String> entry(PriorityClass c, String name, long deadlineMs) {
        return new WaitingRoom.Entry<>(c, 0, deadlineMs * MS, name);
    }

    @Test
    void aVipRequestLeavesBeforeEveryRealtimeOneThatCameEarlier() {
        room.offer(entry(PriorityClass.REALTIME, "r1", 10_000), 0, 0, 0);
        room.offer(entry(PriorityClass.REALTIME, "r2", 10_000), 0, 0, 0);
        room.offer(entry(PriorityClass.VIP, "v1", 10_000), 0, 0, 0);

        assertThat(room.poll().orElseThrow().item()).isEqualTo("v1");
        assertThat(room.poll().orElseThrow().item()).isEqualTo("r1");
        assertThat(room.poll().orElseThrow().item()).isEqualTo("r2");
        assertThat(room.poll()).isEmpty();
    }

    @Test
    void aFullClassRefusesWithRetryAfterButAHigherClassStillGetsIn() {
        for (int i = 0; i < 3; i++) {
            assertThat(room.offer(entry(PriorityClass.REALTIME, "r" + i, 10_000), 0, 100, 0))
                    .isEmpty();
        }
        var refused = room.offer(entry(PriorityClass.REALTIME, "r3", 10_000), 0, 100, 4);

        assertThat(refused).isPresent();
        assertThat(refused.get().reason()).contains("3 realtime requests are already waiting");
        assertThat(refused.get().retryAfter()).isEqualTo(Duration.ofSeconds(1)); // (3 + 4 + 1) / 100 → 1 s at least
        assertThat(room.offer(entry(PriorityClass.VIP, "v", 10_000), 0, 100, 4)).isEmpty();
    }

    @Test
    void aRequestThatWouldOutwaitItsDeadlineIsRefusedAtOnceAsTheWorkedExampleSays() {
        WaitingRoom<String> big = new WaitingRoom<>(Map.of(), 1000);
        for (int i = 0; i < 150; i++) {
            big.offer(entry(PriorityClass.REALTIME, "r" + i, 60_000), 0, 0, 0);
        }
        for (int i = 0; i < 10; i++) {
            big.offer(entry(PriorityClass.VIP, "v" + i, 60_000), 0, 0, 0);
        }

        var late = big.offer(entry(PriorityClass.REALTIME, "late", 500), 0, 200, 0);
        var vip = big.offer(entry(PriorityClass.VIP, "vip", 500), 0, 200, 0);

        assertThat(late).isPresent();
        assertThat(late.get().reason()).contains("160 requests are ahead").contains("500 ms deadline");
        assertThat(late.get().retryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThat(vip).isEmpty();
    }

    @Test
    void retryAfterIsTheTimeToServeWhatIsAheadRoundedUpAndBounded() {
        assertThat(WaitingRoom.retryAfter(499, 100)).isEqualTo(Duration.ofSeconds(5));
        assertThat(WaitingRoom.retryAfter(500, 100)).isEqualTo(Duration.ofSeconds(6));
        assertThat(WaitingRoom.retryAfter(0, 100)).isEqualTo(Duration.ofSeconds(1));
        assertThat(WaitingRoom.retryAfter(10, 0)).isEqualTo(Duration.ofSeconds(1)); // not measured yet
        assertThat(WaitingRoom.retryAfter(1_000_000, 1)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void anExpiredRequestTakenOutLeavesTheRestInOrder() {
        var r1 = entry(PriorityClass.REALTIME, "r1", 100);
        room.offer(r1, 0, 0, 0);
        room.offer(entry(PriorityClass.REALTIME, "r2", 10_000), 0, 0, 0);

        assertThat(room.remove(r1)).isTrue();
        assertThat(room.remove(r1)).isFalse();
        assertThat(room.size()).isEqualTo(1);
        assertThat(room.poll().orElseThrow().item()).isEqualTo("r2");
    }
}
