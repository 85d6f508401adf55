package dev.jxen.toolstack.config;

import java.util.List;

/**
 * A value in an {@code xl.cfg} file. As in xl, a single value is kept as text whether it was
 * written quoted or as a bare number ({@code memory = "512"} and {@code memory = 512} mean the
 * same); lists hold single values only.
 */
public sealed interface ConfigValue permits ConfigValue.Atom, ConfigValue.ListValue {
    /** The line the value starts on. */
    int line();

    /** A string or number. */
    record Atom(String text, int line) implements ConfigValue {
    }

    /** {@code [ a, b, ... ]}. */
    record ListValue(List<Atom> items, int line) implements ConfigValue {
        public ListValue {
            items = List.copyOf(items);
        }
    }
}
