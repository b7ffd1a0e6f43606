package dev.ember.knative.deploy;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;

/**
 * Turns what the Kubernetes API (or its absence) answers into a message that says what to do: no
 * cluster, Knative not installed, forbidden, not authenticated.
 */
final class ClusterErrors {
    private ClusterErrors() {}

    static DeployException explain(KubernetesClientException e, String action, String masterUrl, String namespace) {
        int code = e.getCode();
        if (code == 403) {
            return new DeployException(
                    "forbidden: the current kubeconfig user may not " + action + " in namespace '"
                            + namespace + "' (" + reason(e) + "); ask for a Role that allows it, or pick another "
                            + "namespace with --namespace",
                    e);
        }
        if (code == 401) {
            return new DeployException(
                    "the Kubernetes API at " + masterUrl + " does not accept the kubeconfig's "
                            + "credentials (401); log in again (kubectl config view shows which context is used)",
                    e);
        }
        if (code == 404 && action.contains("knative")) {
            return new DeployException(
                    "Knative is not installed in the cluster at " + masterUrl + ": the API has no "
                            + resourceOf(action) + " (" + reason(e)
                            + "). Install Knative Serving (and Eventing for the "
                            + "Broker and Triggers, or set broker: \"\" in the deployment config)",
                    e);
        }
        if (code <= 0 && unreachable(e)) {
            return new DeployException(
                    "no Kubernetes cluster answers at " + masterUrl + " (" + rootMessage(e)
                            + "). Point KUBECONFIG (or ~/.kube/config) at a cluster, or use `deploy render` / "
                            + "`--dry-run`, which need none",
                    e);
        }
        return new DeployException("cannot " + action + ": " + reason(e), e);
    }

    private static String resourceOf(String action) {
        return action.contains("eventing") ? "eventing.knative.dev/v1 Brokers" : "serving.knative.dev/v1 Services";
    }

    private static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof UnknownHostException
                    || t instanceof UnresolvedAddressException
                    || t instanceof java.net.http.HttpTimeoutException
                    || t instanceof java.util.concurrent.TimeoutException
                    || (t instanceof IOException
                            && t.getMessage() != null
                            && t.getMessage().contains("onnect"))) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + t.getMessage() : "");
    }

    private static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return e.getStatus().getMessage();
        }
        return e.getCode() > 0 ? "HTTP " + e.getCode() : rootMessage(e);
    }
}
