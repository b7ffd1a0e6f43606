package dev.ember.load.run;

import dev.ember.load.profile.LoadProfile.KeySpace;
import java.util.Arrays;

/** The cache hit ratio a key distribution allows, for the report to set the measured one against. */
public final class TheoreticalHits {
    private TheoreticalHits() {}

    /**
     * The share of {@code requests} draws from the key space that repeat an earlier draw: what a
     * cache that forgets nothing during the run answers. The first request for a key is a miss, so
     * hits = requests − E[distinct keys drawn], with E[distinct] = Σ_k 1 − (1 − p_k)^requests.
     */
    public static double ratio(KeySpace keys, long requests) {
        if (requests == 0 || keys.distribution() == KeySpace.Distribution.UNIQUE) {
            return 0;
        }
        double[] p = keys.distribution() == KeySpace.Distribution.ZIPF
                ? KeyPicker.Zipf.probabilities(keys.distinct(), keys.exponent())
                : uniform(keys.distinct());
        double distinct = 0;
        for (double pk : p) {
            distinct += -Math.expm1(requests * Math.log1p(-pk));
        }
        return (requests - distinct) / requests;
    }

    private static double[] uniform(int n) {
        double[] p = new double[n];
        Arrays.fill(p, 1.0 / n);
        return p;
    }
}
