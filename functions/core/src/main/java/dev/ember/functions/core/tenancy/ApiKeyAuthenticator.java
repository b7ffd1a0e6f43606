package dev.ember.functions.core.tenancy;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import java.util.Objects;
import java.util.Optional;

/**
 * Authenticates by API key against a {@link TenantDirectory}. Messages never contain the presented
 * key: they end up in responses and logs.
 */
public final class ApiKeyAuthenticator implements Authenticator {
    static final String MISSING = "missing API key: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'";
    static final String INVALID = "invalid API key";

    private final TenantDirectory directory;

    public ApiKeyAuthenticator(TenantDirectory directory) {
        this.directory = Objects.requireNonNull(directory, "directory");
    }

    @Override
    public Tenant authenticate(Optional<String> presentedKey) {
        String key = presentedKey.filter(k -> !k.isBlank()).orElseThrow(() -> unauthenticated(MISSING));
        // A plain map lookup, not a constant-time comparison: what gets compared is the SHA-256 of
        // the presented key, never the key. Timing could at best tell a caller how many leading bytes
        // of a stored hash the hash of a guess shares, and knowing part of a hash does not bring a
        // caller closer to a key that has it (SHA-256 is preimage resistant): nothing useful leaks.
        return directory.tenantForKey(key).orElseThrow(() -> unauthenticated(INVALID));
    }

    /**
     * The API key a request presents, from its {@code Authorization} and {@code X-Api-Key} header
     * values (each {@code null} when absent), for every HTTP adapter to share: {@code Authorization:
     * Bearer <key>} (scheme in any case) or {@code X-Api-Key: <key>}. Both may be sent if they agree.
     *
     * @return empty if neither header carries a key
     * @throws InferenceException UNAUTHENTICATED if {@code Authorization} is not a bearer token, or
     *     the two headers name different keys
     */
    public static Optional<String> presentedKey(String authorization, String apiKey) {
        Optional<String> fromApiKey =
                Optional.ofNullable(apiKey).map(String::strip).filter(k -> !k.isEmpty());
        if (authorization == null || authorization.isBlank()) {
            return fromApiKey;
        }
        // Messages never repeat the header, not even its first word: a client sending
        // "Authorization: <key>" with no scheme would see its key echoed.
        String[] parts = authorization.strip().split("\\s+");
        if (parts.length == 2 && !parts[0].equalsIgnoreCase("Bearer")) {
            throw unauthenticated("unsupported Authorization scheme: send 'Authorization: Bearer <key>'");
        }
        if (parts.length != 2) {
            throw unauthenticated("malformed Authorization header: expected 'Bearer <key>', one key without spaces");
        }
        String fromBearer = parts[1];
        if (fromApiKey.isPresent() && !fromApiKey.get().equals(fromBearer)) {
            throw unauthenticated("Authorization and X-Api-Key carry different keys; send one");
        }
        return Optional.of(fromBearer);
    }

    private static InferenceException unauthenticated(String message) {
        return new InferenceException(Reason.UNAUTHENTICATED, message);
    }
}
