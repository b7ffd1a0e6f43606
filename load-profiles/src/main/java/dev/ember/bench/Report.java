package dev.ember.bench;

import java.util.Locale;

/** Machine-readable result lines ({@code key=value}), flushed as they are measured. */
public final class Report {
    private Report() {}

    public static void value(String key, double value) {
        System.out.println(key + "=" + format(value));
        System.out.flush();
    }

    public static void value(String key, String value) {
        System.out.println(key + "=" + value);
        System.out.flush();
    }

    /** Human progress, on stderr so it never mixes with results. */
    public static void note(String message) {
        System.err.println("# " + message);
    }

    public static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.1f" : "%.3f", v);
    }
}
