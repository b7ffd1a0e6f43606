package dev.ember.load.run;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where Ember's Prometheus metrics are read, and the reading of them: the one place that knows
 * the URLs (the functions' {@code /q/metrics} by default; a worker's {@code /metrics}) and the text
 * format. If the metrics move (to a management port, say), only {@code --metrics-url} changes.
 * Series are keyed {@code name{label="value",...}} as Prometheus writes them; only {@code ember_*}
 * series are kept, histogram buckets dropped. Several sources add up: the same series on two
 * workers of one model is the model's total.
 */
public final class MetricsSource {
    private final List<URI> urls;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1))
            .build();

    public MetricsSource(List<URI> urls) {
        this.urls = List.copyOf(urls);
    }

    public List<URI> urls() {
        return urls;
    }

    /** Every source's ember series now, summed; empty if none answered. */
    public Optional<Map<String, Double>> read() {
        Map<String, Double> out = new HashMap<>();
        boolean any = false;
        for (URI url : urls) {
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(url)
                                .timeout(Duration.ofSeconds(2))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    parse(r.body()).forEach((k, v) -> out.merge(k, v, Double::sum));
                    any = true;
                }
            } catch (IOException e) {
                // a source that does not answer this second is a gap in the series, not a failure
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
        return any ? Optional.of(out) : Optional.empty();
    }

    /** The {@code ember_*} series of a Prometheus text exposition, buckets left out. */
    static Map<String, Double> parse(String text) {
        Map<String, Double> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("ember_") || line.contains("_bucket{")) {
                continue;
            }
            int close = line.lastIndexOf('}');
            int space = line.indexOf(' ', close < 0 ? 0 : close);
            if (space < 0) {
                continue;
            }
            String series = line.substring(0, space);
            String rest = line.substring(space + 1).trim();
            int end = rest.indexOf(' ');
            try {
                out.put(series, Double.parseDouble(end < 0 ? rest : rest.substring(0, end)));
            } catch (NumberFormatException e) {
                // NaN and ±Inf parse; anything else is not a sample line
            }
        }
        return out;
    }

    /**
     * Sum of the series named {@code name} whose labels include every {@code label="value"} in
     * {@code labels} (e.g. {@code state="ready"}).
     */
    public static double sum(Map<String, Double> sample, String name, String... labels) {
        double total = 0;
        for (Map.Entry<String, Double> e : sample.entrySet()) {
            String key = e.getKey();
            if (!(key.equals(name) || key.startsWith(name + "{"))) {
                continue;
            }
            boolean all = true;
            for (String l : labels) {
                if (!key.contains(l)) {
                    all = false;
                    break;
                }
            }
            if (all && !e.getValue().isNaN()) {
                total += e.getValue();
            }
        }
        return total;
    }

    /** Like {@link #sum} over the models given, each as its {@code model="..."} label. */
    public static double sumOverModels(Map<String, Double> sample, List<String> models, String name, String... labels) {
        double total = 0;
        for (String m : models) {
            String[] all = new String[labels.length + 1];
            System.arraycopy(labels, 0, all, 0, labels.length);
            all[labels.length] = "model=\"" + m + "\"";
            total += sum(sample, name, all);
        }
        return total;
    }
}
