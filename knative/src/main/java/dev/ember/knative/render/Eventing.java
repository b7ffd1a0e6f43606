package dev.ember.knative.render;

import dev.ember.pool.api.EventTypes;
import io.fabric8.knative.eventing.v1.Broker;
import io.fabric8.knative.eventing.v1.BrokerBuilder;
import io.fabric8.knative.eventing.v1.Trigger;
import io.fabric8.knative.eventing.v1.TriggerBuilder;
import java.util.List;
import java.util.Map;

/**
 * The Broker and the Triggers that bring Ember's CloudEvents to the functions, rendered from {@link
 * EventTypes} so the manifests cannot drift from what the functions consume and emit: {@code
 * requested} (answered with a {@code completed} reply) and {@code submitted} (an async job) are
 * delivered to {@code ember-functions}; {@code completed} and {@code failed} are what Ember sends to
 * the Broker ({@code K_SINK}), for anyone's Trigger to pick up.
 */
final class Eventing {
    /** The CloudEvent types the functions consume: one Trigger each. */
    static final List<String> CONSUMED = List.of(EventTypes.REQUESTED, EventTypes.SUBMITTED);

    private Eventing() {}

    /** The multi-tenant channel-based Broker's ingress address (Knative Eventing's default broker class). */
    static String brokerUrl(String namespace, String broker) {
        return "http://broker-ingress.knative-eventing.svc.cluster.local/" + namespace + "/" + broker;
    }

    static Broker broker(String namespace, String name) {
        return new BrokerBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(Labels.of("eventing"))
                .endMetadata()
                .withNewSpec()
                .endSpec()
                .build();
    }

    static Trigger trigger(String namespace, String broker, String type) {
        return new TriggerBuilder()
                .withNewMetadata()
                .withName("ember-" + type.substring(type.lastIndexOf('.') + 1))
                .withNamespace(namespace)
                .withLabels(Labels.of("eventing"))
                .endMetadata()
                .withNewSpec()
                .withBroker(broker)
                .withNewFilter()
                .withAttributes(Map.of("type", type))
                .endFilter()
                .withNewSubscriber()
                .withNewRef()
                .withApiVersion("serving.knative.dev/v1")
                .withKind("Service")
                .withName(FunctionsService.NAME)
                .endRef()
                .endSubscriber()
                .endSpec()
                .build();
    }
}
