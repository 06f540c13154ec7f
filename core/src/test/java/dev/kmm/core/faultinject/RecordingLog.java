package dev.kmm.core.faultinject;

import java.util.ArrayList;
import java.util.List;

/** A printk sink that keeps "level:text" lines and counts dump_stack() calls. */
final class RecordingLog implements FaultLog {
    final List<String> lines = new ArrayList<>();
    int stacks;

    @Override
    public synchronized void printk(int level, String line) {
        lines.add(level + ":" + line);
    }

    @Override
    public synchronized void dumpStack() {
        stacks++;
    }
}
