package dev.ember.functions.core.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.Arrays;
import java.util.function.Function;
import java.util.zip.CRC32C;

/**
 * Decoded request bodies, by their exact bytes, for bodies that were answered from the cache: the
 * same bytes again are the same request, so a repeated hit skips decoding, which is most of what a
 * hit costs for a real input (85 % of a 1x3x32x32 image hit's CPU went to parsing its 3,072 JSON
 * numbers). Looked up by a CRC32C of the body (hardware-accelerated, ~10 GB/s) and confirmed by
 * comparing every byte, so a collision costs a decode, never a wrong answer. Bounded by the bytes
 * it holds; bodies over {@code maxBodyBytes} are not kept (they repeat rarely and weigh much).
 *
 * @param <T> what the body decodes to (a v2 request, or one that names its model)
 */
public final class RequestMemo<T> {
    private record Key(String route, int jsonLength, int length, int crc) {}

    private record Entry<T>(byte[] body, T decoded) {}

    private final Cache<Key, Entry<T>> entries;
    private final int maxBodyBytes;

    public RequestMemo(long maxBytes, int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
        this.entries = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key k, Entry<T> e) -> 2 * e.body().length + 64) // the body and about as much decoded
                .build();
    }

    /**
     * What {@code body} decodes to: remembered when these exact bytes were {@link #remember}ed on
     * this route, else {@code decode}'s result (not remembered yet).
     */
    public Lookup<T> decode(String route, byte[] body, int jsonLength, Function<byte[], T> decode) {
        if (body.length > maxBodyBytes) {
            return new Lookup<>(null, decode.apply(body), false);
        }
        Key key = new Key(route, jsonLength, body.length, crc(body));
        Entry<T> e = entries.getIfPresent(key);
        if (e != null && Arrays.equals(e.body(), body)) {
            return new Lookup<>(key, e.decoded(), true);
        }
        return new Lookup<>(key, decode.apply(body), false);
    }

    /** Keeps {@code lookup}'s decoded body for the next call with the same bytes. */
    public void remember(Lookup<T> lookup, byte[] body) {
        if (lookup.key != null && !lookup.remembered) {
            entries.put(lookup.key, new Entry<>(body, lookup.decoded));
        }
    }

    /** Bodies kept now (for tests and metrics). */
    public long size() {
        return entries.estimatedSize();
    }

    /** One decoded body, and whether it came from the memo. */
    public static final class Lookup<T> {
        private final Key key;
        private final T decoded;
        private final boolean remembered;

        private Lookup(Key key, T decoded, boolean remembered) {
            this.key = key;
            this.decoded = decoded;
            this.remembered = remembered;
        }

        public T decoded() {
            return decoded;
        }

        public boolean remembered() {
            return remembered;
        }
    }

    private static int crc(byte[] body) {
        CRC32C crc = new CRC32C();
        crc.update(body, 0, body.length);
        return (int) crc.getValue();
    }
}
