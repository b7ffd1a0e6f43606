package dev.ember.functions.core.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.InferenceException.Reason;
import java.util.List;
import java.util.Optional;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

class ApiKeyAuthenticatorTest {
    private static final String KEY = "ek_live_7Qm2xR9";
    private static final TenantDirectory DIRECTORY = TenantDirectory.parse(TenantDirectoryTest.PLANS
            + "tenants: {acme: {plan: pro, keys: [\"" + TenantDirectory.hashKey(KEY) + "\"]}}");

    private final Authenticator authenticator = new ApiKeyAuthenticator(DIRECTORY);

    @Test
    void validKeyIsItsTenant() {
        assertThat(authenticator.authenticate(Optional.of(KEY)))
                .isEqualTo(DIRECTORY.tenants().get("acme"));
    }

    @Test
    void missingKeyIsUnauthenticatedAndSaysHowToSendOne() {
        for (Optional<String> none : List.of(Optional.<String>empty(), Optional.of(""), Optional.of("  "))) {
            assertUnauthenticated(() -> authenticator.authenticate(none))
                    .hasMessage("missing API key: send 'Authorization: Bearer <key>' or 'X-Api-Key: <key>'");
        }
    }

    @Test
    void unknownKeyIsUnauthenticatedWithoutEchoingIt() {
        String guess = "ek_live_guess123";
        assertUnauthenticated(() -> authenticator.authenticate(Optional.of(guess)))
                .hasMessage("invalid API key")
                .hasMessageNotContaining(guess);
        // The stored hash is not a key: presenting it must not authenticate.
        assertUnauthenticated(() -> authenticator.authenticate(Optional.of(TenantDirectory.hashKey(KEY))))
                .hasMessage("invalid API key");
        // Nor is a key of a different case.
        assertUnauthenticated(() -> authenticator.authenticate(Optional.of(KEY.toUpperCase())));
    }

    @Test
    void bearerSchemeInAnyCase() {
        for (String header :
                new String[] {"Bearer " + KEY, "bearer " + KEY, "BEARER " + KEY, "  Bearer \t " + KEY + " "}) {
            assertThat(ApiKeyAuthenticator.presentedKey(header, null))
                    .as(header)
                    .contains(KEY);
        }
    }

    @Test
    void xApiKeyHeader() {
        assertThat(ApiKeyAuthenticator.presentedKey(null, KEY)).contains(KEY);
        assertThat(ApiKeyAuthenticator.presentedKey(null, " " + KEY + " ")).contains(KEY);
        assertThat(ApiKeyAuthenticator.presentedKey("", KEY)).contains(KEY);
    }

    @Test
    void noHeaderIsNoKey() {
        assertThat(ApiKeyAuthenticator.presentedKey(null, null)).isEmpty();
        assertThat(ApiKeyAuthenticator.presentedKey(" ", "")).isEmpty();
    }

    @Test
    void bothHeadersMustAgree() {
        assertThat(ApiKeyAuthenticator.presentedKey("Bearer " + KEY, KEY)).contains(KEY);
        assertUnauthenticated(() -> ApiKeyAuthenticator.presentedKey("Bearer " + KEY, "ek_other"))
                .hasMessage("Authorization and X-Api-Key carry different keys; send one")
                .hasMessageNotContaining(KEY)
                .hasMessageNotContaining("ek_other");
    }

    @Test
    void otherSchemesAreRefusedWithoutEchoingCredentials() {
        assertUnauthenticated(() -> ApiKeyAuthenticator.presentedKey("Basic dXNlcjpwYXNz", null))
                .hasMessage("unsupported Authorization scheme: send 'Authorization: Bearer <key>'")
                .hasMessageNotContaining("dXNlcjpwYXNz");
    }

    @Test
    void malformedBearerIsRefusedWithoutEchoingIt() {
        for (String header : new String[] {"Bearer", "Bearer   ", "Bearer a b", KEY, KEY + " " + KEY + " x"}) {
            assertUnauthenticated(() -> ApiKeyAuthenticator.presentedKey(header, null))
                    .as(header)
                    .hasMessage("malformed Authorization header: expected 'Bearer <key>', one key without spaces");
        }
    }

    @Test
    void directoryWithoutTenantsTurnsAuthenticationOff() {
        assertThat(Authenticator.forDirectory(TenantDirectory.EMPTY)).isSameAs(Authenticator.OFF);
        assertThat(Authenticator.forDirectory(TenantDirectory.parse(TenantDirectoryTest.PLANS)))
                .isSameAs(Authenticator.OFF);
        assertThat(Authenticator.OFF.authenticate(Optional.empty())).isEqualTo(Tenant.ANONYMOUS);
    }

    @Test
    void directoryWithTenantsButNoKeysRefusesEveryone() {
        Authenticator noKeys = Authenticator.forDirectory(
                TenantDirectory.parse(TenantDirectoryTest.PLANS + "tenants: {acme: {plan: pro}}"));
        assertUnauthenticated(() -> noKeys.authenticate(Optional.empty()));
        assertUnauthenticated(() -> noKeys.authenticate(Optional.of(KEY))).hasMessage("invalid API key");
    }

    @Test
    void directoryWithKeysAuthenticates() {
        Authenticator fromDirectory = Authenticator.forDirectory(DIRECTORY);
        assertThat(fromDirectory.authenticate(Optional.of(KEY)).id()).isEqualTo("acme");
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertUnauthenticated(ThrowingCallable call) {
        return assertThatThrownBy(call)
                .isInstanceOfSatisfying(
                        InferenceException.class, e -> assertThat(e.reason()).isEqualTo(Reason.UNAUTHENTICATED));
    }
}
