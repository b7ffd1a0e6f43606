package dev.ember.knative.autopilot;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one metric family's samples, summed by model, out of Prometheus's text exposition format
 * (what {@code /q/metrics} answers): {@code name{...,model="det",...} 12.0}. Only the two series
 * the autopilot needs are read, so a full parser would be weight without use.
 */
final class PrometheusText {
    private static final Pattern MODEL = Pattern.compile("model=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private PrometheusText() {}

    /** Samples of exactly {@code metric} (no suffix), by their {@code model} label. */
    static Map<String, Double> byModel(String exposition, String metric) {
        Map<String, Double> out = new HashMap<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(metric)) {
                continue;
            }
            int rest = metric.length();
            if (line.length() <= rest || (line.charAt(rest) != '{' && line.charAt(rest) != ' ')) {
                continue; // a longer name sharing the prefix
            }
            int close = line.charAt(rest) == '{' ? line.indexOf('}', rest) : rest;
            if (close < 0) {
                continue;
            }
            Matcher m = MODEL.matcher(line.substring(rest, close));
            if (!m.find()) {
                continue;
            }
            String[] value = line.substring(close + 1).trim().split("\\s+");
            try {
                out.merge(m.group(1), Double.parseDouble(value[0]), Double::sum);
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return out;
    }
}
