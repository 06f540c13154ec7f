package dev.kmm.arena.list;

/**
 * A list operation found its neighbours inconsistent ({@code CONFIG_DEBUG_LIST}); the message is the
 * kernel's {@code lib/list_debug.c} text. It is raised before anything is written: memory is unchanged.
 */
public final class ListCorruptionException extends IllegalStateException {
    public ListCorruptionException(String message) {
        super(message);
    }
}
