package dev.ember.functions.core.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Suspending the link (before a snapshot) and resuming it (after a restore), against a real Redis. */
class RedisLinkIT {
    @Test
    void aSuspendedLinkHasNoConnectionAndResumingConnectsAgain() throws Exception {
        String key = RedisFixture.uniquePrefix() + "suspend";
        try (RedisLink link = RedisLink.open(RedisFixture.url(), Duration.ofSeconds(2))) {
            assertThat(link.isOpen()).isTrue();
            link.commands()
                    .orElseThrow()
                    .set(key, "before".getBytes(StandardCharsets.UTF_8))
                    .get(5, TimeUnit.SECONDS);

            link.suspend();
            assertThat(link.isOpen()).isFalse();
            assertThat(link.commands()).isEmpty();

            link.resume();
            assertThat(link.isOpen()).isTrue();
            byte[] value = link.commands().orElseThrow().get(key).get(5, TimeUnit.SECONDS);
            assertThat(new String(value, StandardCharsets.UTF_8)).isEqualTo("before");
            link.commands().orElseThrow().del(key).get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void resumingWhenRedisDoesNotAnswerKeepsTryingWithoutThrowing() throws InterruptedException {
        RedisFixture.Server server = RedisFixture.Server.start();
        try (RedisLink link = RedisLink.open(server.url(), Duration.ofSeconds(2))) {
            assertThat(link.isOpen()).isTrue();
            link.suspend();
            server.stop();
            link.resume(); // Redis is gone: no exception, the link retries in the background
            assertThat(link.commands()).isEmpty();

            server.restart();
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!link.isOpen() && System.nanoTime() < until) {
                Thread.sleep(20); // the background retry runs each second
            }
            assertThat(link.isOpen()).isTrue();
        } finally {
            server.stop();
        }
    }
}
