package dev.ember.warmup.forecast;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Predicts one model's request rate for the next minute, so the pool can be warm before the load
 * arrives. Requests are counted in one-minute buckets (minutes of UTC); every closed minute updates
 * an exponentially smoothed level and trend — Holt's linear method — and, once two days of history
 * exist, a daily seasonal index per minute of the day — Holt-Winters, additive. Memory is fixed: the
 * 1,440 seasonal slots and a few numbers, never raw history.
 *
 * <p><b>Updates</b>, for the rate y (requests/s) of a closed minute whose minute of the day is i:
 *
 * <pre>
 * level'  = α (y − season[i]) + (1 − α)(level + trend)
 * trend'  = β (level' − level) + (1 − β) trend
 * season[i] = γ (y − level') + (1 − γ) season[i]        (season is all zeros under Holt)
 * forecast h minutes after the last closed one = level + h × trend + season[(i + h) mod 1440]
 * </pre>
 *
 * <p><b>Why seasonal.</b> A burst every day at 09:00, quiet nights, 2 requests/s in the day: at
 * 08:59 Holt's level is 2 and its trend flat, so it predicts 2 until the burst is already here. Two
 * days in, the slots hold each minute's average minus the daily mean (about 38 for 09:00 when the
 * burst is 40 and the mean 1.6), so at 08:59 the forecast for 09:00 is level + season ≈ 40: one
 * minute of warning, which is what a cold start needs. The first two days prime the slots (their
 * sums, then averages minus the daily means; the trend is the change between the two daily means),
 * while Holt forecasts.
 *
 * <p><b>Gaps.</b> A minute in which nothing was observed counted zero requests: the controller
 * reports only when there is traffic, and a silent model must forecast silence. Closing minutes up
 * to the present happens on every call, so both methods move the model forward in time; the work
 * is one step per elapsed minute however the calls are spaced. An observation timestamped before
 * the minute being counted (late) is counted in it.
 *
 * <p>Deterministic and clock-free: time is a parameter. Not thread-safe: one owner (the controller's
 * tick thread) observes and forecasts.
 */
public final class Forecaster {
    /** Minutes in the seasonal period, one day. */
    public static final int SEASON_MINUTES = 1440;

    /** Which method the forecast comes from. */
    public enum Model {
        /** Nothing observed yet: no forecast. */
        NONE,
        /** Level and trend; fewer than two days of history. */
        HOLT,
        /** Level, trend and the daily season. */
        HOLT_WINTERS
    }

    private static final long NOTHING_YET = Long.MIN_VALUE;

    private final ForecasterConfig config;
    /** While priming, the sum of each minute-of-day's rates; then the seasonal indexes. */
    private final double[] season = new double[SEASON_MINUTES];

    private long openMinute = NOTHING_YET;
    private double openCount;
    private long closedMinutes;
    private double level;
    private double trend;
    private double firstDayTotal;
    private double secondDayTotal;
    private boolean seasonal;

    public Forecaster(ForecasterConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * Counts {@code requests} that arrived in some interval (10 s, a minute, …) into the minute
     * containing {@code at}; pass the interval's start.
     */
    public void observe(Instant at, long requests) {
        if (requests < 0) {
            throw new IllegalArgumentException("requests must not be negative, was " + requests);
        }
        long minute = minuteOf(at);
        if (openMinute == NOTHING_YET) {
            openMinute = minute;
        } else {
            advanceTo(minute);
        }
        openCount += requests;
    }

    /**
     * The expected request rate (requests/s) of the busiest minute from the one containing {@code
     * now} to the one containing {@code now + horizon}; empty until a minute has been closed.
     */
    public OptionalDouble forecast(Instant now) {
        Objects.requireNonNull(now, "now");
        return forecastBetween(now, now, now.plus(config.horizon()));
    }

    /**
     * The expected rate of the busiest minute from the one containing {@code from} to the one
     * containing {@code to}, as seen at {@code now} (minutes before the current one are read as the
     * current one); never negative; empty until a minute has been closed.
     */
    public OptionalDouble forecastBetween(Instant now, Instant from, Instant to) {
        Objects.requireNonNull(now, "now");
        if (openMinute == NOTHING_YET) {
            return OptionalDouble.empty();
        }
        advanceTo(minuteOf(now));
        if (closedMinutes == 0) {
            return OptionalDouble.empty();
        }
        long lastClosed = openMinute - 1;
        long first = Math.max(minuteOf(from), openMinute);
        long last = Math.max(first, minuteOf(to));
        double busiest = 0;
        for (long m = first; m <= last; m++) {
            double expected = level + (m - lastClosed) * trend + (seasonal ? season[slotOf(m)] : 0);
            busiest = Math.max(busiest, expected);
        }
        return OptionalDouble.of(busiest);
    }

    public ForecasterConfig config() {
        return config;
    }

    public Model model() {
        if (closedMinutes == 0) {
            return Model.NONE;
        }
        return seasonal ? Model.HOLT_WINTERS : Model.HOLT;
    }

    /** The seasonal slots: always {@link #SEASON_MINUTES}, however long the history. */
    int seasonalSlots() {
        return season.length;
    }

    private void advanceTo(long minute) {
        while (openMinute < minute) {
            close(openMinute, openCount / 60.0);
            openMinute++;
            openCount = 0;
        }
    }

    private void close(long minute, double rate) {
        int slot = slotOf(minute);
        if (seasonal) {
            double previousLevel = level;
            level = config.alpha() * (rate - season[slot]) + (1 - config.alpha()) * (level + trend);
            trend = config.beta() * (level - previousLevel) + (1 - config.beta()) * trend;
            season[slot] = config.gamma() * (rate - level) + (1 - config.gamma()) * season[slot];
        } else {
            holt(rate);
            season[slot] += rate;
            if (closedMinutes < SEASON_MINUTES) {
                firstDayTotal += rate;
            } else {
                secondDayTotal += rate;
            }
        }
        closedMinutes++;
        if (!seasonal && closedMinutes == 2L * SEASON_MINUTES) {
            startSeason();
        }
    }

    private void holt(double rate) {
        if (closedMinutes == 0) {
            level = rate;
            trend = 0;
            return;
        }
        double previousLevel = level;
        level = config.alpha() * rate + (1 - config.alpha()) * (level + trend);
        trend = config.beta() * (level - previousLevel) + (1 - config.beta()) * trend;
    }

    /**
     * Each slot saw exactly one minute of each priming day. Its index is its average minus the
     * average of the daily means; the trend is the change of the daily mean per minute; the level is
     * the second day's mean carried from that day's middle to its end.
     */
    private void startSeason() {
        double firstMean = firstDayTotal / SEASON_MINUTES;
        double secondMean = secondDayTotal / SEASON_MINUTES;
        double mean = (firstMean + secondMean) / 2;
        for (int i = 0; i < SEASON_MINUTES; i++) {
            season[i] = season[i] / 2 - mean;
        }
        trend = (secondMean - firstMean) / SEASON_MINUTES;
        level = secondMean + trend * (SEASON_MINUTES / 2.0);
        seasonal = true;
    }

    private static long minuteOf(Instant at) {
        return Math.floorDiv(at.getEpochSecond(), Duration.ofMinutes(1).toSeconds());
    }

    private static int slotOf(long minute) {
        return (int) Math.floorMod(minute, (long) SEASON_MINUTES);
    }
}
