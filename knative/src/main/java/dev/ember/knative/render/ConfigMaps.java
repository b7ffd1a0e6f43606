package dev.ember.knative.render;

import dev.ember.knative.config.DeploymentConfig;
import dev.ember.knative.config.PoolModel;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ember-config}, the functions' settings as environment variables: {@code POOL_URL} is a
 * template that routes each model to its pool Service ({@code {model}} is replaced by the model's
 * name) for the models in {@code EMBER_POOL_MODELS}, Redis is required (a deployment must not silently run on per-pod caches), and {@code
 * K_SINK} is the Broker, where completion and failure events go.
 */
final class ConfigMaps {
    static final String NAME = "ember-config";

    private ConfigMaps() {}

    static ConfigMap render(DeploymentConfig config, List<PoolModel> models, String namespace) {
        Map<String, String> data = new TreeMap<>();
        data.put("POOL_URL", "http://" + PoolModel.SERVICE_PREFIX + "{model}." + namespace + ".svc.cluster.local");
        data.put(
                "EMBER_POOL_MODELS",
                String.join(",", models.stream().map(PoolModel::name).toList()));
        data.put("EMBER_REDIS_REQUIRED", "true");
        config.broker().ifPresent(b -> data.put("K_SINK", Eventing.brokerUrl(namespace, b)));
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(NAME)
                .withNamespace(namespace)
                .withLabels(Labels.of("config"))
                .endMetadata()
                .withData(data)
                .build();
    }
}
