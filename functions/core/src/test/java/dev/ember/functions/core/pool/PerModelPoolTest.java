package dev.ember.functions.core.pool;

import static dev.ember.functions.core.FakePool.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ember.functions.core.FakePool;
import dev.ember.pool.api.InferenceException;
import dev.ember.pool.api.ModelStatus;
import dev.ember.pool.api.PoolClient;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PerModelPoolTest {
    private final Map<URI, FakePool> pools = new HashMap<>();

    private PoolClient connect(URI uri) {
        return pools.computeIfAbsent(uri, u -> new FakePool().model("doubler").model("tripler"));
    }

    @Test
    void eachModelGoesToItsOwnPoolAndListingCallsNone() throws Exception {
        PerModelPool pool = new PerModelPool(
                "http://ember-pool-{model}.ember.svc.cluster.local", List.of("doubler", "tripler"), this::connect);
        assertThat(pool.models().get()).extracting(ModelStatus::ready).containsExactly(false, false);
        assertThat(pools).isEmpty();

        pool.infer("doubler", null, request(1, 2)).get(5, TimeUnit.SECONDS);
        assertThat(pools).containsOnlyKeys(URI.create("http://ember-pool-doubler.ember.svc.cluster.local"));
        assertThat(pools.values().iterator().next().calls("doubler")).isEqualTo(1);
        assertThat(pool.models().get())
                .extracting(ModelStatus::name, ModelStatus::ready)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("doubler", true),
                        org.assertj.core.groups.Tuple.tuple("tripler", false));
    }

    @Test
    void anUnknownModelIsNotFoundAndATemplateWithoutModelsOrHostIsRefused() {
        PerModelPool pool = new PerModelPool("http://pool-{model}:8000", List.of("doubler"), this::connect);
        assertThatThrownBy(() -> pool.infer("nope", null, request(1, 2)).get())
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("unknown model 'nope'");
        assertThatThrownBy(() -> new PerModelPool("http://pool-{model}", List.of(), this::connect))
                .hasMessageContaining("EMBER_POOL_MODELS");
        assertThatThrownBy(() -> new PerModelPool("pool-{model}", List.of("a"), this::connect))
                .hasMessageContaining("no host");
    }
}
