package dev.ember.functions.core.tenancy;

/** A tenants file that cannot be used; the message names the file (if any) and what is wrong. */
public final class TenantDirectoryException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TenantDirectoryException(String message) {
        super(message);
    }

    public TenantDirectoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
