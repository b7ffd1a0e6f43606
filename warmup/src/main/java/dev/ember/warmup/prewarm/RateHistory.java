package dev.ember.warmup.prewarm;

import dev.ember.warmup.forecast.Forecaster;
import dev.ember.warmup.forecast.ForecasterConfig;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One model's request-rate history: a {@link Forecaster} fed with arrivals, whose closed minutes are
 * also written to a {@link RateHistoryStore} so that the next process can {@link #restore} it —
 * replaying up to the store's capacity of minutes (three days by default, ~4,300 steps, a few
 * milliseconds) rebuilds the same level, trend and daily season. Minutes in which the process was
 * down count as zero requests, as any silent minute does.
 *
 * <p>Not thread-safe: one owner observes and forecasts (the pool's tick thread, the autopilot loop).
 */
public final class RateHistory {
    private static final long NOTHING_YET = Long.MIN_VALUE;

    private final String model;
    private final RateHistoryStore store;
    private final Forecaster forecaster;
    private long openMinute = NOTHING_YET;
    private long openCount;

    private RateHistory(String model, RateHistoryStore store, Forecaster forecaster) {
        this.model = Objects.requireNonNull(model, "model");
        this.store = Objects.requireNonNull(store, "store");
        this.forecaster = forecaster;
    }

    /** The history of {@code model} as {@code store} kept it, ready to observe from where it stopped. */
    public static RateHistory restore(String model, ForecasterConfig config, RateHistoryStore store) {
        RateHistory history = new RateHistory(model, store, new Forecaster(config));
        List<MinuteCount> kept = store.load(model);
        for (MinuteCount m : kept) {
            history.forecaster.observe(m.start(), m.requests());
        }
        if (!kept.isEmpty()) {
            // The stored minutes are closed: open the one after the last, so it counts as history now.
            history.forecaster.observe(kept.get(kept.size() - 1).start().plusSeconds(60), 0);
        }
        return history;
    }

    /** Counts {@code requests} that arrived at (or in the interval starting at) {@code at}. */
    public void observe(Instant at, long requests) {
        long minute = Math.floorDiv(at.getEpochSecond(), 60);
        if (openMinute == NOTHING_YET) {
            openMinute = minute;
        } else if (minute > openMinute) {
            store.append(model, new MinuteCount(openMinute, openCount));
            openMinute = minute;
            openCount = 0;
        }
        openCount += requests;
        forecaster.observe(at, requests);
    }

    /** The busiest minute's expected rate (requests/s) over the forecaster's horizon from {@code now}. */
    public OptionalDouble forecast(Instant now) {
        return forecaster.forecast(now);
    }

    /** The busiest minute's expected rate from the minute of {@code from} to that of {@code to}. */
    public OptionalDouble forecastBetween(Instant now, Instant from, Instant to) {
        return forecaster.forecastBetween(now, from, to);
    }

    public Forecaster.Model model() {
        return forecaster.model();
    }

    public String name() {
        return model;
    }
}
