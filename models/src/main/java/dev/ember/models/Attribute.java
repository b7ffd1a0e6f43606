package dev.ember.models;

import java.util.Arrays;
import java.util.List;

/** A node attribute. Only the four kinds the models here need are modelled. */
public sealed interface Attribute {

    String name();

    record FloatValue(String name, float value) implements Attribute {}

    record IntValue(String name, long value) implements Attribute {}

    record StringValue(String name, String value) implements Attribute {}

    record IntsValue(String name, List<Long> values) implements Attribute {
        public IntsValue {
            values = List.copyOf(values);
        }
    }

    static Attribute of(String name, float value) {
        return new FloatValue(name, value);
    }

    static Attribute of(String name, long value) {
        return new IntValue(name, value);
    }

    static Attribute of(String name, String value) {
        return new StringValue(name, value);
    }

    static Attribute ints(String name, long... values) {
        return new IntsValue(name, Arrays.stream(values).boxed().toList());
    }
}
