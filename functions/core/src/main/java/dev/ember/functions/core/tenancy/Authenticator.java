package dev.ember.functions.core.tenancy;

import java.util.Optional;

/** Turns a presented API key into a tenant. */
public interface Authenticator {
    /** Authentication off: everyone is {@link Tenant#ANONYMOUS}. */
    Authenticator OFF = key -> Tenant.ANONYMOUS;

    /**
     * {@link #OFF} when the directory has no tenants (no tenants file, or one with plans only);
     * otherwise an {@link ApiKeyAuthenticator}. A directory with tenants but no keys refuses
     * everyone: revoking every key must lock callers out, never turn authentication off.
     */
    static Authenticator forDirectory(TenantDirectory directory) {
        return directory.isEmpty() ? OFF : new ApiKeyAuthenticator(directory);
    }

    /**
     * @throws dev.ember.pool.api.InferenceException UNAUTHENTICATED if the key is missing or unknown
     */
    Tenant authenticate(Optional<String> presentedKey);
}
