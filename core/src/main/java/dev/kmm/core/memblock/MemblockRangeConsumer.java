package dev.kmm.core.memblock;

/** Receives one range of a memblock iteration: {@code [start, end)} on node {@code nid}. */
@FunctionalInterface
public interface MemblockRangeConsumer {
    void accept(long start, long end, int nid);
}
