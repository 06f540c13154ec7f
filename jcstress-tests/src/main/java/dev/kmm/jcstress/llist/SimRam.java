package dev.kmm.jcstress.llist;

import dev.kmm.arena.KernelMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated RAM for jcstress states. jcstress builds many thousands of state objects per second, so
 * each takes a 128-byte, cache-line-pair-aligned slice of a 1 MiB chunk from {@link Arena#ofAuto()}:
 * allocation is one atomic add, and a chunk is freed by the GC once no state's slice reaches it. A shared
 * arena per state would cost a global handshake on every close, and a confined one could not be touched
 * by the actor threads.
 */
final class SimRam {
    /** x86_64 direct map base (PAGE_OFFSET without KASLR): every state maps its slice here. */
    static final long BASE = 0xffff888000000000L;
    private static final long SLICE = 128;
    private static final long CHUNK = 1 << 20;

    private static volatile Chunk chunk = new Chunk();

    private SimRam() {
    }

    /** A fresh, zeroed 128-byte view at {@link #BASE}. */
    static KernelMemory state() {
        for (;;) {
            Chunk c = chunk;
            long off = c.next.getAndAdd(SLICE);
            if (off + SLICE <= CHUNK) {
                return KernelMemory.of(new KernelMemory.Region("directmap", BASE, c.memory.asSlice(off, SLICE)));
            }
            synchronized (SimRam.class) {
                if (chunk == c) {
                    chunk = new Chunk();
                }
            }
        }
    }

    private static final class Chunk {
        final MemorySegment memory = Arena.ofAuto().allocate(CHUNK, SLICE);
        final AtomicLong next = new AtomicLong();
    }
}
