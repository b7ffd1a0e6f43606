package dev.ember.functions.core.cache;

import dev.ember.pool.api.InferenceRequest;
import dev.ember.pool.api.RequestedOutput;
import dev.ember.pool.api.Tensor;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * SHA-256 over what determines an answer: model, resolved version, requested output names
 * (sorted), and each input (sorted by name) as name, datatype, shape and raw element bytes. It
 * hashes decoded bytes, not JSON text: {@code 1} and {@code 1.0}, nested or flat arrays, binary or
 * JSON transport all give the same key. How outputs are to be returned (binary or JSON) is not
 * part of it. Strings are length-prefixed so no two different requests can run together into one.
 */
public record CacheKey(String hex) {
    private static final byte[] DOMAIN = "ember-cache-v1".getBytes(StandardCharsets.UTF_8);
    // Cloned per key: a provider lookup per cache hit costs more than the hashing of a small input.
    private static final MessageDigest SHA256 = sha256();

    public static CacheKey of(String model, String version, InferenceRequest request) {
        MessageDigest sha = fresh();
        byte[] scratch = new byte[Long.BYTES];
        sha.update(DOMAIN);
        string(sha, scratch, model);
        string(sha, scratch, version);
        List<String> outputs = new ArrayList<>();
        for (RequestedOutput o : request.outputs()) {
            outputs.add(o.name());
        }
        outputs.sort(Comparator.naturalOrder());
        number(sha, scratch, outputs.size());
        for (String o : outputs) {
            string(sha, scratch, o);
        }
        List<Tensor> inputs = new ArrayList<>(request.inputs());
        inputs.sort(Comparator.comparing(Tensor::name));
        number(sha, scratch, inputs.size());
        for (Tensor t : inputs) {
            string(sha, scratch, t.name());
            string(sha, scratch, t.datatype().wireName());
            long[] dims = t.shape().toArray();
            number(sha, scratch, dims.length);
            for (long d : dims) {
                number(sha, scratch, d);
            }
            number(sha, scratch, t.byteSize());
            sha.update(t.data());
        }
        return new CacheKey(HexFormat.of().formatHex(sha.digest()));
    }

    private static void string(MessageDigest sha, byte[] scratch, String s) {
        if (s == null) {
            number(sha, scratch, -1);
            return;
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        number(sha, scratch, b.length);
        sha.update(b);
    }

    private static void number(MessageDigest sha, byte[] scratch, long v) {
        for (int i = Long.BYTES - 1; i >= 0; i--) {
            scratch[i] = (byte) v;
            v >>>= 8;
        }
        sha.update(scratch);
    }

    private static MessageDigest fresh() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return sha256();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
