package dev.ember.functions.core.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.pool.api.PriorityClass;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantDirectoryTest {
    // sha256("test") and sha256("other"), as sha256sum prints them.
    static final String TEST_HASH = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    static final String OTHER_HASH = "sha256:d9298a10d1b0735837dc4bd85dac641b0f3cef27a47e5d53a54f2f3f5b2fcffa";

    static final String PLANS = """
            plans:
              free:       {rate_per_second: 5,    burst: 10,   max_priority: batch}
              pro:        {rate_per_second: 100,  burst: 200,  max_priority: realtime}
              enterprise: {rate_per_second: 1000, burst: 2000, max_priority: vip}
            """;

    static final String EXAMPLE = PLANS + """
            tenants:
              acme:
                plan: pro
                keys: ["%s"]   # keys are stored hashed, never in clear
                models: [mlp-tiny, ppocr-det]
              globex:
                plan: free
                keys: ["%s"]
            """.formatted(TEST_HASH, OTHER_HASH);

    @Test
    void hashKeyIsSha256HexOfTheKey() {
        assertThat(TenantDirectory.hashKey("test")).isEqualTo(TEST_HASH);
        assertThat(TenantDirectory.hashKey("other")).isEqualTo(OTHER_HASH);
    }

    @Test
    void parsesPlansTenantsKeysAndModels() {
        TenantDirectory directory = TenantDirectory.parse(EXAMPLE);

        assertThat(directory.plans())
                .containsExactly(
                        Map.entry("free", new Plan("free", 5, 10, PriorityClass.BATCH)),
                        Map.entry("pro", new Plan("pro", 100, 200, PriorityClass.REALTIME)),
                        Map.entry("enterprise", new Plan("enterprise", 1000, 2000, PriorityClass.VIP)));
        Tenant acme = new Tenant("acme", directory.plans().get("pro"), Set.of("mlp-tiny", "ppocr-det"));
        assertThat(directory.tenants()).containsOnlyKeys("acme", "globex");
        assertThat(directory.tenants().get("acme")).isEqualTo(acme);
        assertThat(directory.tenantForKey("test")).contains(acme);
        assertThat(directory.tenantForKey("other").map(Tenant::id)).contains("globex");
        assertThat(directory.tenantForKey("nope")).isEmpty();
        assertThat(directory.isEmpty()).isFalse();
    }

    @Test
    void tenantWithoutModelsMayUseEveryModel() {
        Tenant globex = TenantDirectory.parse(EXAMPLE).tenants().get("globex");
        assertThat(globex.mayUse("anything")).isTrue();
        Tenant acme = TenantDirectory.parse(EXAMPLE).tenants().get("acme");
        assertThat(acme.mayUse("mlp-tiny")).isTrue();
        assertThat(acme.mayUse("resnet50")).isFalse();
    }

    @Test
    void hashesAreMatchedWhateverTheHexCase() {
        TenantDirectory directory = TenantDirectory.parse(PLANS + "tenants: {acme: {plan: pro, keys: [\"sha256:"
                + TEST_HASH.substring(7).toUpperCase() + "\"]}}");
        assertThat(directory.tenantForKey("test").map(Tenant::id)).contains("acme");
    }

    @Test
    void emptyDocumentAndPlansOnlyHaveNoTenants() {
        assertThat(TenantDirectory.parse("")).isSameAs(TenantDirectory.EMPTY);
        assertThat(TenantDirectory.parse("# nothing yet\n")).isSameAs(TenantDirectory.EMPTY);
        TenantDirectory plansOnly = TenantDirectory.parse(PLANS);
        assertThat(plansOnly.isEmpty()).isTrue();
        assertThat(plansOnly.plans()).hasSize(3);
    }

    @Test
    void unknownKeysAreNamedWithTheirPath() {
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenant: {}"))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessage("unknown key 'tenant'; expected one of plans, tenants");
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenants: {acme: {plna: pro}}"))
                .hasMessage("unknown key 'tenants.acme.plna'; expected one of keys, models, plan");
        assertThatThrownBy(() -> TenantDirectory.parse("plans: {free: {rate: 5, burst: 10, max_priority: batch}}"))
                .hasMessage("unknown key 'plans.free.rate'; expected one of burst, max_priority, rate_per_second");
    }

    @Test
    void unknownPlanIsNamedWithThePlansThereAre() {
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenants: {acme: {plan: gold}}"))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessage("tenants.acme.plan: unknown plan 'gold'; plans are free, pro, enterprise");
    }

    @Test
    void tenantWithoutPlanFails() {
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenants: {acme: {keys: []}}"))
                .hasMessage("tenants.acme: plan is required");
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenants:\n  acme:\n"))
                .hasMessage("tenants.acme: plan is required");
    }

    @Test
    void malformedHashFailsWithoutEchoingIt() {
        for (String bad : new String[] {
            "hunter2", // a key pasted in clear
            TEST_HASH.substring(7), // hex without the prefix
            "sha256:" + "9f86d0", // too short
            "sha256:" + "z".repeat(64), // not hex
            "md5:098f6bcd4621d373cade4e832627b4f6"
        }) {
            assertThatThrownBy(() -> TenantDirectory.parse(
                            PLANS + "tenants: {acme: {plan: pro, keys: [\"" + TEST_HASH + "\", \"" + bad + "\"]}}"))
                    .isInstanceOf(TenantDirectoryException.class)
                    .hasMessageStartingWith(
                            "tenants.acme.keys[1]: not a key hash; keys are stored hashed, as 'sha256:'")
                    .hasMessageContaining("sha256sum")
                    .hasMessageNotContaining(bad);
        }
    }

    @Test
    void keySharedByTwoTenantsFails() {
        String yaml = PLANS
                + """
                tenants:
                  acme: {plan: pro, keys: ["%s"]}
                  globex: {plan: free, keys: ["%s", "%s"]}
                """.formatted(TEST_HASH, OTHER_HASH, TEST_HASH.toUpperCase().replace("SHA256", "sha256"));
        assertThatThrownBy(() -> TenantDirectory.parse(yaml))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessage("tenants.globex.keys[1]: the same key as tenants.acme.keys[0];"
                        + " a key must name exactly one tenant");
    }

    @Test
    void tenantListedTwiceFails() {
        String yaml = PLANS + "tenants:\n  acme: {plan: pro}\n  acme: {plan: free}\n";
        assertThatThrownBy(() -> TenantDirectory.parse(yaml))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessage("line 7: Duplicate field 'acme'");
    }

    @Test
    void badPlanValuesFail() {
        assertThatThrownBy(() -> TenantDirectory.parse("plans: {free: {rate_per_second: 5, burst: 10}}"))
                .hasMessage("plans.free: rate_per_second, burst and max_priority are required");
        assertThatThrownBy(() ->
                        TenantDirectory.parse("plans: {free: {rate_per_second: 0, burst: 10, max_priority: batch}}"))
                .hasMessage("plan 'free': rate_per_second must be > 0");
        assertThatThrownBy(() ->
                        TenantDirectory.parse("plans: {free: {rate_per_second: 5, burst: 0, max_priority: batch}}"))
                .hasMessage("plan 'free': burst must be ≥ 1");
        assertThatThrownBy(() ->
                        TenantDirectory.parse("plans: {free: {rate_per_second: 5, burst: 2.5, max_priority: batch}}"))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessageStartingWith("plans.free.burst: ");
        assertThatThrownBy(() ->
                        TenantDirectory.parse("plans: {free: {rate_per_second: lots, burst: 5, max_priority: batch}}"))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessageStartingWith("plans.free.rate_per_second: ");
        assertThatThrownBy(() ->
                        TenantDirectory.parse("plans: {free: {rate_per_second: 5, burst: 10, max_priority: gold}}"))
                .hasMessage("plans.free.max_priority: unknown priority 'gold'; expected vip, realtime, async or batch");
    }

    @Test
    void emptyModelListFailsRatherThanAllowingAll() {
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenants: {acme: {plan: pro, models: []}}"))
                .hasMessage("tenants.acme.models: an empty list would allow no model; leave 'models' out to allow all");
    }

    @Test
    void tenantIdMustBeUsableInKeysAndTags() {
        assertThatThrownBy(() -> TenantDirectory.parse(PLANS + "tenants: {\"acme corp\": {plan: pro}}"))
                .hasMessageStartingWith("tenants.acme corp: a tenant id is 1 to 64 letters, digits");
    }

    @Test
    void readNamesTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tenants.yaml");
        Files.writeString(file, EXAMPLE);
        assertThat(TenantDirectory.read(file).tenants()).containsOnlyKeys("acme", "globex");

        Files.writeString(file, PLANS + "tenants: {acme: {plan: gold}}");
        assertThatThrownBy(() -> TenantDirectory.read(file))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessageStartingWith(file + ": tenants.acme.plan: unknown plan 'gold'");

        Path missing = dir.resolve("missing.yaml");
        assertThatThrownBy(() -> TenantDirectory.read(missing))
                .isInstanceOf(TenantDirectoryException.class)
                .hasMessageStartingWith(missing + ": cannot read tenants file");
    }
}
