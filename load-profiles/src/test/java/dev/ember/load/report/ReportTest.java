package dev.ember.load.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.ProfileReader;
import dev.ember.load.run.MetricsSampler.Sample;
import dev.ember.load.run.Outcome;
import dev.ember.load.run.Recording;
import dev.ember.load.run.Schedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A report from a run made up here: a burst, a gap, a burst; 10 % of answers shed with
 * Retry-After; one worker during bursts, none in the gap; the cache answering half the time.
 */
class ReportTest {
    private static final String PROFILE = """
            description: two bursts and a gap
            arrivals: constant
            rate:
              - {seconds: 3, rps: 20, phase: burst}
              - {seconds: 4, rps: 0, phase: gap}
              - {seconds: 3, rps: 20, phase: burst}
            mix: [{name: vip, model: m, priority: vip, inputs: [{name: x, datatype: FP32, shape: [1, 4]}]}]
            targets:
              no_unexplained_5xx: true
              shed_with_retry_after: true
              max_cost_vs_always_on: 0.4
              zero_workers_in_gaps: true
              max_first_after_gap_vs_cold_start: 1.5
            """;

    private static RunResult run() {
        LoadProfile p = ProfileReader.parse("made-up", PROFILE);
        Schedule s = Schedule.of(p, 0);
        Recording r = new Recording(s.size());
        for (int i = 0; i < s.size(); i++) {
            long due = s.dueNanos(i);
            long latency = i == 60 ? 300_000_000L : 10_000_000L; // the first after the gap: a cold start
            r.record(i, i % 10 == 0 && i != 60 ? Outcome.SHED : Outcome.OK, due, due, due + latency);
        }
        List<Sample> samples = new ArrayList<>();
        double workerSeconds = 0;
        for (int t = 0; t <= 10; t++) {
            boolean busy = t <= 4 || t >= 7;
            workerSeconds += busy ? 1 : 0;
            samples.add(new Sample(
                    t,
                    Map.of(
                            "ember_workers{model=\"m\",state=\"ready\"}",
                            busy ? 1.0 : 0.0,
                            "ember_worker_seconds_total{model=\"m\"}",
                            workerSeconds,
                            "ember_cold_start_seconds_count{phase=\"model_load\"}",
                            t >= 7 ? 2.0 : 1.0,
                            "ember_gateway_answers_total{cache=\"hit\"}",
                            10.0 * t,
                            "ember_gateway_answers_total{cache=\"miss\"}",
                            10.0 * t)));
        }
        return Analysis.of(
                p,
                s,
                r,
                samples,
                new Analysis.Context("full", "test", "now", "test-machine", 1, null, 250.0, Map.of()));
    }

    @Test
    void theHtmlHoldsTheChartsAndTheTargetLines(@TempDir Path dir) throws Exception {
        RunResult r = run();
        String html = HtmlReport.render(r, Optional.empty());
        Matcher m = Pattern.compile("<img alt=\"([^\"]+)\"[^>]* src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"")
                .matcher(html);
        List<String> charts = new ArrayList<>();
        while (m.find()) {
            charts.add(m.group(1));
            byte[] png = java.util.Base64.getDecoder().decode(m.group(2));
            assertThat(png).startsWith(0x89, 'P', 'N', 'G');
            assertThat(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png))
                            .getWidth())
                    .isEqualTo(Charts.WIDTH);
        }
        assertThat(charts)
                .containsExactly(
                        "Latency of 2xx answers, from each request's due time",
                        "Throughput and outcomes",
                        "Workers and cold starts",
                        "Cache hit ratio",
                        "Cost: worker-seconds");
        assertThat(html).doesNotContain("<script").doesNotContain("http://").doesNotContain("https://");
        assertThat(html).contains("every shed request is 429 with Retry-After").contains("PASS");
        Files.writeString(dir.resolve("r.html"), html);
    }

    @Test
    void theFiguresAndTargetsAreJudgedAndInTheJson(@TempDir Path dir) throws Exception {
        RunResult r = run();
        assertThat(r.totals().byOutcome()).containsEntry("2xx", 109L).containsEntry("429", 11L);
        assertThat(r.figures().workerSeconds()).isEqualTo(8.0);
        assertThat(r.figures().peakWorkers()).isEqualTo(1.0);
        assertThat(r.figures().costVsAlwaysOn()).isEqualTo(0.8);
        assertThat(r.figures().cacheHitRatio()).isEqualTo(0.5);
        assertThat(r.figures().gaps()).singleElement().satisfies(g -> {
            assertThat(g.minWorkers()).isZero();
            assertThat(g.firstAfterMs()).isEqualTo(300.0);
        });
        assertThat(r.targets())
                .extracting(RunResult.TargetLine::name, RunResult.TargetLine::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("no 5xx but 503 with Retry-After", "pass"),
                        org.assertj.core.groups.Tuple.tuple("every shed request is 429 with Retry-After", "pass"),
                        org.assertj.core.groups.Tuple.tuple("worker-seconds vs always-on", "fail"),
                        org.assertj.core.groups.Tuple.tuple("zero workers in every gap", "pass"),
                        org.assertj.core.groups.Tuple.tuple("first request after a gap vs cold-start bench", "pass"));
        Path file = dir.resolve("r.json");
        ResultsJson.write(file, r);
        JsonNode json = ResultsJson.JSON.readTree(file.toFile());
        assertThat(json.at("/figures/cost_vs_always_on").asDouble()).isEqualTo(0.8);
        assertThat(json.at("/totals/by_outcome/429").asLong()).isEqualTo(11);
        assertThat(json.at("/targets/2/status").asText()).isEqualTo("fail");
        assertThat(json.at("/timeline").size()).isGreaterThanOrEqualTo(10);
        assertThat(json.at("/classes/0/overall/ok/p99_ms").asDouble()).isGreaterThan(9.0);
    }
}
