package dev.ember.load.run;

import dev.ember.load.profile.LoadProfile;
import dev.ember.load.profile.LoadProfile.RateSegment;
import dev.ember.load.profile.LoadProfile.RequestClass;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Every arrival of a run, computed before it starts: when it is due (nanoseconds from the start),
 * which class it is, which key it carries, and in which segment it falls. The same profile, seed and
 * capacity always give the same schedule, so two runs (or two configurations) see the same load.
 *
 * <p>Arrivals follow the rate through its integral Λ(t) (the expected number of arrivals by t):
 * the n-th arrival is at Λ⁻¹(x_n), where x_n grows by 1 each time for constant arrivals and by an
 * exponential(1) draw for Poisson ones (the time-rescaling theorem). On a linear ramp from r0 to r1
 * over d seconds, Λ(τ) = r0·τ + (r1 − r0)·τ²/(2d), inverted exactly by the quadratic formula;
 * worked through for 10 → 30 rps over 2 s: Λ(2) = 20 + 20 = 40 arrivals, and the 10th is due at
 * τ = (−10 + √(100 + 4·5·10)) / (2·5) = 0.73 s.
 */
public final class Schedule {
    private final long[] dueNanos;
    private final int[] requestClass;
    private final long[] key;
    private final int[] segment;
    private final List<RateSegment> segments;
    private final long[] segmentStartNanos;
    private final boolean truncated;

    private Schedule(
            long[] dueNanos,
            int[] requestClass,
            long[] key,
            int[] segment,
            List<RateSegment> segments,
            long[] segmentStartNanos,
            boolean truncated) {
        this.dueNanos = dueNanos;
        this.requestClass = requestClass;
        this.key = key;
        this.segment = segment;
        this.segments = segments;
        this.segmentStartNanos = segmentStartNanos;
        this.truncated = truncated;
    }

    /** The schedule of {@code profile}, with relative segments scaled by {@code capacityRps}. */
    public static Schedule of(LoadProfile profile, double capacityRps) {
        List<RateSegment> segments =
                profile.rate().stream().map(s -> s.absolute(capacityRps)).toList();
        SplittableRandom random = new SplittableRandom(profile.seed());
        List<RequestClass> mix = profile.mix();
        double[] cumulativeWeight = new double[mix.size()];
        double total = 0;
        for (int i = 0; i < mix.size(); i++) {
            total += mix.get(i).weight();
            cumulativeWeight[i] = total;
        }
        KeyPicker[] keys = mix.stream().map(c -> KeyPicker.of(c.keys())).toArray(KeyPicker[]::new);

        long max = profile.bounds().maxRequests();
        int capacity = (int) Math.min(max, Math.max(16, expected(segments) * 1.2 + 64));
        long[] due = new long[capacity];
        int[] cls = new int[capacity];
        long[] k = new long[capacity];
        int[] seg = new int[capacity];
        long[] starts = new long[segments.size()];
        int n = 0;
        boolean truncated = false;
        double segmentStart = 0;
        outer:
        for (int s = 0; s < segments.size(); s++) {
            RateSegment r = segments.get(s);
            starts[s] = Math.round(segmentStart * 1e9);
            double mass = (r.fromRps() + r.toRps()) / 2 * r.seconds(); // Λ over the whole segment
            double x = next(profile.arrivals(), random);
            while (x <= mass) {
                if (n == max) {
                    truncated = true;
                    break outer;
                }
                if (n == due.length) {
                    int grown = (int) Math.min(max, due.length * 2L);
                    due = Arrays.copyOf(due, grown);
                    cls = Arrays.copyOf(cls, grown);
                    k = Arrays.copyOf(k, grown);
                    seg = Arrays.copyOf(seg, grown);
                }
                double tau = invert(r, x);
                due[n] = Math.round((segmentStart + tau) * 1e9);
                int c = pick(cumulativeWeight, random.nextDouble() * total);
                cls[n] = c;
                k[n] = keys[c].next(random);
                seg[n] = s;
                n++;
                x += next(profile.arrivals(), random);
            }
            segmentStart += r.seconds();
        }
        return new Schedule(
                Arrays.copyOf(due, n),
                Arrays.copyOf(cls, n),
                Arrays.copyOf(k, n),
                Arrays.copyOf(seg, n),
                segments,
                starts,
                truncated);
    }

    /** The gap to the next arrival in Λ-space: exactly 1, or exponential(1). */
    private static double next(LoadProfile.Arrivals arrivals, SplittableRandom random) {
        return arrivals == LoadProfile.Arrivals.CONSTANT ? 1.0 : -Math.log(1 - random.nextDouble());
    }

    /** The τ within segment {@code r} at which Λ reaches {@code x}. */
    static double invert(RateSegment r, double x) {
        double r0 = r.fromRps();
        double a = (r.toRps() - r0) / (2 * r.seconds());
        if (Math.abs(a) < 1e-12) {
            return x / r0;
        }
        // a·τ² + r0·τ − x = 0; the root in [0, d]. Written as 2x / (r0 + √(r0² + 4ax)) it stays exact
        // when a is tiny and cannot divide by zero when r0 is.
        double disc = Math.max(0, r0 * r0 + 4 * a * x);
        return 2 * x / (r0 + Math.sqrt(disc));
    }

    private static int pick(double[] cumulative, double u) {
        for (int i = 0; i < cumulative.length; i++) {
            if (u < cumulative[i]) {
                return i;
            }
        }
        return cumulative.length - 1;
    }

    private static double expected(List<RateSegment> segments) {
        return segments.stream()
                .mapToDouble(s -> (s.fromRps() + s.toRps()) / 2 * s.seconds())
                .sum();
    }

    public int size() {
        return dueNanos.length;
    }

    public long dueNanos(int i) {
        return dueNanos[i];
    }

    public int requestClass(int i) {
        return requestClass[i];
    }

    public long key(int i) {
        return key[i];
    }

    public int segment(int i) {
        return segment[i];
    }

    /** The segments in requests per second. */
    public List<RateSegment> segments() {
        return segments;
    }

    public long segmentStartNanos(int s) {
        return segmentStartNanos[s];
    }

    public long segmentEndNanos(int s) {
        return segmentStartNanos[s] + Math.round(segments.get(s).seconds() * 1e9);
    }

    public long endNanos() {
        return segmentEndNanos(segments.size() - 1);
    }

    /** True if {@code max_requests} cut the schedule short. */
    public boolean truncated() {
        return truncated;
    }

    /** How many arrivals are of class {@code c}. */
    public long count(int c) {
        long n = 0;
        for (int x : requestClass) {
            if (x == c) {
                n++;
            }
        }
        return n;
    }
}
