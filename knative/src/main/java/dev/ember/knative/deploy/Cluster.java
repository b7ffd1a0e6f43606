package dev.ember.knative.deploy;

import dev.ember.knative.config.PoolModel;
import dev.ember.knative.render.Labels;
import io.fabric8.knative.client.KnativeClient;
import io.fabric8.knative.serving.v1.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The cluster as the deploy verbs see it: one namespace, Knative's client adapted from the
 * Kubernetes one, and every call's failure explained ({@link ClusterErrors}).
 */
public final class Cluster {
    private final KubernetesClient kube;
    private final KnativeClient knative;
    private final String namespace;

    public Cluster(KubernetesClient kube, String namespace) {
        this.kube = Objects.requireNonNull(kube, "kube");
        this.knative = kube.adapt(KnativeClient.class);
        this.namespace = Objects.requireNonNull(namespace, "namespace");
    }

    public KubernetesClient kube() {
        return kube;
    }

    public KnativeClient knative() {
        return knative;
    }

    public String namespace() {
        return namespace;
    }

    /** Runs {@code call}, turning an API failure into a {@link DeployException} about {@code action}. */
    public <T> T call(String action, Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw ClusterErrors.explain(e, action, kube.getMasterUrl().toString(), namespace);
        }
    }

    /**
     * Ember's Knative Services in the namespace. Listing first is also the check that Knative
     * Serving is installed: without its CRDs the list is a 404, explained as such.
     */
    public List<Service> services() {
        return call(
                        "list knative services",
                        () -> knative.services()
                                .inNamespace(namespace)
                                .withLabel(Labels.MANAGED_BY, Labels.MANAGER)
                                .list())
                .getItems();
    }

    public Resource<Service> service(String name) {
        return knative.services().inNamespace(namespace).withName(name);
    }

    /** The pool Service of {@code model}; fails saying so if it is not deployed. */
    public Service pool(String model) {
        String name = PoolModel.SERVICE_PREFIX + model;
        Service s = call("get knative service " + name, () -> service(name).get());
        if (s == null) {
            throw new DeployException("model '" + model + "' has no pool Service " + name + " in namespace '"
                    + namespace + "'; deploy it with `deploy apply`");
        }
        return s;
    }
}
