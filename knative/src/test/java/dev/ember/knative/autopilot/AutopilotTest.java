package dev.ember.knative.autopilot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ember.knative.Fixtures;
import dev.ember.knative.config.PoolModel;
import dev.ember.knative.deploy.Applier;
import dev.ember.knative.deploy.Cluster;
import dev.ember.knative.deploy.Scaler;
import dev.ember.knative.render.Labels;
import dev.ember.warmup.forecast.ForecasterConfig;
import dev.ember.warmup.prewarm.RateHistory;
import dev.ember.warmup.prewarm.RateHistoryStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The prewarm loop on a synthetic daily history, against the CRUD mock server, on synthetic time:
 * vad (no warm floor, target 1 × 0.7 per pod) gets 3 requests/s from 09:00 to 09:10 every day and
 * one a minute otherwise. Two days of that are in the history store; the loop then runs minute by
 * minute from 08:50 to 09:30 on day three with the same traffic, as if the functions reported it.
 */
@EnableKubernetesMockClient(crud = true)
class AutopilotTest {
    private static final Instant DAY0 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant DAY2 = DAY0.plus(Duration.ofDays(2));
    private static final Duration LATENCY = Duration.ofMillis(500);

    KubernetesClient client;
    Cluster cluster;
    List<PoolModel> vadOnly;
    RateHistoryStore store;

    /** Reports what {@link #requestsIn} says arrived since the previous reading. */
    private final class SyntheticTraffic implements RateSource {
        Instant last;
        boolean failNext;

        @Override
        public Map<String, ModelLoad> read(Instant now) {
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("Prometheus at http://prometheus:9090 answered 503");
            }
            Map<String, ModelLoad> out = new HashMap<>();
            if (last != null) {
                long n = 0;
                for (Instant t = last; t.isBefore(now); t = t.plusSeconds(60)) {
                    n += requestsIn(t);
                }
                out.put("vad", new ModelLoad(n, Optional.of(LATENCY)));
            }
            last = now;
            return out;
        }
    }

    private static long requestsIn(Instant minute) {
        long ofDay = Math.floorMod(minute.getEpochSecond() / 60, 1440);
        return ofDay >= 9 * 60 && ofDay < 9 * 60 + 10 ? 3 * 60 : 1;
    }

    @BeforeEach
    void setUp() {
        cluster = new Cluster(client, "inference");
        new Applier(cluster).apply(Fixtures.manifests("inference"), false);
        vadOnly = Fixtures.pools().stream().filter(p -> p.name().equals("vad")).toList();
        store = RateHistoryStore.inMemory(RateHistoryStore.DEFAULT_CAPACITY);
        RateHistory past = RateHistory.restore("vad", ForecasterConfig.DEFAULTS, store);
        for (Instant t = DAY0; t.isBefore(DAY2.plus(Duration.ofHours(8)).plusSeconds(50 * 60)); t = t.plusSeconds(60)) {
            past.observe(t, requestsIn(t));
        }
    }

    @Test
    void minScaleGoesUpBeforeThePredictedBurstAndBackToZeroAfterIt() {
        List<String> log = new ArrayList<>();
        SyntheticTraffic traffic = new SyntheticTraffic();
        Instant start = DAY2.plus(Duration.ofHours(8)).plusSeconds(50 * 60);
        Autopilot autopilot =
                new Autopilot(cluster, vadOnly, traffic, store, Duration.ofMinutes(1), LATENCY, false, start, log::add);

        Map<Instant, Integer> minScale = new HashMap<>();
        List<Autopilot.Decision> patches = new ArrayList<>();
        for (Instant t = start; !t.isAfter(start.plus(Duration.ofMinutes(40))); t = t.plusSeconds(60)) {
            for (Autopilot.Decision d : autopilot.tick(t)) {
                if (d.action() == Autopilot.Action.PATCHED) {
                    patches.add(d);
                }
            }
            minScale.put(
                    t, Scaler.intAnnotation(cluster.service("ember-pool-vad").get(), Labels.MIN_SCALE, -1));
        }
        Instant nine = DAY2.plus(Duration.ofHours(9));
        // Quiet at 08:55: a request a minute is cheaper served cold.
        assertThat(minScale.get(nine.minusSeconds(300))).isZero();
        // Raised at 08:59, one minute before the burst: 3/s × 0.5 s = 1.5 in flight / 0.7 → 3 pods.
        assertThat(minScale.get(nine.minusSeconds(60))).isEqualTo(3);
        assertThat(minScale.get(nine.plusSeconds(300))).isEqualTo(3);
        // Back to zero once the season says it is over.
        assertThat(minScale.get(nine.plus(Duration.ofMinutes(20)))).isZero();
        assertThat(patches).hasSize(2);
        assertThat(patches.get(0).at()).isEqualTo(nine.minusSeconds(60));
        assertThat(patches.get(0).reason()).startsWith("floor 3 (FORECAST");
        assertThat(patches.get(1).to()).isZero();
        assertThat(patches.get(1).reason()).startsWith("floor 0 (QUIET");
        assertThat(log).anyMatch(l -> l.contains("vad: patched min-scale 0 → 3") && l.contains("FORECAST"));
        assertThat(log).anyMatch(l -> l.contains("vad: held min-scale 0"));
    }

    @Test
    void atMostOnePatchPerInterval() {
        Instant t = DAY2.plus(Duration.ofHours(8)).plusSeconds(59 * 60);
        Autopilot autopilot = new Autopilot(
                cluster, vadOnly, new SyntheticTraffic(), store, Duration.ofMinutes(5), LATENCY, false, t, l -> {});
        assertThat(autopilot.tick(t)).extracting(Autopilot.Decision::action).containsExactly(Autopilot.Action.PATCHED);
        new Scaler(cluster).setMinScale(cluster.service("ember-pool-vad").get(), 0, Scaler.Hold.KEEP, false);
        assertThat(autopilot.tick(t.plusSeconds(60))).singleElement().satisfies(d -> {
            assertThat(d.action()).isEqualTo(Autopilot.Action.RATE_LIMITED);
            assertThat(d.reason()).contains("at most once per 300 s");
        });
    }

    @Test
    void aFailedReadingSkipsTheTickAndAPrewarmHoldWins() {
        Instant t = DAY2.plus(Duration.ofHours(3));
        SyntheticTraffic traffic = new SyntheticTraffic();
        List<String> log = new ArrayList<>();
        Autopilot autopilot =
                new Autopilot(cluster, vadOnly, traffic, store, Duration.ofMinutes(1), LATENCY, false, t, log::add);
        new Scaler(cluster).prewarm("vad", 2, Optional.of(Duration.ofMinutes(10)), t, false);

        traffic.failNext = true;
        assertThat(autopilot.tick(t)).isEmpty();
        assertThat(log).last().asString().contains("skipped").contains("answered 503");

        assertThat(autopilot.tick(t.plusSeconds(60))).singleElement().satisfies(d -> {
            assertThat(d.action()).isEqualTo(Autopilot.Action.HELD);
            assertThat(d.from()).isEqualTo(2);
            assertThat(d.reason()).startsWith("held by prewarm until");
        });
        // The hold ends: the plan (quiet at 03:00) takes over and the hold annotations go.
        Autopilot.Decision after =
                autopilot.tick(t.plus(Duration.ofMinutes(11))).get(0);
        assertThat(after.action()).isEqualTo(Autopilot.Action.PATCHED);
        assertThat(after.to()).isZero();
        assertThat(cluster.service("ember-pool-vad").get().getMetadata().getAnnotations())
                .doesNotContainKey(Labels.PREWARM_UNTIL);
    }

    @Test
    void theFunctionsCounterIsReadAsDifferencesBetweenScrapes() {
        ScrapedMetrics scraped = new ScrapedMetrics(java.net.URI.create("http://unused"));
        String first = """
                # HELP ember_pool_calls_seconds Calls from the gateway to the pool, by model
                # TYPE ember_pool_calls_seconds summary
                ember_pool_calls_seconds_count{model="vad"} 10.0
                ember_pool_calls_seconds_sum{model="vad"} 2.0
                ember_pool_calls_seconds_count_other{model="vad"} 99.0
                """;
        assertThat(scraped.difference(
                        PrometheusText.byModel(first, ScrapedMetrics.COUNT),
                        PrometheusText.byModel(first, ScrapedMetrics.SUM)))
                .isEmpty(); // a baseline
        Map<String, ModelLoad> next = scraped.difference(Map.of("vad", 70.0), Map.of("vad", 32.0));
        assertThat(next.get("vad")).isEqualTo(new ModelLoad(60, Optional.of(Duration.ofMillis(500))));
        // A restarted pod's counter starts again from zero.
        assertThat(scraped.difference(Map.of("vad", 4.0), Map.of("vad", 1.0))
                        .get("vad")
                        .requests())
                .isEqualTo(4);
        assertThat(PrometheusText.byModel(first, ScrapedMetrics.COUNT))
                .containsEntry("vad", 10.0)
                .hasSize(1);
    }
}
