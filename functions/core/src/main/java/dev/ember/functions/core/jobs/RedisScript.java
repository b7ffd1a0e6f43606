package dev.ember.functions.core.jobs;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** A Lua script run by its SHA ({@code EVALSHA}), sent whole ({@code EVAL}) when Redis has not seen it. */
record RedisScript(String source, String sha) {
    static RedisScript of(String source) {
        try {
            return new RedisScript(
                    source,
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-1")
                                    .digest(source.getBytes(StandardCharsets.UTF_8))));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    <T> CompletionStage<T> run(
            RedisAsyncCommands<String, byte[]> redis, ScriptOutputType type, String[] keys, byte[]... args) {
        return redis.<T>evalsha(sha, type, keys, args)
                .exceptionallyCompose(e -> unwrap(e) instanceof RedisNoScriptException
                        ? redis.<T>eval(source, type, keys, args)
                        : CompletableFuture.failedStage(e));
    }

    static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
