package dev.ember.load.profile;

/** A profile that cannot be run: the message names the field and says what to change. */
public final class ProfileException extends RuntimeException {
    private final String field;

    public ProfileException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    ProfileException(String message, Throwable cause) {
        super(message, cause);
        this.field = "";
    }

    /** The dotted path of the field at fault ({@code mix[1].keys.distinct}), or empty. */
    public String field() {
        return field;
    }

    /** The same problem, inside {@code parent} ({@code mix[1]} + {@code keys.distinct}). */
    ProfileException within(String parent) {
        return new ProfileException(field.isEmpty() ? parent : parent + "." + field, problem());
    }

    /** The message without the field. */
    public String problem() {
        String m = getMessage();
        return field.isEmpty() ? m : m.substring(field.length() + 2);
    }
}
