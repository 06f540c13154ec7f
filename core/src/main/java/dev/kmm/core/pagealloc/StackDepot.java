package dev.kmm.core.pagealloc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The stack depot of Linux 6.1 lib/stackdepot.c for Java call stacks: every distinct stack is stored once and named
 * by a small handle ({@code depot_stack_handle_t}), so that records holding a stack (page_owner's, one per page)
 * keep only the handle. Handle 0 means "no stack", as in the kernel.
 *
 * <p>A stack is the {@link StackTraceElement}s of a few frames; equal stacks (same classes, methods and lines) get
 * the same handle. Saving is thread-safe; stacks are never removed (6.1's depot frees nothing either).
 */
public final class StackDepot {
    private final Map<List<StackTraceElement>, Integer> handles = new ConcurrentHashMap<>();
    private final List<StackTraceElement[]> stacks = new ArrayList<>();

    /**
     * {@code stack_depot_save}: the handle of {@code frames}, storing them on first sight.
     *
     * @return a handle above 0
     */
    public int save(StackTraceElement[] frames) {
        List<StackTraceElement> key = Arrays.asList(frames);
        Integer h = handles.get(key);
        if (h != null) {
            return h;
        }
        synchronized (stacks) {
            return handles.computeIfAbsent(List.copyOf(key), k -> {
                stacks.add(k.toArray(StackTraceElement[]::new));
                return stacks.size();
            });
        }
    }

    /**
     * {@code stack_depot_fetch}: the frames saved under {@code handle}.
     *
     * @throws IllegalArgumentException for a handle the depot did not give out
     */
    public StackTraceElement[] fetch(int handle) {
        synchronized (stacks) {
            if (handle <= 0 || handle > stacks.size()) {
                throw new IllegalArgumentException("stack depot has no handle " + handle);
            }
            return stacks.get(handle - 1).clone();
        }
    }

    /** The number of distinct stacks saved. */
    public int size() {
        synchronized (stacks) {
            return stacks.size();
        }
    }

    /**
     * {@code stack_depot_snprint(handle, buf, size, spaces)}: one line per frame, each indented by
     * {@code 1 + spaces} blanks as {@code stack_trace_snprint}'s {@code "%*c%pS\n"} does. A Java frame prints as
     * {@code class.method(File.java:line)} where the kernel prints {@code symbol+offset/size}.
     */
    public void snprint(StringBuilder sb, int handle, int spaces) {
        for (StackTraceElement f : fetch(handle)) {
            sb.repeat(' ', 1 + spaces).append(f.getClassName()).append('.').append(f.getMethodName()).append('(');
            if (f.getFileName() == null) {
                sb.append("Unknown Source");
            } else {
                sb.append(f.getFileName());
                if (f.getLineNumber() >= 0) {
                    sb.append(':').append(f.getLineNumber());
                }
            }
            sb.append(")\n");
        }
    }
}
