package dev.ember.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A worker's summaries (timers and distributions) for one model, read from its Prometheus /metrics. */
final class WorkerSums {
    private static final Pattern LINE = Pattern.compile("^(ember_[a-z_]+)_(sum|count)\\{([^}]*)\\} (\\S+)$");

    private WorkerSums() {}

    /** Metric name (without _sum/_count) → {sum, count}, added up over the model's label sets. */
    static Map<String, double[]> scrape(URI worker, String model) throws Exception {
        String text = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(worker.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (String l : text.split("\n")) {
            Matcher m = LINE.matcher(l);
            if (m.matches() && m.group(3).contains("model=\"" + model + "\"")) {
                double[] v = sums.computeIfAbsent(m.group(1), k -> new double[2]);
                v[m.group(2).equals("sum") ? 0 : 1] += Double.parseDouble(m.group(4));
            }
        }
        return sums;
    }

    /** The sum of timer {@code metric} in microseconds (Prometheus gives seconds), 0 if absent. */
    static long sumMicros(Map<String, double[]> sums, String metric) {
        double[] v = sums.get(metric);
        return v == null ? 0 : Math.round(v[0] * 1e6);
    }
}
