package dev.ember.knative.autopilot;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Pool calls read from the functions' own Prometheus endpoint ({@code /q/metrics} on the management
 * port): the counter {@code ember_pool_calls_seconds_count{model}} and its {@code _sum}, differenced
 * between readings. A counter that went down (a functions pod restarted) counts from zero. One
 * endpoint sees one pod: behind a Knative Service with several pods use {@link PrometheusRates}.
 */
public final class ScrapedMetrics implements RateSource {
    static final String COUNT = "ember_pool_calls_seconds_count";
    static final String SUM = "ember_pool_calls_seconds_sum";

    private final URI endpoint;
    private final HttpClient http;
    private final Map<String, double[]> previous = new HashMap<>();

    public ScrapedMetrics(URI endpoint) {
        this.endpoint = endpoint;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    @Override
    public Map<String, ModelLoad> read(Instant now) {
        String text;
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(endpoint)
                            .timeout(Duration.ofSeconds(5))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET " + endpoint + " answered " + r.statusCode());
            }
            text = r.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the functions' metrics at " + endpoint + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return difference(PrometheusText.byModel(text, COUNT), PrometheusText.byModel(text, SUM));
    }

    Map<String, ModelLoad> difference(Map<String, Double> counts, Map<String, Double> sums) {
        Map<String, ModelLoad> out = new HashMap<>();
        counts.forEach((model, count) -> {
            double sum = sums.getOrDefault(model, 0.0);
            double[] before = previous.put(model, new double[] {count, sum});
            double dCount = before == null || count < before[0] ? count : count - before[0];
            double dSum = before == null || count < before[0] ? sum : sum - before[1];
            if (before == null) {
                return; // the first reading is a baseline, not a minute's traffic
            }
            long requests = Math.round(dCount);
            Optional<Duration> mean =
                    requests > 0 ? Optional.of(Duration.ofNanos((long) (dSum / dCount * 1e9))) : Optional.empty();
            out.put(model, new ModelLoad(requests, mean));
        });
        return out;
    }
}
