package dev.ember.knative.autopilot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.warmup.prewarm.MinuteCount;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pool calls from a Prometheus HTTP API ({@code PROMETHEUS_URL}), summed over every functions pod:
 * {@code sum by (model) (increase(ember_pool_calls_seconds_count[W]))} since the last reading, and
 * the mean from the same increase of {@code _sum}. Prometheus also has the past: a history is
 * started from up to three days of per-minute increases ({@code query_range}, step 60 s), so an
 * autopilot restarted without Redis still knows yesterday's 09:00 burst.
 */
public final class PrometheusRates implements RateSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private Instant last;

    public PrometheusRates(URI base) {
        this.base = base;
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    }

    @Override
    public Map<String, ModelLoad> read(Instant now) {
        Instant since = last;
        last = now;
        if (since == null || !now.isAfter(since)) {
            return Map.of();
        }
        long window = Math.max(1, Duration.between(since, now).toSeconds());
        Map<String, Double> counts =
                vector(query("sum by (model) (increase(" + ScrapedMetrics.COUNT + "[" + window + "s]))", now));
        Map<String, Double> sums =
                vector(query("sum by (model) (increase(" + ScrapedMetrics.SUM + "[" + window + "s]))", now));
        Map<String, ModelLoad> out = new HashMap<>();
        counts.forEach((model, count) -> {
            long requests = Math.round(count);
            double sum = sums.getOrDefault(model, 0.0);
            out.put(
                    model,
                    new ModelLoad(
                            requests,
                            count > 0 ? Optional.of(Duration.ofNanos((long) (sum / count * 1e9))) : Optional.empty()));
        });
        return out;
    }

    @Override
    public List<MinuteCount> history(String model, Instant now, int minutes) {
        Instant end = Instant.ofEpochSecond(Math.floorDiv(now.getEpochSecond(), 60) * 60);
        Instant start = end.minusSeconds(60L * minutes);
        String q = "sum(increase(" + ScrapedMetrics.COUNT + "{model=\"" + model + "\"}[1m]))";
        JsonNode data = get("/api/v1/query_range?query=" + enc(q) + "&start=" + start.getEpochSecond() + "&end="
                + end.getEpochSecond() + "&step=60");
        List<MinuteCount> out = new ArrayList<>();
        for (JsonNode series : data.path("result")) {
            for (JsonNode point : series.path("values")) {
                long t = (long) point.get(0).asDouble();
                // The increase over [t-1m, t] belongs to the minute that ended at t.
                out.add(new MinuteCount(t / 60 - 1, Math.round(point.get(1).asDouble())));
            }
        }
        return out;
    }

    private JsonNode query(String promql, Instant at) {
        return get("/api/v1/query?query=" + enc(promql) + "&time=" + at.getEpochSecond());
    }

    private static Map<String, Double> vector(JsonNode data) {
        Map<String, Double> out = new HashMap<>();
        for (JsonNode sample : data.path("result")) {
            String model = sample.path("metric").path("model").asText(null);
            if (model != null) {
                out.put(model, sample.path("value").get(1).asDouble());
            }
        }
        return out;
    }

    private JsonNode get(String pathAndQuery) {
        URI uri = URI.create(base.toString().replaceAll("/+$", "") + pathAndQuery);
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode body = JSON.readTree(r.body());
            if (r.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
                throw new IllegalStateException("Prometheus at " + base + " answered " + r.statusCode() + ": "
                        + body.path("error").asText(r.body()));
            }
            return body.path("data");
        } catch (IOException e) {
            throw new IllegalStateException("cannot query Prometheus at " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
