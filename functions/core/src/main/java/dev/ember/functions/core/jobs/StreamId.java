package dev.ember.functions.core.jobs;

/**
 * A Redis Stream entry id, {@code <ms>-<seq>}, ordered as Redis orders them.
 */
public record StreamId(long millis, long sequence) implements Comparable<StreamId> {
    public static final StreamId ZERO = new StreamId(0, 0);

    public static StreamId parse(String id) {
        int dash = id.indexOf('-');
        try {
            if (dash < 0) {
                return new StreamId(Long.parseUnsignedLong(id), 0);
            }
            return new StreamId(
                    Long.parseUnsignedLong(id.substring(0, dash)), Long.parseUnsignedLong(id.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a stream id: '" + id + "'", e);
        }
    }

    /** The smallest id after this one. */
    public StreamId next() {
        return sequence == -1L ? new StreamId(millis + 1, 0) : new StreamId(millis, sequence + 1);
    }

    @Override
    public int compareTo(StreamId o) {
        int c = Long.compareUnsigned(millis, o.millis);
        return c != 0 ? c : Long.compareUnsigned(sequence, o.sequence);
    }

    @Override
    public String toString() {
        return Long.toUnsignedString(millis) + "-" + Long.toUnsignedString(sequence);
    }
}
